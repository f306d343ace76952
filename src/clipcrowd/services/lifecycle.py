"""Assignment state changes shared by submission, review and maintenance, with their counters.

`assigned_count` counts the assignments holding a real task (ACTIVE, SUBMITTED, ACCEPTED) and
`answered_count` those that answered it (SUBMITTED, ACCEPTED); every transition keeps both right.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, false, select, update

from clipcrowd.domain.errors import NotFound
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.services import events, pools, quality
from clipcrowd.store.direct import Direct
from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import assignments, tasks, workers


def load(conn: Connection, assignment_id: int, *, for_update: bool = False) -> Any:
    query = select(assignments).where(assignments.c.id == assignment_id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update(key_share=True)
    row = conn.execute(query).one_or_none()
    if row is None:
        raise NotFound(f"assignment {assignment_id} does not exist")
    return row


# Counters are kept on real tasks only: golden tasks have no overlap to fill, and every suite
# shares them, so locking them on each submission would only make transactions wait.
_REAL = tasks.c.golden == false()


def _lock_real_in_order(conn: Connection, task_ids: list[int]) -> None:
    """Lock the real tasks' rows by ascending id before changing their counters.

    Suites share tasks (overlap), and an UPDATE over several rows locks them in whatever order it
    meets them; two transactions meeting two shared rows in opposite orders deadlock on
    PostgreSQL. Taking the locks in one global order first makes that impossible.
    """
    if conn.dialect.name == "postgresql" and len(task_ids) > 1:
        conn.execute(select(tasks.c.id).where(one_of(tasks.c.id, task_ids), _REAL).order_by(tasks.c.id)
                     .with_for_update(key_share=True))


def _bump(conn: Connection, task_ids: list[int], *, assigned: int = 0, answered: int = 0) -> None:
    if task_ids:
        _lock_real_in_order(conn, task_ids)
        conn.execute(update(tasks).where(one_of(tasks.c.id, task_ids), _REAL).values(
            assigned_count=tasks.c.assigned_count + assigned, answered_count=tasks.c.answered_count + answered))


def release(conn: Connection, row: Any, status: str) -> bool:
    """ACTIVE -> SKIPPED or EXPIRED: the tasks go back to the pool for other workers."""
    stamp = {"SKIPPED": "skipped", "EXPIRED": "expired"}[status]
    changed = conn.execute(update(assignments).where(assignments.c.id == row.id, assignments.c.status == "ACTIVE")
                           .values(status=status, **{stamp: utcnow()})).rowcount
    if not changed:
        return False
    _bump(conn, row.task_ids, assigned=-1)
    events.record(conn, status, pool_id=row.pool_id, worker_id=row.worker_id, assignment_id=row.id)
    pool = pools.load(conn, row.pool_id)
    quality.on_event(conn, pool, row.worker_id, status)
    return True


def accept(conn: Connection, row: Any, comment: str | None = None, *, automatic: bool = False) -> None:
    """SUBMITTED (or REJECTED) -> ACCEPTED: the worker is paid and acceptance-rate rules run.
    `automatic`: nobody reviewed it, the pool's review period ran out (an asset's status tells the two apart)."""
    conn.execute(update(assignments).where(assignments.c.id == row.id).values(
        status="ACCEPTED", accepted=utcnow(), auto_accepted=automatic,
        public_comment=comment if comment is not None else row.public_comment))
    again = {"after_reject": True} if getattr(row, "status", None) == "REJECTED" else {}
    events.record(conn, "ACCEPTED", pool_id=row.pool_id, worker_id=row.worker_id, assignment_id=row.id, **again)
    paid(conn, row, pools.load(conn, row.pool_id))


PAY = Direct(update(workers).where(workers.c.id == bindparam("worker_id"))
        .values(balance=workers.c.balance + bindparam("reward", type_=workers.c.balance.type)))


def paid(conn: Connection, row: Any, pool: Any, *, reward_sent: bool = False) -> None:
    """What follows an acceptance: the reward (unless `reward_sent`: `PAY` went out with the caller's
    own statement), then the pool's acceptance-based rules."""
    if not reward_sent:
        PAY.run(conn, {"worker_id": row.worker_id, "reward": row.reward})
    quality.on_event(conn, pool, row.worker_id, "ACCEPTED")


def reject(conn: Connection, row: Any, comment: str) -> None:
    """SUBMITTED -> REJECTED: the tasks go back to the pool; a completed pool opens again."""
    conn.execute(update(assignments).where(assignments.c.id == row.id).values(
        status="REJECTED", rejected=utcnow(), public_comment=comment))
    _bump(conn, row.task_ids, assigned=-1, answered=-1)
    events.record(conn, "REJECTED", pool_id=row.pool_id, worker_id=row.worker_id, assignment_id=row.id,
                  comment=comment)
    quality.on_event(conn, pools.load(conn, row.pool_id), row.worker_id, "REJECTED")
    pools.reopen_if_incomplete(conn, row.pool_id)


# built once: this runs for every submission
ANSWERED = Direct(update(tasks).where(one_of(tasks.c.id, "task_ids"), _REAL)
             .values(answered_count=tasks.c.answered_count + 1)
             .returning(tasks.c.id, tasks.c.golden, tasks.c.infinite_overlap, tasks.c.answered_count, tasks.c.overlap))


def mark_answered(conn: Connection, row: Any, along: Direct = ANSWERED, values: Mapping[str, Any] | None = None,
                  ) -> list[int]:
    """Count the answers in; the real tasks that have just got all the answers they want.

    `along`: `ANSWERED` with a data-modifying CTE before it (PostgreSQL), sent in its place with the
    CTE's `values`: one statement where there would be two."""
    _lock_real_in_order(conn, row.task_ids)
    counts = along.all(conn, {**(values or {}), "task_ids": list(row.task_ids)})
    return sorted(c.id for c in counts
                  if not c.golden and not c.infinite_overlap and c.answered_count >= c.overlap)
