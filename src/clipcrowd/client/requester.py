"""The requester SDK: one method per API call, plus waiting helpers with progress."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import httpx

from clipcrowd.client.errors import raise_for_error


class Client:
    """Talks to a clipcrowd server with a requester token."""

    def __init__(self, url: str, token: str, *, timeout: float = 60.0):
        self.url = url.rstrip("/")
        self.http = httpx.Client(base_url=self.url, timeout=timeout,
                                 headers={"Authorization": f"OAuth {token}"})

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        raise_for_error(response)
        return response.json() if response.content else None

    # requester-side resources -------------------------------------------------------------
    def get_requester(self) -> dict[str, Any]:
        return self._call("GET", "/api/v1/requester")

    def create_project(self, project: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/api/v1/projects", json=project)

    def get_project(self, project_id: str) -> dict[str, Any]:
        return self._call("GET", f"/api/v1/projects/{project_id}")

    def create_skill(self, name: str, **fields: Any) -> dict[str, Any]:
        return self._call("POST", "/api/v1/skills", json={"name": name, **fields})

    def create_pool(self, pool: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/api/v1/pools", json=pool)

    def get_pool(self, pool_id: str) -> dict[str, Any]:
        return self._call("GET", f"/api/v1/pools/{pool_id}")

    def open_pool(self, pool_id: str) -> dict[str, Any]:
        self._call("POST", f"/api/v1/pools/{pool_id}/open")
        return self.get_pool(pool_id)

    def close_pool(self, pool_id: str) -> dict[str, Any]:
        self._call("POST", f"/api/v1/pools/{pool_id}/close")
        return self.get_pool(pool_id)

    def create_tasks(self, tasks: list[dict[str, Any]], *, allow_defaults: bool = True,
                     open_pool: bool = False) -> dict[str, Any]:
        """Create tasks in one synchronous batch; returns `{items: {index: task}, validation_errors}`."""
        params = {"allow_defaults": str(allow_defaults).lower(), "open_pool": str(open_pool).lower()}
        return self._call("POST", "/api/v1/tasks", params=params, json=tasks)

    def iterate(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a search, page by page (`id_gt` cursor)."""
        query = {k: v for k, v in params.items() if v is not None}
        query["sort"] = "id"
        while True:
            page = self._call("GET", path, params=query)
            yield from page["items"]
            if not page.get("has_more") or not page["items"]:
                return
            query["id_gt"] = page["items"][-1]["id"]

    def get_tasks(self, pool_id: str) -> list[dict[str, Any]]:
        return list(self.iterate("/api/v1/tasks", pool_id=pool_id, limit=1000))

    def get_assignments(self, pool_id: str, status: str | None = None) -> list[dict[str, Any]]:
        return list(self.iterate("/api/v1/assignments", pool_id=pool_id, status=status, limit=1000))

    def accept_assignment(self, assignment_id: str, comment: str | None = None) -> dict[str, Any]:
        return self._call("PATCH", f"/api/v1/assignments/{assignment_id}",
                          json={"status": "ACCEPTED", "public_comment": comment})

    def reject_assignment(self, assignment_id: str, comment: str) -> dict[str, Any]:
        return self._call("PATCH", f"/api/v1/assignments/{assignment_id}",
                          json={"status": "REJECTED", "public_comment": comment})

    def download_attachment(self, attachment_id: str, out: IO[bytes] | Path) -> None:
        with self.http.stream("GET", f"/api/v1/attachments/{attachment_id}/download") as response:
            if response.status_code >= 400:
                response.read()
                raise_for_error(response)
            if isinstance(out, Path):
                with out.open("wb") as handle:
                    for chunk in response.iter_bytes():
                        handle.write(chunk)
            else:
                for chunk in response.iter_bytes():
                    out.write(chunk)

    def create_worker(self, login: str, **fields: Any) -> dict[str, Any]:
        """A worker account; the answer carries its API token (shown once)."""
        return self._call("POST", "/api/v1/workers", json={"login": login, **fields})

    def set_user_skill(self, user_id: str, skill_id: str, value: float) -> dict[str, Any]:
        return self._call("PUT", "/api/v1/user-skills", json={"user_id": user_id, "skill_id": skill_id, "value": value})

    def get_restrictions(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self.iterate("/api/v1/user-restrictions", **filters))

    def completion_percentage(self, pool_id: str) -> float:
        op = self._call("POST", "/api/staging/analytics-2",
                        json=[{"subject": "POOL", "subject_id": pool_id, "name": "completion_percentage"}])
        return float(op["details"]["value"][0]["result"]["value"])

    def wait_pool(self, pool_id: str, *, timeout: float = 3600.0, interval: float = 1.0,
                  on_progress: Callable[[float], None] | None = None) -> dict[str, Any]:
        """Poll until the pool closes; report completion percentage on the way."""
        deadline = time.monotonic() + timeout
        while True:
            pool = self.get_pool(pool_id)
            if pool["status"] != "OPEN":
                return pool
            if on_progress is not None:
                on_progress(self.completion_percentage(pool_id))
            if time.monotonic() > deadline:
                raise TimeoutError(f"pool {pool_id} still open after {timeout} s")
            time.sleep(interval)
