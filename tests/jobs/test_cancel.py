"""Cancelling a job through the API, the SDK and the CLI, against a live server whose one worker runs
it: a running shard stops at its next heartbeat (the worker is free again), a queued job never runs,
the operation waiting on a job fails, and a job that ended otherwise is refused (409) unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from clipcrowd.client import Client
from clipcrowd.domain.ids import format_id
from clipcrowd.services import operations
from clipcrowd.store.db import Database
from tests.jobs.support import items_of, run_to_the_end, shard_row, submit, wait_for
from tests.support import Live, live_server
from tests.test_cli import invoke, one_line_error


@pytest.fixture
def one_worker(db: Database, tmp_path: Path) -> Iterator[Live]:
    """One job worker, a lease of 1 s (renewed every third of it): a cancelled shard stops within a beat."""
    with live_server(db, tmp_path, job_workers=1, job_lease_seconds=1) as server:
        yield server


def _status(live: Live, job_id: int) -> str:
    return str(httpx.get(f"{live.url}/api/v1/jobs/{format_id(job_id)}", headers=live.headers).json()["status"])


def test_a_running_job_stops_and_a_queued_one_never_runs(one_worker: Live, tmp_path: Path) -> None:
    live, db = one_worker, one_worker.db
    stalled = submit(db, "test.stall", {"items": ["a", "b", "c"], "release": str(tmp_path / "never")})
    wait_for(lambda: items_of(db, stalled)["a"][0] == "done", what="the stalled shard's first item")
    with db.write() as conn:
        op_id = operations.start(conn, "TEST.WAIT", {})
    queued = submit(db, "test.digest", {"items": ["x", "y"], "rounds": 3}, operation_id=op_id)
    assert _status(live, queued) == "queued"  # the only worker is held by the stalled shard

    with Client(live.url, live.token) as client:
        cancelled = client.cancel_job(format_id(queued))
        assert cancelled["status"] == "cancelled" and cancelled["shard_map"]["0"]["status"] == "cancelled"
        op = client._call("GET", f"/api/v1/operations/{op_id}")
        assert op["status"] == "FAIL" and op["details"]["job_status"] == "cancelled"
        running = client.cancel_job(format_id(stalled))
    assert running["status"] == "cancelled" and running["counts"]["processed"] == 1

    # the worker leaves the stalled shard at its next heartbeat (its release file never comes), so a new
    # job runs to its end; the cancelled ones stay as they were
    after = submit(db, "test.digest", {"items": ["z"], "rounds": 3})
    wait_for(lambda: _status(live, after) == "complete", what="a job after the cancelled ones")
    assert items_of(db, stalled) == {"a": ("done", items_of(db, stalled)["a"][1]), "b": ("pending", None),
                                     "c": ("pending", None)}
    assert {k: s for k, (s, _) in items_of(db, queued).items()} == {"x": "pending", "y": "pending"}
    assert shard_row(db, queued).attempts == 0 and _status(live, stalled) == "cancelled"

    again = httpx.post(f"{live.url}/api/v1/jobs/{format_id(queued)}/cancel", headers=live.headers)
    assert again.status_code == 200 and again.json()["status"] == "cancelled"  # cancelling twice is harmless
    ended = httpx.post(f"{live.url}/api/v1/jobs/{format_id(after)}/cancel", headers=live.headers)
    assert ended.status_code == 409 and "already ended (complete)" in ended.json()["message"]
    assert _status(live, after) == "complete"


def test_bad_job_ids_are_refused(live: Live) -> None:
    """An id that is not a job of ours, or cannot be one, does not exist (as for every other object)."""
    with httpx.Client(base_url=live.url) as http:
        for job_id in ("999999", "abc", "-1", "1" * 40, "%3Cb%3E"):
            response = http.post(f"/api/v1/jobs/{job_id}/cancel", headers=live.headers)
            assert response.status_code == 404 and response.json()["code"] == "DOES_NOT_EXIST", job_id
            assert "does not exist" in response.json()["message"]
            assert http.post(f"/api/v1/jobs/{job_id}/cancel").status_code == 401


def test_the_cli_cancels_and_says_why_not(one_worker: Live, tmp_path: Path) -> None:
    live, db = one_worker, one_worker.db
    job_id = format_id(submit(db, "test.stall", {"items": ["a", "b"], "release": str(tmp_path / "never")}))
    server = ["--url", live.url, "--token", live.token]
    done = invoke("jobs", "cancel", job_id, *server, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [job_id, "test.stall", "cancelled"]
    finished_id = submit(db, "test.digest", {"items": ["q"], "rounds": 2})
    run_to_the_end(db, [finished_id])  # here, or by the server's worker
    finished = format_id(finished_id)
    assert _status(live, int(finished)) == "complete"
    one_line_error(invoke("jobs", "cancel", finished, *server, home=tmp_path), "CONFLICT_STATE", "already ended")


def test_a_camera_import_is_cancelled_and_refuses_later_files(live: Live) -> None:
    window = {"earliest_date": "2026-01-01T00:00:00Z", "latest_date": "2026-01-01T01:00:00Z"}
    with httpx.Client(base_url=live.url, headers=live.headers) as http:
        camera = http.post("/api/v1/cameras", json={"name": "gate"}).json()
        job = http.post("/api/v1/camera-imports",
                        json={**window, "item_count": 2, "cameras": [{"name": "gate"}]}).json()
        cancelled = http.post(f"/api/v1/camera-imports/{job['job_id']}/cancel").json()
        assert cancelled["status"] == "cancelled" and cancelled["shard_map"]["0"]["status"] == "cancelled"
        assert cancelled["shard_map"]["0"]["upload_url"].endswith("/shards/0")  # the import's own job object
        late = http.post(f"/api/v1/camera-imports/{job['job_id']}/content", content=b"data", params={
            "hash": "a" * 40, "camera_id": camera["camera_id"], "timestamp": window["earliest_date"]})
        assert late.status_code == 409, late.text
        assert http.post("/api/v1/camera-imports/999999/cancel").status_code == 404
        other = format_id(submit(live.db, "test.stall", {"items": ["a"], "release": "/nonexistent/never"}))
        assert http.post(f"/api/v1/camera-imports/{other}/cancel").status_code == 404  # not an import
        assert http.get(f"/api/v1/jobs/{other}").json()["status"] != "cancelled"
