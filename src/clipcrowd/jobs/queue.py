"""Jobs and shards in the database: submit, claim under a lease, renew, report items, finish.

A claim is a compare-and-set (``UPDATE ... WHERE id = :id AND status = :seen``) inside a write
transaction, so two workers (in one server or in several over one database) never both hold a
shard; on PostgreSQL the candidate is also locked ``FOR UPDATE SKIP LOCKED`` so busy workers do
not queue behind each other. The holder gets a random token; every later write of the holder
(heartbeat, item report, finish) is guarded by it, so a worker that lost its lease cannot write
over the worker that took the shard over. A ``processing`` shard whose lease ran out is claimed
again, up to ``MAX_ATTEMPTS``. Every change of a shard re-derives its job's status in the same
transaction, and a job that backs an operation ends the operation when it ends.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from clipcrowd.domain.timeutil import utcnow
from clipcrowd.store.db import Database
from clipcrowd.store.tables import job_items, job_shards, jobs, operations

from .registry import KEY_MAX, PLAN_STATUSES, ShardPlan, handler_path, resolve
from .status import JOB_FINAL, derive

#: How long a claim holds without a heartbeat before another worker may take the shard over.
LEASE = timedelta(seconds=60)
#: Claims of one shard before it is failed for good (a worker dying each time means the shard kills workers).
MAX_ATTEMPTS = 3
#: Longest error text kept.
ERROR_MAX = 4000


class ShardLost(RuntimeError):
    """This worker no longer holds the shard (its lease ran out and another worker took it)."""


class JobRequestError(ValueError):
    """A job could not be submitted as asked (bad plan, bad keys); nothing was written."""


@dataclass(frozen=True)
class Claim:
    """A shard held by one worker: what it needs to run it, and the token that proves the hold."""

    row_id: int
    job_id: int
    shard_id: int
    kind: str
    handler: str | None
    request: dict[str, Any]
    payload: dict[str, Any]
    attempt: int
    token: str
    worker: str


# ---------------------------------------------------------------------------------------- submit

def submit(conn: Connection, kind: str, request: Mapping[str, Any], *, shards: Sequence[ShardPlan] | None = None,
           operation_id: str | None = None, project_id: int | None = None,
           idempotency_key: str | None = None) -> int:
    """Create a job of ``kind`` in the caller's transaction and return its id.

    ``shards`` default to the handler's ``plan(request)``. A repeated ``idempotency_key`` (per kind)
    returns the job made the first time. The caller wakes its executor after the commit.
    """
    cls = resolve(kind)
    request = dict(request)
    try:
        json.dumps(request)
    except (TypeError, ValueError) as exc:
        raise JobRequestError(f"the request of a {kind!r} job must be plain JSON: {exc}") from None
    if idempotency_key is not None:
        known = conn.execute(select(jobs.c.id).where(jobs.c.kind == kind,
                                                     jobs.c.idempotency_key == idempotency_key)).scalar()
        if known is not None:
            return int(known)
    plans = list(cls().plan(request) if shards is None else shards)
    _check_plans(plans)
    now = utcnow()
    try:
        with conn.begin_nested():  # two submits with one idempotency key at once: the second finds the first
            job_id = int(conn.execute(insert(jobs).values(
                kind=kind, status="queued", payload=request, project_id=project_id, attempts=0, created=now,
                updated=now, handler=handler_path(cls), operation_id=operation_id, idempotency_key=idempotency_key,
            ).returning(jobs.c.id)).scalar_one())
    except IntegrityError:
        if idempotency_key is None:
            raise
        return int(conn.execute(select(jobs.c.id).where(jobs.c.kind == kind,
                                                        jobs.c.idempotency_key == idempotency_key)).scalar_one())
    conn.execute(insert(job_shards), [
        {"job_id": job_id, "shard_id": n, "status": plan.status, "payload": dict(plan.payload or {}),
         "item_count": max(plan.item_count or 0, len(plan.items)), "received": len(plan.items), "done": 0,
         "failed": 0, "skipped": 0, "attempts": 0}
        for n, plan in enumerate(plans)])
    rows = [{"job_id": job_id, "shard_id": n, "key": key, "status": "pending", "updated": now}
            for n, plan in enumerate(plans) for key in plan.items]
    if rows:
        conn.execute(insert(job_items), rows)
    refresh(conn, job_id, now)
    return job_id


def _check_plans(plans: Sequence[ShardPlan]) -> None:
    if not plans:
        raise JobRequestError("a job needs at least one shard")
    seen: set[str] = set()
    for n, plan in enumerate(plans):
        if plan.status not in PLAN_STATUSES:
            raise JobRequestError(f"shard {n}: status must be one of {list(PLAN_STATUSES)}")
        if plan.item_count is not None and not (isinstance(plan.item_count, int) and
                                                len(plan.items) <= plan.item_count <= 10**9):
            raise JobRequestError(f"shard {n}: item_count must be a whole number, at least the items given")
        for key in plan.items:
            if not isinstance(key, str) or not key or len(key) > KEY_MAX:
                raise JobRequestError(f"shard {n}: item keys are non-empty strings of at most {KEY_MAX} characters")
            if key in seen:
                raise JobRequestError(f"shard {n}: item {key!r} is in the job twice")
            seen.add(key)


def add_items(conn: Connection, job_id: int, shard_id: int, keys: Iterable[str]) -> int:
    """Add items to a shard that is still ``missing`` (its items arrive after the job was made).

    The shard takes at most the ``item_count`` it was planned with; adding a key twice is refused.
    """
    shard = conn.execute(select(job_shards).where(job_shards.c.job_id == job_id,
                                                  job_shards.c.shard_id == shard_id)).one_or_none()
    if shard is None or shard.status != "missing":
        raise JobRequestError(f"job {job_id} has no missing shard {shard_id}")
    keys = list(keys)
    _check_plans([ShardPlan(keys)])
    if shard.received + len(keys) > shard.item_count:
        raise JobRequestError(f"shard {shard_id} of job {job_id} holds {shard.item_count} items; "
                              f"{shard.received} are there, {len(keys)} more is too many")
    now = utcnow()
    if keys:
        try:
            with conn.begin_nested():
                conn.execute(insert(job_items), [{"job_id": job_id, "shard_id": shard_id, "key": k,
                                                  "status": "pending", "updated": now} for k in keys])
        except IntegrityError:
            raise JobRequestError(f"job {job_id} already has one of these items") from None
        s = job_shards.c
        conn.execute(update(job_shards).where(s.id == shard.id).values(received=s.received + len(keys)))
    return len(keys)


def ready(conn: Connection, job_id: int, shard_id: int) -> bool:
    """A ``missing`` shard has all its items: let a worker claim it. False if it was not missing."""
    done = conn.execute(update(job_shards).where(
        job_shards.c.job_id == job_id, job_shards.c.shard_id == shard_id, job_shards.c.status == "missing",
    ).values(status="queued")).rowcount
    refresh(conn, job_id)
    return bool(done)


def cancel(conn: Connection, job_id: int) -> None:
    """Stop a job: shards not yet finished will not be claimed (one running now finishes its item)."""
    conn.execute(update(job_shards).where(job_shards.c.job_id == job_id,
                                          job_shards.c.status.in_(("missing", "queued", "processing")))
                 .values(status="cancelled", claim=None, lease_until=None, finished=utcnow()))
    refresh(conn, job_id)


# ----------------------------------------------------------------------------------------- claim

def _claimable(now: datetime) -> Any:
    s = job_shards.c
    return or_(s.status == "queued", and_(s.status == "processing", s.lease_until < now))


def claim(db: Database, worker: str, *, kinds: Sequence[str] | None = None, lease: timedelta = LEASE,
          now: datetime | None = None, max_attempts: int = MAX_ATTEMPTS) -> Claim | None:
    """Take the oldest claimable shard (of ``kinds`` when given), or None when there is nothing to do.

    ``now`` is the clock the lease is read against (tests move it forward instead of waiting).
    """
    now = now or utcnow()
    s = job_shards.c
    with db.write() as conn:
        for _ in range(20):  # each round either claims, gives up on a shard, or finds nothing
            query = select(s.id, s.status, s.attempts, s.job_id).where(_claimable(now))
            if kinds is not None:
                query = query.where(s.job_id.in_(select(jobs.c.id).where(jobs.c.kind.in_(list(kinds)))))
            query = query.order_by(s.id).limit(1)
            if not db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            row = conn.execute(query).first()
            if row is None:
                return None
            if row.status == "processing" and row.attempts >= max_attempts:
                conn.execute(update(job_shards).where(s.id == row.id).values(
                    status="failed", finished=now, claim=None, lease_until=None,
                    error=f"gave up after {row.attempts} attempts (the worker stopped each time)"))
                _fail_pending_items(conn, row.job_id, row.id, "the shard was given up", now)
                refresh(conn, row.job_id, now)
                continue
            token = secrets.token_hex(16)
            shard = conn.execute(update(job_shards).where(s.id == row.id, s.status == row.status, _claimable(now))
                                 .values(status="processing", claim=token, claimed_by=worker[:200],
                                         lease_until=now + lease, attempts=s.attempts + 1,
                                         started=func.coalesce(s.started, now))
                                 .returning(*job_shards.c)).one_or_none()
            if shard is None:
                continue
            job = conn.execute(select(jobs).where(jobs.c.id == shard.job_id)).one()
            refresh(conn, job.id, now)
            return Claim(row_id=shard.id, job_id=job.id, shard_id=shard.shard_id, kind=job.kind,
                         handler=job.handler, request=dict(job.payload or {}), payload=dict(shard.payload or {}),
                         attempt=shard.attempts, token=token, worker=worker)
    return None


def renew(db: Database, held: Claim, lease: timedelta = LEASE, now: datetime | None = None) -> bool:
    """Heartbeat: extend the lease; False when the shard is no longer this worker's."""
    now = now or utcnow()
    with db.write() as conn:
        return conn.execute(update(job_shards).where(
            job_shards.c.id == held.row_id, job_shards.c.claim == held.token, job_shards.c.status == "processing",
        ).values(lease_until=now + lease)).rowcount == 1


