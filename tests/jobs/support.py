"""Helpers of the runner's tests: submit in a transaction, read items, wait on a condition."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from clipcrowd import jobs
from clipcrowd.store.db import Database
from clipcrowd.store.tables import job_items, job_shards
from clipcrowd.store.tables import jobs as jobs_table


def submit(db: Database, kind: str, request: dict[str, Any], **kw: Any) -> int:
    with db.write() as conn:
        return jobs.submit(conn, kind, request, **kw)


def items_of(db: Database, job_id: int) -> dict[str, tuple[str, Any]]:
    """``{key: (status, result)}`` of a job's items."""
    with db.read() as conn:
        rows = conn.execute(select(job_items).where(job_items.c.job_id == job_id)).all()
    return {r.key: (r.status, r.result) for r in rows}


def shard_row(db: Database, job_id: int, shard_id: int = 0) -> Any:
    with db.read() as conn:
        return conn.execute(select(job_shards).where(job_shards.c.job_id == job_id,
                                                     job_shards.c.shard_id == shard_id)).one()


def wait_for(check: Callable[[], Any], timeout: float = 60.0, what: str = "a condition") -> Any:
    """Poll ``check`` until it is truthy; fail after ``timeout`` seconds (a bound, not a threshold)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def run_to_the_end(db: Database, job_ids: list[int], context: dict[str, Any] | None = None) -> None:
    """Run queued shards here, then wait until each of ``job_ids`` is final: a server's own worker (its
    executor looks at the queue every few seconds) may have claimed some shards and still be on them."""
    jobs.run_pending(db, context)

    def ended() -> bool:
        with db.read() as conn:
            statuses = conn.execute(select(jobs_table.c.status).where(jobs_table.c.id.in_(job_ids))).scalars().all()
        return len(statuses) == len(set(job_ids)) and all(s in jobs.JOB_FINAL for s in statuses)
    wait_for(ended, what=f"jobs {job_ids} to end")
