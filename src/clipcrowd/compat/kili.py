"""A Kili-style facade: the asset-import calls of Kili's Python SDK (26.2.4), against a clipcrowd server.

Code written for ``kili.client.Kili`` runs unchanged apart from the import and the server's URL and
key (arguments, or ``KILI_API_KEY`` / ``KILI_API_ENDPOINT``, or clipcrowd's ``CLIPCROWD_TOKEN`` /
``CLIPCROWD_URL``)::

    from clipcrowd.compat.kili import Kili
    kili = Kili(api_key=token, api_endpoint="http://127.0.0.1:8080")
    project_id = kili.create_project("t", input_type="VIDEO", json_interface=interface)["id"]
    kili.append_many_to_dataset(project_id, content_array=["./clip.mp4"], external_id_array=["v1"])

Every method has the real SDK's signature (``tests/data/kili_signatures.json`` is the recorded
table; a test compares). Each argument is honoured, or, when given a value other than its default,
raises :class:`UnsupportedArgument` (a ``NotImplementedError``) naming it before any request: nothing
is silently ignored. Local files are streamed to the server, URLs are fetched by the server, and
``append_many_to_dataset`` waits (by default) until every asset is processed.

Assets carry Kili's labelling ``status`` (``TODO``, ``ONGOING``, ``LABELED``, ``TO_REVIEW``,
``REVIEWED``): the server derives it from the crowd's progress on the tasks that point at the asset
(the asset API's ``labelling_status``; the mapping is in docs/ingest.md), and ``status_in`` filters
on it there. The media processing state lives in its own fields, ``processingStatus``
(``PENDING``, ``PROCESSING``, ``READY``, ``ERROR``) and ``processingError``.
"""

from __future__ import annotations

import functools
import inspect
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from clipcrowd.client.errors import ApiError, raise_for_error
from clipcrowd.client.transport import http_client

_FIELDS = {"id": "id", "externalId": "external_id", "jsonMetadata": "json_metadata", "jsonContent": "json_content",
           "content": "content_url", "status": "labelling_status", "processingStatus": "status",
           "processingError": "error", "createdAt": "created", "updatedAt": "updated", "projectId": "project_id",
           "kind": "kind", "resolution": "info", "thumbnail": "cover_url", "mediaUrl": "media_url",
           "frameTableUrl": "frame_table_url"}
#: the real SDK's default ``fields`` of ``assets`` that clipcrowd has (labels and reviews it has not)
DEFAULT_FIELDS = ("id", "externalId", "content", "jsonContent", "jsonMetadata", "status", "createdAt",
                  "updatedAt")
LABELLING_STATUSES = ("TODO", "ONGOING", "LABELED", "REVIEWED", "TO_REVIEW")
_SUFFIXES = ("/api/label/v2/graphql", "/api/v1", "/")
#: keyword-only arguments clipcrowd adds to the real signatures (the signature test allows these)
EXTRAS = {"__init__": ("timeout",), "append_many_to_dataset": ("timeout", "report_errors")}


class UnsupportedArgument(NotImplementedError):
    """A Kili argument this facade does not offer: said at once rather than silently ignored."""


class ImportValidationError(ValueError):
    """Assets the server refused to import (Kili's ``ImportValidationError``): bad or repeated items."""


class BatchImportError(Exception):
    """Imported assets whose media failed processing (Kili's ``BatchImportError``)."""