def _holding(conn: Connection, held: Claim) -> None:
    """Raise ShardLost unless ``held`` still holds its shard; the shard row stays locked (PostgreSQL) until
    the transaction ends, in the order every writer takes: shard row, then its items, then the job row."""
    token = conn.execute(select(job_shards.c.claim).where(job_shards.c.id == held.row_id)
                         .with_for_update()).scalar()
    if token != held.token:
        raise ShardLost(f"shard {held.shard_id} of job {held.job_id} is no longer held by {held.worker}")


# ----------------------------------------------------------------------------------------- items

def pending_items(db: Database, held: Claim) -> list[str]:
    """The shard's items not yet reported (a re-run of a shard starts from here)."""
    with db.read() as conn:
        return list(conn.execute(select(job_items.c.key).where(
            job_items.c.job_id == held.job_id, job_items.c.shard_id == held.shard_id,
            job_items.c.status == "pending").order_by(job_items.c.id)).scalars())


def report(db: Database, held: Claim, entries: Iterable[tuple[str, str, Any, str | None]]) -> int:
    """Record ``(key, status, result, error)`` for pending items of the held shard; returns how many changed.

    An item reported already keeps its first report (a re-run cannot count it twice).
    """
    with db.write() as conn:
        return report_in(conn, held, entries)


