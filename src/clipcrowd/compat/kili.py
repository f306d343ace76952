"""A Kili-style facade: the asset-import calls of Kili's Python SDK, against a clipcrowd server.

Code written for ``kili.client.Kili`` runs unchanged apart from the import and the constructor's
URL and key::

    from clipcrowd.compat.kili import Kili
    kili = Kili(api_key=token, api_endpoint="http://127.0.0.1:8080")
    project_id = kili.create_project(input_type="VIDEO", json_interface=interface, title="t")["id"]
    kili.append_many_to_dataset(project_id, content_array=["./clip.mp4"], external_id_array=["v1"])

Local files are streamed to the server (``POST /api/v1/assets/uploads``), URLs are fetched by the
server, and ``append_many_to_dataset`` waits (by default) until every asset is processed. Field
names are Kili's camelCase (``externalId``, ``jsonMetadata``...). Only what the video-import
workflow needs is here; other Kili arguments raise ``UnsupportedArgument`` (a ``TypeError``) naming themselves.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from clipcrowd.client.errors import ApiError, raise_for_error
from clipcrowd.client.transport import http_client

_FIELDS = {"id": "id", "externalId": "external_id", "jsonMetadata": "json_metadata", "jsonContent": "json_content",
           "content": "content_url", "status": "status", "processingError": "error", "createdAt": "created",
           "updatedAt": "updated", "projectId": "project_id", "kind": "kind", "resolution": "info",
           "thumbnail": "cover_url", "mediaUrl": "media_url", "frameTableUrl": "frame_table_url"}
DEFAULT_FIELDS = ("id", "externalId", "content", "jsonContent", "jsonMetadata", "status", "createdAt")
_SUFFIXES = ("/api/label/v2/graphql", "/api/v1", "/")


class Kili:
    """The Kili client's asset-import methods over clipcrowd's REST API."""

    def __init__(self, api_key: str | None = None, api_endpoint: str | None = None, *, timeout: float = 120.0,
                 **_ignored: Any) -> None:
        if not api_key or not api_endpoint:
            raise ValueError("Kili(api_key=..., api_endpoint=...) needs a clipcrowd token and server URL")
        base = api_endpoint
        for suffix in _SUFFIXES:
            base = base.removesuffix(suffix)
        self.base = base
        self.http = http_client(base, timeout=timeout, headers={"Authorization": f"OAuth {api_key}"})

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        raise_for_error(response)
        return response.json() if response.content else None

    # projects --------------------------------------------------------------------------------
    def create_project(self, input_type: str, json_interface: dict[str, Any], title: str, description: str = "",
                       project_type: str | None = None, **_ignored: Any) -> dict[str, str]:
        """Create a project from a JSON interface; returns ``{"id": project_id}``."""
        body = {"input_type": input_type, "json_interface": json_interface, "title": title,
                "description": description}
        return {"id": self._call("POST", "/api/v1/projects/from-interface", json=body)["id"]}

    def delete_project(self, project_id: str) -> str:
        """Delete the project with its assets and their stored files."""
        return str(self._call("DELETE", f"/api/v1/projects/{project_id}")["id"])

    # import ----------------------------------------------------------------------------------
    def _upload(self, project_id: str, path: str, cache: dict[str, str]) -> str:
        if path not in cache:
            file = Path(path)
            if not file.is_file():
                raise FileNotFoundError(f"{path}: no such local file")
            with file.open("rb") as handle:
                cache[path] = self._call("POST", "/api/v1/assets/uploads", content=handle,
                                         params={"project_id": project_id, "name": file.name})["ref"]
        return cache[path]

    def _ref(self, project_id: str, value: Any, cache: dict[str, str]) -> Any:
        if isinstance(value, str) and urlsplit(value).scheme not in ("http", "https"):
            return self._upload(project_id, value, cache)
        return value

    def append_many_to_dataset(
        self, project_id: str, content_array: Sequence[str] | None = None,
        multi_layer_content_array: Any = None, external_id_array: Sequence[str] | None = None,
        id_array: Any = None, is_honeypot_array: Any = None, status_array: Any = None,
        json_content_array: Sequence[Sequence[str]] | None = None,
        json_metadata_array: Sequence[dict[str, Any]] | None = None, disable_tqdm: bool | None = None,
        wait_until_availability: bool = True, from_csv: Any = None, csv_separator: str = ",",
        *, timeout: float = 600.0, **_ignored: Any,
    ) -> dict[str, Any]:
        """Add assets; returns ``{"id": project_id, "asset_ids": [...], "errors": {external_id: reason}}``.

        Items that cannot be imported (a missing local file, a refused upload, a duplicate external id,
        media that fails processing) are reported in ``errors`` and do not stop the others.
        """
        _unsupported(multi_layer_content_array=multi_layer_content_array, id_array=id_array,
                     is_honeypot_array=is_honeypot_array, status_array=status_array, from_csv=from_csv)
        sources: list[tuple[str, Any]] = [("content", c) for c in content_array or []]
        sources += [("json_content", list(c)) for c in json_content_array or []]
        if content_array and json_content_array:
            raise ValueError("give content_array or json_content_array, not both")
        if not sources:
            raise ValueError("content_array or json_content_array is required")
        ids = list(external_id_array) if external_id_array is not None else [uuid.uuid4().hex for _ in sources]
        metas = list(json_metadata_array) if json_metadata_array is not None else [{} for _ in sources]
        if len(ids) != len(sources) or len(metas) != len(sources):
            raise ValueError("external_id_array and json_metadata_array must be as long as the content")
        items: list[dict[str, Any]] = []
        errors: dict[str, str] = {}
        cache: dict[str, str] = {}
        for (field, value), ext, meta in zip(sources, ids, metas, strict=True):
            ext = str(ext)
            try:
                ref = [self._ref(project_id, v, cache) for v in value] if field == "json_content" else \
                    self._ref(project_id, value, cache)
            except (FileNotFoundError, ApiError) as exc:
                errors[ext] = str(exc)
                continue
            items.append({"external_id": ext, field: ref, "json_metadata": meta})
        created: list[dict[str, Any]] = []
        if items:
            try:
                result = self._call("POST", "/api/v1/assets", json={"project_id": project_id, "assets": items})
            except ApiError as exc:
                if exc.status != 400:
                    raise
                errors.update({str(item["external_id"]): exc.message for item in items})
            else:
                created = list(result["items"].values())
                for index, fault in result["validation_errors"].items():
                    errors[str(items[int(index)]["external_id"])] = fault["message"]
        asset_ids = [a["id"] for a in created]
        if wait_until_availability and asset_ids:
            for asset in self._wait(project_id, asset_ids, timeout):
                if asset["status"] == "ERROR":
                    errors[asset["external_id"]] = asset["error"]
        return {"id": project_id, "asset_ids": asset_ids, "errors": errors}

    def _wait(self, project_id: str, asset_ids: list[str], timeout: float) -> list[dict[str, Any]]:
        """Poll until no asset of ``asset_ids`` is PENDING or PROCESSING; returns them all."""
        deadline = time.monotonic() + timeout
        wanted = set(asset_ids)
        bounds = {"project_id": project_id, "id_gte": min(asset_ids), "id_lte": max(asset_ids)}
        while True:
            rows = [a for a in self._iterate(bounds) if a["id"] in wanted]
            if all(a["status"] in ("READY", "ERROR") for a in rows):
                return rows
            if time.monotonic() > deadline:
                raise TimeoutError(f"assets still processing after {timeout:g} s")
            time.sleep(0.2)

    def _iterate(self, query: dict[str, Any]) -> Iterator[dict[str, Any]]:
        params = {**query, "sort": "id", "limit": 500}
        while True:
            page = self._call("GET", "/api/v1/assets", params=params)
            yield from page["items"]
            if not page["has_more"] or not page["items"]:
                return
            params["id_gt"] = page["items"][-1]["id"]

    # reading and updating --------------------------------------------------------------------
    def _kili_asset(self, asset: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in fields:
            value = asset.get(_FIELDS[name])
            if name in ("content", "thumbnail", "mediaUrl", "frameTableUrl") and value:
                value = self.base + value
            elif name == "jsonContent" and isinstance(value, list):
                value = [self.base + v if isinstance(v, str) and v.startswith("/") else v for v in value]
            elif name == "resolution":
                value = {"width": value.get("width"), "height": value.get("height")} if value else None
            out[name] = value
        return out

    def assets(self, project_id: str, asset_id: str | None = None, skip: int = 0,
               fields: Sequence[str] = DEFAULT_FIELDS, disable_tqdm: bool | None = None, first: int | None = None,
               external_id_strictly_in: Sequence[str] | None = None, external_id_in: Sequence[str] | None = None,
               external_id_contains: Sequence[str] | None = None, as_generator: bool = False,
               **_ignored: Any) -> Any:
        """The project's assets with the chosen ``fields`` (Kili names), filtered by external id."""
        unknown = [f for f in fields if f not in _FIELDS]
        if unknown:
            raise ValueError(f"unknown asset field {unknown[0]!r}; one of {sorted(_FIELDS)}")
        server_fields = ",".join(sorted({_FIELDS[f] for f in fields} | {"id", "external_id"}))
        base: dict[str, Any] = {"project_id": project_id, "fields": server_fields}
        exact = external_id_strictly_in if external_id_strictly_in is not None else external_id_in
        if exact is not None and not any("," in e for e in exact):
            base["external_id"] = ",".join(exact)  # narrowed on the server; checked again below
        rows = self._select(base, asset_id, exact, external_id_contains)
        rows = rows[skip:] if first is None else rows[skip:skip + first]
        result = [self._kili_asset(r, fields) for r in rows]
        return iter(result) if as_generator else result

    def _select(self, base: dict[str, Any], asset_id: str | None, exact: Sequence[str] | None,
                contains: Sequence[str] | None) -> list[dict[str, Any]]:
        rows = list(self._iterate(base))
        if asset_id is not None:
            rows = [r for r in rows if r["id"] == asset_id]
        if exact is not None:
            wanted = set(exact)
            rows = [r for r in rows if r.get("external_id") in wanted]
        if contains:
            rows = [r for r in rows if any(c in r.get("external_id", "") for c in contains)]
        return rows

    def count_assets(self, project_id: str, **filters: Any) -> int:
        return len(self.assets(project_id, fields=("id",), **filters))

    def update_properties_in_assets(
        self, asset_ids: Sequence[str] | None = None, external_ids: Sequence[str] | None = None,
        project_id: str | None = None, json_metadatas: Sequence[dict[str, Any]] | None = None,
        **others: Any,
    ) -> list[dict[str, str]]:
        """Replace the metadata of assets (processingParameters are kept unless given)."""
        _unsupported(**others)
        if json_metadatas is None:
            return []
        if asset_ids is not None:
            keys = [{"id": a} for a in asset_ids]
        elif external_ids is not None:
            if project_id is None:
                raise ValueError("external_ids need a project_id")
            keys = [{"external_id": e} for e in external_ids]
        else:
            raise ValueError("asset_ids or external_ids is required")
        if len(keys) != len(json_metadatas):
            raise ValueError("json_metadatas must be as long as the asset ids")
        if project_id is None:
            project_id = self._call("GET", f"/api/v1/assets/{keys[0]['id']}")["project_id"]
        items = [{**k, "json_metadata": m} for k, m in zip(keys, json_metadatas, strict=True)]
        result = self._call("PATCH", "/api/v1/assets", json={"project_id": project_id, "items": items})
        return [{"id": a["id"]} for a in result["items"]]

    def delete_many_from_dataset(self, asset_ids: Sequence[str]) -> dict[str, Any]:
        for asset_id in asset_ids:
            self._call("DELETE", f"/api/v1/assets/{asset_id}")
        return {"asset_ids": list(asset_ids)}


class UnsupportedArgument(TypeError):
    """A Kili argument this facade does not offer: said at once rather than silently ignored."""


def _unsupported(**arguments: Any) -> None:
    given = sorted(name for name, value in arguments.items() if value not in (None, False, [], ()))
    if given:
        raise UnsupportedArgument(f"clipcrowd's Kili facade does not support: {', '.join(given)}")
