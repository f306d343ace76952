"""A big export as a job: the file the job writes is byte for byte the streamed export; the file is
refused (409) before the job is complete, and bad requests are 4xx naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from clipcrowd import jobs
from clipcrowd.services import bulk_fill
from clipcrowd.store.db import Database
from tests.apiclient import Api, expect_error
from tests.factories import pool_body, text_project
from tests.jobs.support import wait_for


def _context(api: Api) -> dict[str, Any]:
    settings = api.client.app.state.settings  # type: ignore[attr-defined]
    return {"storage_url": settings.resolved_storage_url, "max_bytes": settings.max_upload_bytes}


def _pool(db: Database) -> str:
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    return bulk_fill.fill(db, text_project(), pool, count=1500, overlap=3, suite=2, crowd=7).pool_id


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_the_job_file_is_the_streamed_export(db: Database, api: Api, fmt: str) -> None:
    pool_id = _pool(db)
    job = api.ok("POST", f"/api/v1/pools/{pool_id}/exports", json={"format": fmt})
    assert job["kind"] == "export.pool"
    file_path = f"/api/v1/pools/{pool_id}/exports/{job['job_id']}/file"
    jobs.run_pending(db, _context(api))  # here, unless the server's own worker took it first
    wait_for(lambda: api.ok("GET", f"/api/v1/jobs/{job['job_id']}")["status"] == "complete", what="the export")
    stored = api.call("GET", file_path, expect=200)
    streamed = api.call("GET", f"/api/v1/pools/{pool_id}/results.{fmt}", expect=200)
    assert len(stored.content) > 100_000 or fmt == "parquet"
    assert stored.content == streamed.content
    assert stored.headers["content-type"] == streamed.headers["content-type"]


def test_bad_export_requests(db: Database, api: Api) -> None:
    pool_id = _pool(db)
    expect_error(api.call("POST", f"/api/v1/pools/{pool_id}/exports", json={"format": "xlsx"}), 400,
                 "VALIDATION_ERROR", "format")
    expect_error(api.call("POST", f"/api/v1/pools/{pool_id}/exports", json={}), 400, "VALIDATION_ERROR", "format")
    assert api.call("POST", "/api/v1/pools/000000999999/exports", json={"format": "csv"}).status_code == 404
    job = api.ok("POST", f"/api/v1/pools/{pool_id}/exports", json={"format": "csv"})
    assert api.call("GET", f"/api/v1/pools/000000999999/exports/{job['job_id']}/file").status_code == 404
    assert api.call("GET", f"/api/v1/pools/{pool_id}/exports/not-an-id/file").status_code == 404
    early = api.call("GET", f"/api/v1/pools/{pool_id}/exports/{job['job_id']}/file")
    # the server's worker may have finished it already; otherwise the file is not there yet
    if early.status_code == 200:
        assert early.content == api.call("GET", f"/api/v1/pools/{pool_id}/results.csv", expect=200).content
    else:
        expect_error(early, 409, "CONFLICT_STATE", "complete")