def report_in(conn: Connection, held: Claim, entries: Iterable[tuple[str, str, Any, str | None]]) -> int:
    """`report` inside the caller's transaction: work and its report commit together, so a shard run
    again after a crash between the two finds the item reported and does not do the work twice."""
    entries = list(entries)
    counters = {"done": 0, "failed": 0, "skipped": 0}
    now = utcnow()
    _holding(conn, held)
    for key, status, result, error in entries:
        if status not in counters:
            raise ValueError(f"an item is reported {list(counters)}, not {status!r}")
        changed = conn.execute(update(job_items).where(
            job_items.c.job_id == held.job_id, job_items.c.shard_id == held.shard_id, job_items.c.key == key,
            job_items.c.status == "pending",
        ).values(status=status, result=result, error=None if error is None else str(error)[:ERROR_MAX],
                 updated=now)).rowcount
        counters[status] += changed
    if any(counters.values()):
        s = job_shards.c
        conn.execute(update(job_shards).where(s.id == held.row_id).values(
            done=s.done + counters["done"], failed=s.failed + counters["failed"],
            skipped=s.skipped + counters["skipped"]))
    return sum(counters.values())


def _fail_pending_items(conn: Connection, job_id: int, row_id: int, error: str, now: datetime) -> None:
    shard_id = conn.execute(select(job_shards.c.shard_id).where(job_shards.c.id == row_id)).scalar_one()
    failed = conn.execute(update(job_items).where(
        job_items.c.job_id == job_id, job_items.c.shard_id == shard_id, job_items.c.status == "pending",
    ).values(status="failed", error=error[:ERROR_MAX], updated=now)).rowcount
    if failed:
        conn.execute(update(job_shards).where(job_shards.c.id == row_id).values(failed=job_shards.c.failed + failed))


# ---------------------------------------------------------------------------------------- finish