class Kili:
    """The Kili client's asset-import methods over clipcrowd's REST API."""

    def __init__(self, api_key: str | None = None, api_endpoint: str | None = None,
                 verify: bool | str | None = None, client_name: str = "python-sdk",
                 graphql_client_params: dict[str, Any] | None = None, disable_tqdm: bool | None = None,
                 disable_request_compression: bool | None = None, *, timeout: float = 120.0) -> None:
        """``disable_tqdm`` and ``disable_request_compression`` are honoured as given: the facade shows
        no progress bars and sends uncompressed requests."""
        _refuse(graphql_client_params=graphql_client_params)
        api_key = api_key or os.environ.get("KILI_API_KEY") or os.environ.get("CLIPCROWD_TOKEN")
        api_endpoint = api_endpoint or os.environ.get("KILI_API_ENDPOINT") or os.environ.get("CLIPCROWD_URL")
        if not api_key or not api_endpoint:
            raise ValueError("Kili() needs a clipcrowd token and server URL: api_key= and api_endpoint=, or "
                             "KILI_API_KEY and KILI_API_ENDPOINT (or CLIPCROWD_TOKEN and CLIPCROWD_URL)")
        base = api_endpoint
        for suffix in _SUFFIXES:
            base = base.removesuffix(suffix)
        self.base = base
        headers = {"Authorization": f"OAuth {api_key}", "X-Client-Name": str(client_name)}
        self.http = http_client(base, timeout=timeout, headers=headers, verify=True if verify is None else verify)

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        raise_for_error(response)
        return response.json() if response.content else None

    # projects --------------------------------------------------------------------------------
    def create_project(
        self, title: str, description: str = "",
        input_type: Literal["IMAGE", "GEOSPATIAL", "PDF", "TEXT", "VIDEO", "LLM_RLHF", "LLM_INSTR_FOLLOWING",
                            "LLM_STATIC", "AUDIO"] | None = None,
        json_interface: dict[str, Any] | None = None, project_id: str | None = None,
        tags: Sequence[str] | None = None, compliance_tags: Sequence[str] | None = None,
        from_demo_project: str | None = None, pixel_labeling: bool = False,
    ) -> dict[Literal["id"], str]:
        """Create a project from a JSON interface; returns ``{"id": project_id}``."""
        _refuse(project_id=project_id, tags=tags, compliance_tags=compliance_tags,
                from_demo_project=from_demo_project, pixel_labeling=pixel_labeling)
        if input_type is None or json_interface is None:
            raise ValueError("create_project needs input_type and json_interface")
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
        self, project_id: str, content_array: list[str] | list[dict[str, Any]] | None = None,
        multi_layer_content_array: list[list[dict[str, Any]]] | None = None,
        external_id_array: list[str] | None = None, id_array: list[str] | None = None,
        is_honeypot_array: list[bool] | None = None, status_array: list[str] | None = None,
        json_content_array: list[list[Any] | None] | None = None,
        json_metadata_array: list[dict[str, Any]] | None = None, disable_tqdm: bool | None = None,
        wait_until_availability: bool = True, from_csv: str | None = None, csv_separator: str = ",",
        *, timeout: float = 600.0, report_errors: bool = False,
    ) -> dict[str, Any]:
        """Add assets; returns ``{"id": project_id, "asset_ids": [...]}`` as Kili does.

        A missing local file raises ``FileNotFoundError`` before anything is sent; items the server
        refuses raise :class:`ImportValidationError`, media that fails processing
        :class:`BatchImportError` (the valid items are imported all the same, as in Kili).
        ``report_errors=True`` (clipcrowd's extra) raises none of these per-item faults and adds
        ``"errors": {external_id: reason}`` to the result instead.
        """
        _refuse(multi_layer_content_array=multi_layer_content_array, id_array=id_array,
                is_honeypot_array=is_honeypot_array, status_array=status_array, from_csv=from_csv)
        if csv_separator != ",":
            raise UnsupportedArgument("clipcrowd's Kili facade does not support: csv_separator")
        if content_array is not None and json_content_array is not None:
            raise ValueError("give content_array or json_content_array, not both")
        sources: list[tuple[str, Any]] = [("content", c) for c in content_array or []]
        sources += [("json_content", list(c or [])) for c in json_content_array or []]
        if content_array is None and json_content_array is None:
            raise ValueError("Variables content_array, multi_layer_content_array and json_content_array "
                             "cannot be both None.")
        if not sources:
            return {"id": project_id, "asset_ids": []} | ({"errors": {}} if report_errors else {})
        ids = list(external_id_array) if external_id_array is not None else [uuid.uuid4().hex for _ in sources]
        metas = list(json_metadata_array) if json_metadata_array is not None else [{} for _ in sources]
        if len(ids) != len(sources) or len(metas) != len(sources):
            raise ValueError("external_id_array and json_metadata_array must be as long as the content")
        if not report_errors:
            _check_local_files(sources)
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
        failed: dict[str, str] = {}
        if wait_until_availability and asset_ids:
            for asset in self._wait(project_id, asset_ids, timeout):
                if asset["status"] == "ERROR":
                    failed[asset["external_id"]] = asset["error"]
        if report_errors:
            return {"id": project_id, "asset_ids": asset_ids, "errors": errors | failed}
        if errors:
            raise ImportValidationError(_listing("refused", errors, asset_ids))
        if failed:
            raise BatchImportError(_listing("failed processing", failed, asset_ids))
        return {"id": project_id, "asset_ids": asset_ids}

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

    def assets(
        self, project_id: str, asset_id: str | None = None, skip: int = 0,
        fields: Sequence[str] | None = None, asset_id_in: list[str] | None = None,
        asset_id_not_in: list[str] | None = None, disable_tqdm: bool | None = None, first: int | None = None,
        format: str | None = None, label_author_in: list[str] | None = None,
        label_created_at: str | None = None, label_type_in: list[str] | None = None,
        metadata_where: dict[str, Any] | None = None, updated_at_gte: str | None = None,
        updated_at_lte: str | None = None, label_category_search: str | None = None,
        download_media: bool = False, local_media_dir: str | None = None, created_at_gte: str | None = None,
        created_at_lte: str | None = None, honeypot_mark_gte: float | None = None,
        honeypot_mark_lte: float | None = None, consensus_mark_gte: float | None = None,
        consensus_mark_lte: float | None = None, inference_mark_gte: float | None = None,
        inference_mark_lte: float | None = None, label_labeler_in: Sequence[str] | None = None,
        label_labeler_not_in: Sequence[str] | None = None, label_reviewer_in: Sequence[str] | None = None,
        label_reviewer_not_in: Sequence[str] | None = None, assignee_in: Sequence[str] | None = None,
        assignee_not_in: Sequence[str] | None = None, label_consensus_mark_gte: float | None = None,
        label_consensus_mark_lte: float | None = None, label_created_at_gte: str | None = None,
        label_created_at_lte: str | None = None, label_honeypot_mark_gte: float | None = None,
        label_honeypot_mark_lte: float | None = None, issue_type: str | None = None,
        issue_status: str | None = None, external_id_strictly_in: list[str] | None = None,
        external_id_in: list[str] | None = None, label_output_format: str = "dict",
        skipped: bool | None = None, status_in: list[str] | None = None,
        step_name_and_status_in: list[tuple[str, str]] | None = None,
        step_name_and_status_not_in: list[tuple[str, str]] | None = None,
        step_name_in: list[str] | None = None, step_name_not_in: list[str] | None = None,
        step_status_in: list[str] | None = None, step_status_not_in: list[str] | None = None,
        group_name_in: list[str] | None = None, group_name_not_in: list[str] | None = None,
        *, as_generator: bool = False, step_id_in: list[str] | None = None, step_id_not_in: list[str] | None = None,
        step_id_and_status_in: list[tuple[str, str]] | None = None,
        step_id_and_status_not_in: list[tuple[str, str]] | None = None,
    ) -> Any:
        """The project's assets with the chosen ``fields`` (Kili names), oldest first.

        Honoured filters: ``asset_id``, ``asset_id_in``/``_not_in``, ``external_id_strictly_in``
        (exact), ``external_id_in`` (substring, as in Kili), ``metadata_where`` (every key equal, or
        a ``[low, high]`` pair for a number in that range), ``status_in``, ``created_at_gte``/``_lte``,
        ``updated_at_gte``/``_lte``; then ``skip``/``first``. ``format="pandas"`` returns a DataFrame,
        ``as_generator=True`` an iterator. Label, review, workflow-step and mark filters raise
        :class:`UnsupportedArgument`: clipcrowd keeps no Kili labels.
        """
        supported = {"project_id", "asset_id", "skip", "fields", "asset_id_in", "asset_id_not_in", "disable_tqdm",
                     "first", "format", "metadata_where", "updated_at_gte", "updated_at_lte", "created_at_gte",
                     "created_at_lte", "external_id_strictly_in", "external_id_in", "label_output_format",
                     "status_in", "as_generator"}
        given = dict(locals())
        _refuse_unlisted(self.assets, given, supported)
        if label_output_format != "dict":
            raise UnsupportedArgument(f"label_output_format={label_output_format!r}: clipcrowd keeps no Kili labels")
        if format not in (None, "pandas"):
            raise ValueError(f"format must be None or 'pandas', got {format!r}")
        rows = self._matching(project_id, fields or DEFAULT_FIELDS, given)
        result = [self._kili_asset(r, fields or DEFAULT_FIELDS) for r in rows]
        if format == "pandas":
            import pandas as pd

            return pd.DataFrame(result, columns=list(fields or DEFAULT_FIELDS))
        return iter(result) if as_generator else result

    def _matching(self, project_id: str, fields: Sequence[str], given: dict[str, Any]) -> list[dict[str, Any]]:
        """The server's rows that pass every honoured filter of ``assets`` / ``count_assets``, sliced."""
        unknown = [f for f in fields if f not in _FIELDS]
        if unknown:
            raise ValueError(f"unknown asset field {unknown[0]!r}; one of {sorted(_FIELDS)}")
        statuses = given.get("status_in")
        if statuses is not None:
            if isinstance(statuses, str | bytes) or not isinstance(statuses, Sequence):
                raise ValueError(f"status_in must be a list of statuses, got {statuses!r}")
            bad = [s for s in statuses if s not in LABELLING_STATUSES]
            if bad:
                raise ValueError(f"status_in: {bad[0]!r} is not one of {list(LABELLING_STATUSES)}")
        needed = {_FIELDS[f] for f in fields} | {"id", "external_id"}
        if statuses is not None:
            needed.add("labelling_status")
        if given.get("metadata_where"):
            needed.add("json_metadata")
        for column in ("created", "updated"):
            if given.get(f"{column}_at_gte") or given.get(f"{column}_at_lte"):
                needed.add(column)
        query: dict[str, Any] = {"project_id": project_id, "fields": ",".join(sorted(needed))}
        exact = given.get("external_id_strictly_in")
        if exact is not None and not any("," in e for e in exact):
            query["external_id"] = ",".join(exact)  # narrowed on the server; checked again below
        if statuses:
            query["labelling_status"] = ",".join(statuses)  # filtered on the server; checked again below
        rows = [r for r in self._iterate(query) if _passes(r, given)]
        skip, first = int(given.get("skip") or 0), given.get("first")
        return rows[skip:] if first is None else rows[skip:skip + int(first)]

    def count_assets(
        self, project_id: str, asset_id: str | None = None, asset_id_in: list[str] | None = None,
        asset_id_not_in: list[str] | None = None, metadata_where: dict[str, Any] | None = None,
        status_in: list[str] | None = None, label_type_in: list[str] | None = None,
        label_author_in: list[str] | None = None, label_created_at: str | None = None,
        skipped: bool | None = None, updated_at_gte: str | None = None, updated_at_lte: str | None = None,
        label_category_search: str | None = None, created_at_gte: str | None = None,
        created_at_lte: str | None = None, honeypot_mark_gte: float | None = None,
        honeypot_mark_lte: float | None = None, consensus_mark_gte: float | None = None,
        consensus_mark_lte: float | None = None, inference_mark_gte: float | None = None,
        inference_mark_lte: float | None = None, label_labeler_in: Sequence[str] | None = None,
        label_labeler_not_in: Sequence[str] | None = None, label_reviewer_in: Sequence[str] | None = None,
        label_reviewer_not_in: Sequence[str] | None = None, assignee_in: Sequence[str] | None = None,
        assignee_not_in: Sequence[str] | None = None, label_consensus_mark_gte: float | None = None,
        label_consensus_mark_lte: float | None = None, label_created_at_gte: str | None = None,
        label_created_at_lte: str | None = None, label_honeypot_mark_gte: float | None = None,
        label_honeypot_mark_lte: float | None = None, issue_type: str | None = None,
        issue_status: str | None = None, external_id_strictly_in: list[str] | None = None,
        external_id_in: list[str] | None = None, step_name_in: list[str] | None = None,
        step_name_not_in: list[str] | None = None, step_status_in: list[str] | None = None,
        step_status_not_in: list[str] | None = None,
        step_name_and_status_in: list[tuple[str, str]] | None = None,
        step_name_and_status_not_in: list[tuple[str, str]] | None = None,
        group_name_in: list[str] | None = None, group_name_not_in: list[str] | None = None,
        step_id_in: list[str] | None = None, step_id_not_in: list[str] | None = None,
        step_id_and_status_in: list[tuple[str, str]] | None = None,
        step_id_and_status_not_in: list[tuple[str, str]] | None = None,
    ) -> int:
        """How many assets ``assets`` would return with the same filters."""
        supported = {"project_id", "asset_id", "asset_id_in", "asset_id_not_in", "metadata_where", "status_in",
                     "updated_at_gte", "updated_at_lte", "created_at_gte", "created_at_lte",
                     "external_id_strictly_in", "external_id_in"}
        given = dict(locals())
        _refuse_unlisted(self.count_assets, given, supported)
        return len(self._matching(project_id, ("id",), given))

    def update_properties_in_assets(
        self, asset_ids: list[str] | None = None, external_ids: list[str] | None = None,
        priorities: list[int] | None = None, json_metadatas: list[dict[str, Any] | str] | None = None,
        consensus_marks: list[float] | None = None, honeypot_marks: list[float] | None = None,
        to_be_labeled_by_array: list[list[str]] | None = None, contents: list[str] | None = None,
        json_contents: list[str] | None = None, status_array: list[str] | None = None,
        is_used_for_consensus_array: list[bool] | None = None, is_honeypot_array: list[bool] | None = None,
        project_id: str | None = None, resolution_array: list[dict[str, Any]] | None = None,
        page_resolutions_array: list[list[Any]] | None = None,
    ) -> list[dict[Literal["id"], str]]:
        """Replace the metadata of assets (processingParameters are kept unless given)."""
        _refuse(priorities=priorities, consensus_marks=consensus_marks, honeypot_marks=honeypot_marks,
                to_be_labeled_by_array=to_be_labeled_by_array, contents=contents, json_contents=json_contents,
                status_array=status_array, is_used_for_consensus_array=is_used_for_consensus_array,
                is_honeypot_array=is_honeypot_array, resolution_array=resolution_array,
                page_resolutions_array=page_resolutions_array)
        if json_metadatas is None:
            return []
        keys = self._keys(asset_ids, external_ids, project_id)
        if len(keys) != len(json_metadatas):
            raise ValueError("json_metadatas must be as long as the asset ids")
        if project_id is None:
            project_id = self._call("GET", f"/api/v1/assets/{keys[0]['id']}")["project_id"]
        metas = [_json_object(m) for m in json_metadatas]
        items = [{**k, "json_metadata": m} for k, m in zip(keys, metas, strict=True)]
        result = self._call("PATCH", "/api/v1/assets", json={"project_id": project_id, "items": items})
        return [{"id": a["id"]} for a in result["items"]]

    @staticmethod
    def _keys(asset_ids: Sequence[str] | None, external_ids: Sequence[str] | None,
              project_id: str | None) -> list[dict[str, str]]:
        if asset_ids is not None:
            return [{"id": str(a)} for a in asset_ids]
        if external_ids is not None:
            if project_id is None:
                raise ValueError("external_ids need a project_id")
            return [{"external_id": str(e)} for e in external_ids]
        raise ValueError("Please provide either `asset_ids` or `external_ids`.")

    def delete_many_from_dataset(self, asset_ids: list[str] | None = None, external_ids: list[str] | None = None,
                                 project_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
        """Delete assets; returns Kili's outcome ``{"succeeded": [...], "declined": [...], "failed": [...]}``
        with ``{"assetId", "externalId"}`` entries (``"details"`` too under ``failed``). An asset
        already gone, given by id, counts as succeeded, as in Kili; an unknown external id is declined."""
        outcome: dict[str, list[dict[str, Any]]] = {"succeeded": [], "declined": [], "failed": []}
        if not asset_ids and not external_ids:
            if asset_ids is None and external_ids is None:
                raise ValueError("Please provide either `asset_ids` or `external_ids`.")
            return outcome
        targets: list[tuple[str | None, str | None]]
        if asset_ids:
            targets = [(str(a), None) for a in asset_ids]
        else:
            if project_id is None:
                raise ValueError("external_ids need a project_id")
            wanted = [str(e) for e in external_ids or []]
            found = {r["external_id"]: r["id"] for r in self._iterate(
                {"project_id": project_id, "fields": "id,external_id"}) if r["external_id"] in set(wanted)}
            targets = [(found.get(e), e) for e in wanted]
        for asset_id, external_id in targets:
            ref = {"assetId": asset_id, "externalId": external_id}
            if asset_id is None:
                outcome["declined"].append(ref)
                continue
            response = self.http.request("DELETE", f"/api/v1/assets/{asset_id}")
            if response.status_code in (204, 404):
                outcome["succeeded"].append(ref)
            elif response.status_code in (400, 409):
                outcome["declined"].append(ref)
            else:
                outcome["failed"].append({**ref, "details": f"HTTP {response.status_code}: {response.text[:200]}"})
        return outcome


def _passes(row: dict[str, Any], given: dict[str, Any]) -> bool:
    """Whether one server row passes the honoured filters of ``assets``."""
    checks: list[Callable[[], bool]] = []
    if given.get("asset_id") is not None:
        checks.append(lambda: row["id"] == given["asset_id"])
    if given.get("asset_id_in") is not None:
        checks.append(lambda: row["id"] in set(given["asset_id_in"]))
    if given.get("asset_id_not_in") is not None:
        checks.append(lambda: row["id"] not in set(given["asset_id_not_in"]))
    if given.get("external_id_strictly_in") is not None:
        checks.append(lambda: row.get("external_id") in set(given["external_id_strictly_in"]))
    if given.get("external_id_in") is not None:
        checks.append(lambda: any(part in (row.get("external_id") or "") for part in given["external_id_in"]))
    if given.get("status_in") is not None:
        checks.append(lambda: row.get("labelling_status") in given["status_in"])
    if given.get("metadata_where"):
        checks.append(lambda: _metadata_matches(row.get("json_metadata") or {}, given["metadata_where"]))
    for name, column, after in (("created_at_gte", "created", True), ("created_at_lte", "created", False),
                                ("updated_at_gte", "updated", True), ("updated_at_lte", "updated", False)):
        if given.get(name) is not None:
            bound = _time(given[name], name)
            checks.append(functools.partial(_compare_time, row.get(column), bound, after))
    return all(check() for check in checks)


def _metadata_matches(meta: dict[str, Any], where: dict[str, Any]) -> bool:
    if not isinstance(where, dict):
        raise ValueError("metadata_where must be a dict of metadata key -> value (or [low, high])")
    for key, wanted in where.items():
        value = meta.get(key)
        if isinstance(wanted, list | tuple) and len(wanted) == 2 and all(
                isinstance(b, int | float) and not isinstance(b, bool) for b in wanted):
            if not isinstance(value, int | float) or isinstance(value, bool) or not wanted[0] <= value <= wanted[1]:
                return False
        elif value != wanted:
            return False
    return True


def _time(value: Any, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{name} must be an ISO 8601 date, got {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _compare_time(value: str | None, bound: datetime, after: bool) -> bool:
    if value is None:
        return False
    moment = _time(value, "asset time")
    return moment >= bound if after else moment <= bound


def _json_object(value: dict[str, Any] | str) -> Any:
    if isinstance(value, str):  # Kili accepts metadata as a JSON string too
        import json

        return json.loads(value)
    return value


def _check_local_files(sources: list[tuple[str, Any]]) -> None:
    """Kili refuses a missing local file before importing anything: so does the facade."""
    for _, value in sources:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and urlsplit(item).scheme not in ("http", "https") and not Path(item).is_file():
                raise FileNotFoundError(f"file {item} does not exist")


def _listing(what: str, faults: dict[str, str], created: list[str]) -> str:
    shown = "; ".join(f"{ext}: {reason}" for ext, reason in list(faults.items())[:10])
    return f"{len(faults)} asset(s) {what} ({len(created)} imported): {shown}"


def _refuse(**arguments: Any) -> None:
    """Raise :class:`UnsupportedArgument` naming every argument (whose default is None or False)
    that was given another value."""
    given = [name for name, value in arguments.items() if value is not None and value is not False]
    if given:
        raise UnsupportedArgument(f"clipcrowd's Kili facade does not support: {', '.join(sorted(given))}")


def _refuse_unlisted(method: Callable[..., Any], given: dict[str, Any], supported: set[str]) -> None:
    """:func:`_refuse` for every parameter of ``method`` outside ``supported``, defaults read from it."""
    refused = [name for name, p in inspect.signature(method).parameters.items()
               if name not in supported and name in given and given[name] != p.default]
    if refused:
        raise UnsupportedArgument(f"clipcrowd's Kili facade does not support: {', '.join(sorted(refused))}")
