"""The requester SDK: one method per API call, plus waiting helpers with progress."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from clipcrowd.client.errors import ApiError, raise_for_error
from clipcrowd.client.transport import http_client


class Client:
    """Talks to a clipcrowd server with a requester token."""

    def __init__(self, url: str, token: str, *, timeout: float = 60.0):
        self.url = url.rstrip("/")
        self.http = http_client(self.url, timeout=timeout, headers={"Authorization": f"OAuth {token}"})

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

    # aggregation ---------------------------------------------------------------------------
    def wait_operation(self, operation_id: str, *, timeout: float = 3600.0, interval: float = 0.2) -> dict[str, Any]:
        """Poll an operation until it ends; a FAIL raises ApiError with the operation's error."""
        deadline = time.monotonic() + timeout
        while True:
            op = self._call("GET", f"/api/v1/operations/{operation_id}")
            if op["status"] == "SUCCESS":
                return op
            if op["status"] == "FAIL":
                error = (op.get("details") or {}).get("error", "the operation failed")
                raise ApiError(200, "OPERATION_FAILED", str(error), {"operation_id": operation_id})
            if time.monotonic() > deadline:
                raise TimeoutError(f"operation {operation_id} still {op['status']} after {timeout} s")
            time.sleep(interval)

    def aggregate(self, pool_id: str, method: str = "ds", field: str | None = None, wait: bool = True, *,
                  include_submitted: bool = False, params: dict[str, Any] | None = None,
                  timeout: float = 3600.0) -> Any:
        """Aggregate a pool's answers on the server (results are stored there too).

        With ``wait`` (default): a ``pandas.DataFrame`` with columns ``task``, ``label``,
        ``confidence``, one row per task. Without: the running operation (a dict); read its labels
        later with :meth:`get_aggregated_solutions`.
        """
        body = {"pool_id": pool_id, "method": method, "field": field, "include_submitted": include_submitted,
                "params": params or {}}
        op = self._call("POST", "/api/v1/aggregated-solutions/aggregate-by-pool", json=body)
        if not wait:
            return op
        self.wait_operation(op["id"], timeout=timeout)
        return self.get_aggregated_solutions(op["id"])

    def get_aggregated_solutions(self, operation_id: str) -> Any:
        """The labels an aggregation operation stored, as a DataFrame (``task``, ``label``, ``confidence``)."""
        import pandas as pd  # here, not at the top: worker scripts import the SDK and never need pandas

        rows: list[dict[str, Any]] = []
        query: dict[str, Any] = {"limit": 10_000}
        while True:
            page = self._call("GET", f"/api/v1/aggregated-solutions/{operation_id}", params=query)
            rows += [{"task": item["task_id"], "label": next(iter(item["output_values"].values())),
                      "confidence": item["confidence"]} for item in page["items"]]
            if not page["has_more"] or not page["items"]:
                return pd.DataFrame(rows, columns=["task", "label", "confidence"])
            query["task_id_gt"] = page["items"][-1]["task_id"]

    def get_worker_quality(self, pool_id: str, method: str | None = None) -> Any:
        """Stored per-worker quality of a pool as a DataFrame (``worker``, ``method``, ``field``,
        ``quality``, ``answers``)."""
        import pandas as pd

        items = list(self.iterate("/api/v1/worker-quality", pool_id=pool_id, method=method, limit=10_000))
        rows = [{"worker": i["user_id"], "method": i["method"], "field": i["field"], "quality": i["quality"],
                 "answers": i["answers"]} for i in items]
        return pd.DataFrame(rows, columns=["worker", "method", "field", "quality", "answers"])

    # jobs ----------------------------------------------------------------------------------
    def get_jobs(self, *, kind: str | None = None, status: str | None = None, project_id: str | None = None,
                 limit: int = 1000) -> list[dict[str, Any]]:
        """Every job matching the filters (``status`` may list several, comma-separated), oldest first."""
        query: dict[str, Any] = {k: v for k, v in {"kind": kind, "status": status, "project_id": project_id,
                                                   "limit": limit}.items() if v is not None}
        found: list[dict[str, Any]] = []
        while True:
            page = self._call("GET", "/api/v1/jobs", params=query)
            found += page["items"]
            if not page.get("has_more") or not page["items"]:
                return found
            query["id_gt"] = page["items"][-1]["job_id"]

    def get_job(self, job_id: str) -> dict[str, Any]:
        """One job: ``{job_id, kind, status, request, shard_map, counts, ...}``."""
        return self._call("GET", f"/api/v1/jobs/{job_id}")

    def cancel_job(self, job_id: str) -> dict[str, Any]:
        """Stop a job that has not ended (its shards not yet finished never run); returns the job."""
        return self._call("POST", f"/api/v1/jobs/{job_id}/cancel")

    def get_job_items(self, job_id: str, *, status: str | None = None, shard_id: str | None = None,
                      limit: int = 1000) -> list[dict[str, Any]]:
        """Every item of a job (``status``: pending, done, failed, skipped; several comma-separated)."""
        return list(self.iterate(f"/api/v1/jobs/{job_id}/items", status=status, shard_id=shard_id, limit=limit))

    def wait_job(self, job_id: str, *, timeout: float = 3600.0, interval: float = 0.2) -> dict[str, Any]:
        """Poll a job until it has ended (complete, complete_with_errors, failed or cancelled)."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.get_job(job_id)
            if job["status"] in ("complete", "complete_with_errors", "failed", "cancelled"):
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {job['status']} after {timeout} s")
            time.sleep(interval)
