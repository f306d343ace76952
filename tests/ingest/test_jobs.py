"""The job queue: atomic claims, lapsed leases taken over, handler failures recorded, a real worker process."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from clipcrowd.domain.timeutil import utcnow
from clipcrowd.jobs import LocalExecutor, claim, enqueue, get
from clipcrowd.jobs.queue import MAX_ATTEMPTS, pending
from clipcrowd.jobs.worker import run_one
from clipcrowd.store.db import Database
from clipcrowd.store.tables import jobs


def _enqueue(db: Database, kind: str = "test.noop", payload: dict[str, Any] | None = None) -> int:
    with db.write() as conn:
        return enqueue(conn, kind, payload or {})


def boom(db: Database, payload: dict[str, Any], context: dict[str, Any]) -> None:
    raise RuntimeError(f"bad payload {payload['n']}")


def mark(db: Database, payload: dict[str, Any], context: dict[str, Any]) -> None:
    with db.write() as conn:
        conn.execute(update(jobs).where(jobs.c.id == payload["job"]).values(error=f"ran in {context['who']}"))


def test_a_job_is_claimed_once(db: Database) -> None:
    job_id = _enqueue(db)
    first = claim(db, "w1", ["test.noop"])
    assert first is not None and first.id == job_id and first.attempts == 1
    assert claim(db, "w2", ["test.noop"]) is None
    assert claim(db, "w2", ["other.kind"]) is None
    assert get(db, job_id).status == "RUNNING" and get(db, job_id).claimed_by == "w1"


def test_a_lapsed_lease_is_taken_over_until_attempts_run_out(db: Database) -> None:
    job_id = _enqueue(db)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        job = claim(db, f"w{attempt}", ["test.noop"])
        assert job is not None and job.attempts == attempt
        with db.write() as conn:  # the worker died: its lease runs out
            conn.execute(update(jobs).where(jobs.c.id == job_id).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert claim(db, "last", ["test.noop"]) is None
    row = get(db, job_id)
    assert row.status == "FAILED" and f"gave up after {MAX_ATTEMPTS} attempts" in row.error
    assert pending(db) == 0


def test_a_failing_handler_fails_its_job_not_the_worker(db: Database) -> None:
    bad = _enqueue(db, "test.boom", {"n": 7})
    assert run_one(db, {"test.boom": boom}, {}, "w") is True
    assert run_one(db, {"test.boom": boom}, {}, "w") is False
    row = get(db, bad)
    assert row.status == "FAILED" and row.error == "RuntimeError: bad payload 7" and row.finished is not None


def test_local_executor_runs_jobs_in_another_process(db: Database) -> None:
    executor = LocalExecutor(db.url, {"test.mark": mark}, {"who": "a worker process"})
    job_id = _enqueue(db, "test.mark")
    with db.write() as conn:
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(payload={"job": job_id}))
    try:
        executor.wake()
        deadline = time.monotonic() + 30
        while get(db, job_id).status != "DONE":
            assert time.monotonic() < deadline, "the worker process did not run the job"
            time.sleep(0.05)
        assert executor.running == 1
    finally:
        executor.stop()
    assert get(db, job_id).error == "ran in a worker process" and executor.running == 0