def finish(db: Database, held: Claim, *, error: str | None = None) -> bool:
    """End the held shard: ``complete`` (items left pending count as done) or ``failed`` with ``error``.

    False when the shard was no longer this worker's (nothing is written then).
    """
    now = utcnow()
    s = job_shards.c
    with db.write() as conn:
        taken = conn.execute(update(job_shards).where(s.id == held.row_id, s.claim == held.token).values(
            status="complete" if error is None else "failed", finished=now, claim=None, lease_until=None,
            error=None if error is None else error[:ERROR_MAX])).rowcount
        if taken != 1:
            return False
        if error is None:
            done = conn.execute(update(job_items).where(
                job_items.c.job_id == held.job_id, job_items.c.shard_id == held.shard_id,
                job_items.c.status == "pending").values(status="done", updated=now)).rowcount
            if done:
                conn.execute(update(job_shards).where(s.id == held.row_id).values(done=s.done + done))
        else:
            _fail_pending_items(conn, held.job_id, held.row_id, f"the shard failed: {error}", now)
        refresh(conn, held.job_id, now)
    return True


def refresh(conn: Connection, job_id: int, now: datetime | None = None) -> str:
    """Re-derive a job's status from its shards; end its operation when the job has ended."""
    now = now or utcnow()
    s = job_shards.c
    # the job row is locked first, so two shards ending at once are counted one after the other
    # (on PostgreSQL each would otherwise see the other still processing and write a stale status)
    # (with the status of the job's operation: one its handler ended already is left as it is)
    job = conn.execute(select(jobs.c.status, jobs.c.operation_id, jobs.c.started, jobs.c.finished,
                              operations.c.status.label("operation_status"))
                       .select_from(jobs.outerjoin(operations, operations.c.id == jobs.c.operation_id))
                       .where(jobs.c.id == job_id).with_for_update(of=jobs)).one()
    # items that failed, and items a finished shard never received, make a job end with errors
    short = s.failed + s.item_count - s.received
    rows = conn.execute(select(s.status, func.count(), func.sum(short)).where(s.job_id == job_id)
                        .group_by(s.status)).all()
    status = derive({r[0]: int(r[1]) for r in rows}, sum(int(r[2] or 0) for r in rows))
    values: dict[str, Any] = {"status": status, "updated": now}
    if status not in ("queued", "shards_missing") and job.started is None:
        values["started"] = now
    final = status in JOB_FINAL
    values["finished"] = (job.finished or now) if final else None
    if status in ("failed", "complete_with_errors"):
        values["error"] = conn.execute(select(s.error).where(s.job_id == job_id, s.error.is_not(None))
                                       .order_by(s.shard_id).limit(1)).scalar()
    conn.execute(update(jobs).where(jobs.c.id == job_id).values(**values))
    if final and job.operation_status in ("PENDING", "RUNNING"):
        _end_operation(conn, job_id, job.operation_id, status, values.get("error"), now)
    return status


def _end_operation(conn: Connection, job_id: int, op_id: str, status: str, error: str | None,
                   now: datetime) -> None:
    """The operation a client polls ends with its job (unless the handler already ended it)."""
    details: dict[str, Any] = {"job_id": str(job_id), "job_status": status, **counts(conn, [job_id])[job_id]}
    if error:
        details["error"] = error
    conn.execute(update(operations).where(operations.c.id == op_id,
                                          operations.c.status.in_(("PENDING", "RUNNING"))).values(
        status="SUCCESS" if status in ("complete", "complete_with_errors") else "FAIL",
        finished=now, progress=100, details=details))


# ---------------------------------------------------------------------------------------- reading

def counts(conn: Connection, job_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """``{job_id: {expected, received, processed, failed, skipped, pending}}`` summed over each job's shards
    (``pending``: expected items not yet reported, whether they arrived or not)."""
    s = job_shards.c
    rows = conn.execute(select(s.job_id, func.sum(s.item_count), func.sum(s.received), func.sum(s.done),
                               func.sum(s.failed), func.sum(s.skipped))
                        .where(s.job_id.in_(list(job_ids))).group_by(s.job_id)).all()
    out = {j: {"expected": 0, "received": 0, "processed": 0, "failed": 0, "skipped": 0, "pending": 0}
           for j in job_ids}
    for job_id, total, received, done, failed, skipped in rows:
        total, received, done, failed, skipped = (int(v or 0) for v in (total, received, done, failed, skipped))
        out[int(job_id)] = {"expected": total, "received": received, "processed": done, "failed": failed,
                            "skipped": skipped, "pending": max(total - done - failed - skipped, 0)}
    return out


def progress(conn: Connection, job_id: int) -> int:
    """Percent of the job's items reported (0-100)."""
    c = counts(conn, [job_id])[job_id]
    if not c["expected"]:
        return 0
    return int(100 * (c["expected"] - c["pending"]) / c["expected"])


def pending(db: Database, now: datetime | None = None) -> int:
    """How many shards wait for a worker (queued, or processing with a lapsed lease), up to 1000."""
    with db.read() as conn:
        return len(conn.execute(select(job_shards.c.id).where(_claimable(now or utcnow())).limit(1000)).all())

