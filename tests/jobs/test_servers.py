"""Two servers on one PostgreSQL: starting the second (`clipcrowd serve`) leaves the first one's work alone."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from clipcrowd import jobs
from clipcrowd.services import operations
from clipcrowd.store.db import Database
from tests.jobs.support import items_of, shard_row, wait_for
from tests.support import free_port, fresh_postgres, live_server, postgres_reachable

pytestmark = pytest.mark.slow

CLIPCROWD = str(Path(sys.executable).parent / "clipcrowd")


@pytest.fixture
def pg() -> Iterator[Database]:
    reason = postgres_reachable()
    if reason:
        pytest.skip(reason)
    database = fresh_postgres()
    yield database
    database.dispose()


@pytest.mark.postgres
def test_a_second_server_starting_does_not_fail_the_first_ones_running_job(pg: Database, tmp_path: Path) -> None:
    release = tmp_path / "release"
    with pg.write() as conn:  # an operation a client polls, backed by a job whose shard will stall
        op_id = operations.start(conn, "TEST.STALL", {})
        job_id = jobs.submit(conn, "test.stall", {"items": ["a", "b"], "release": str(release)}, operation_id=op_id)
    with live_server(pg, tmp_path / "a") as first:
        http = httpx.Client(base_url=first.url, headers=first.headers, timeout=30)
        wait_for(lambda: items_of(pg, job_id)["a"][0] == "done", what="server A's worker to start the shard")
        holder = shard_row(pg, job_id).claimed_by
        assert http.get(f"/api/v1/operations/{op_id}").json()["progress"] == 50  # the job's progress
        port = free_port()
        env = {**os.environ, "CLIPCROWD_DATABASE_URL": pg.url, "CLIPCROWD_HOME": str(tmp_path / "b"),
               "CLIPCROWD_PORT": str(port)}
        second = subprocess.Popen([CLIPCROWD, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for(lambda: _healthy(port), what="server B to answer")
            job = http.get(f"/api/v1/jobs/{job_id}").json()
            assert job["status"] == "processing" and job["shard_map"]["0"]["attempts"] == 1
            assert http.get(f"/api/v1/operations/{op_id}").json()["status"] == "RUNNING"
            assert shard_row(pg, job_id).claimed_by == holder  # still server A's worker
            release.touch()
            done = wait_for(lambda: _ended(http, job_id), what="the job to end")
            assert done["status"] == "complete" and done["counts"]["processed"] == 2
            op = http.get(f"/api/v1/operations/{op_id}").json()
            assert op["status"] == "SUCCESS" and op["progress"] == 100 and op["details"]["job_status"] == "complete"
            seen_by_b = httpx.get(f"http://127.0.0.1:{port}/api/v1/jobs/{job['job_id']}", headers=first.headers)
            assert seen_by_b.json()["status"] == "complete"
        finally:
            second.terminate()
            _, err = second.communicate(timeout=30)
            http.close()
        assert b"marked FAIL" not in err


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _ended(http: httpx.Client, job_id: int) -> dict | None:
    job = http.get(f"/api/v1/jobs/{job_id}").json()
    return job if job["status"] in jobs.status.JOB_FINAL else None
