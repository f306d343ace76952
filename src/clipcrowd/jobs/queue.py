"""The job queue over the `jobs` table: enqueue, claim with a lease, complete, fail.

A claim is a compare-and-set (``UPDATE ... WHERE id = :id AND status = :seen``) inside a write
transaction, so two workers (in one server or in several) never both run a job. On PostgreSQL the
candidate row is also locked with ``FOR UPDATE SKIP LOCKED`` so that busy workers do not queue up
behind each other. A RUNNING job whose lease ran out (its worker died) is claimed again, up to
``MAX_ATTEMPTS``; handlers are idempotent, so a re-run repeats nothing that shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, update

from clipcrowd.domain.timeutil import utcnow
from clipcrowd.store.db import Database
from clipcrowd.store.tables import jobs

#: How long a claim holds before another worker may take the job over.
LEASE = timedelta(minutes=10)
#: Claims of one job before it is failed for good (a worker crash each time means the job kills workers).
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Job:
    """A claimed job, as the worker sees it."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


def enqueue(conn: Connection, kind: str, payload: dict[str, Any], *, project_id: int | None = None) -> int:
    """Queue a job in the caller's transaction (so the job exists exactly when its subject does)."""
    return int(conn.execute(insert(jobs).values(
        kind=kind, status="QUEUED", payload=payload, project_id=project_id, attempts=0, created=utcnow(),
    ).returning(jobs.c.id)).scalar_one())


def _claimable(now: Any) -> Any:
    return or_(jobs.c.status == "QUEUED", and_(jobs.c.status == "RUNNING", jobs.c.lease_until < now))


def claim(db: Database, worker: str, kinds: list[str]) -> Job | None:
    """Take the oldest claimable job of one of ``kinds``, or None when there is nothing to do."""
    now = utcnow()
    with db.write() as conn:
        query = select(jobs.c.id, jobs.c.status).where(_claimable(now), jobs.c.kind.in_(kinds))
        query = query.order_by(jobs.c.id).limit(1)
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        row = conn.execute(query).first()
        if row is None:
            return None
        taken = conn.execute(update(jobs).where(jobs.c.id == row.id, jobs.c.status == row.status, _claimable(now))
                             .values(status="RUNNING", claimed_by=worker, lease_until=now + LEASE,
                                     attempts=jobs.c.attempts + 1, started=now)).rowcount
        if taken != 1:
            return None
        job = conn.execute(select(jobs).where(jobs.c.id == row.id)).one()
        if job.attempts > MAX_ATTEMPTS:
            conn.execute(update(jobs).where(jobs.c.id == job.id).values(
                status="FAILED", finished=now, error=f"gave up after {MAX_ATTEMPTS} attempts (the worker stopped)"))
            return None
        return Job(id=job.id, kind=job.kind, payload=dict(job.payload), attempts=job.attempts)


def complete(db: Database, job_id: int) -> None:
    with db.write() as conn:
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(status="DONE", finished=utcnow(),
                                                                   lease_until=None))


def fail(db: Database, job_id: int, error: str) -> None:
    with db.write() as conn:
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(status="FAILED", finished=utcnow(),
                                                                   lease_until=None, error=error[:4000]))


def pending(db: Database) -> int:
    """How many jobs wait for a worker (QUEUED, or RUNNING with a lapsed lease)."""
    with db.read() as conn:
        return len(conn.execute(select(jobs.c.id).where(_claimable(utcnow())).limit(1000)).all())


def get(db: Database, job_id: int) -> Any:
    with db.read() as conn:
        return conn.execute(select(jobs).where(jobs.c.id == job_id)).one_or_none()
