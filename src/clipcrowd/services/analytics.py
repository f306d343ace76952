"""Pool analytics in the requester dialect: answered as an operation whose details hold values.

Counts are read from the counts the database keeps per pool (`services.pool_counters`); the
submit time, the spent budget and the active workers are read from the assignments themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, distinct, func, select

from clipcrowd.domain.errors import NotFound, ValidationFailed
from clipcrowd.domain.filters import matches
from clipcrowd.domain.ids import parse_id
from clipcrowd.domain.models.pools import PoolData
from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.services import operations, pool_counters, pools, workers
from clipcrowd.store.db import Database
from clipcrowd.store.tables import assignments, user_bonuses
from clipcrowd.store.tables import workers as workers_table

#: the statuses of an assignment that was submitted (whatever the requester did with it since)
SUBMITTED = ("SUBMITTED", "ACCEPTED", "REJECTED")


def _count_status(status: str) -> Callable[[Connection, int], int]:
    def count(conn: Connection, pool_id: int) -> int:
        return pool_counters.of_pool(conn, pool_id).statuses[status]
    return count


def _completion(conn: Connection, pool_id: int) -> float:
    return pool_counters.of_pool(conn, pool_id).completion


def _real_tasks(conn: Connection, pool_id: int) -> int:
    return pool_counters.of_pool(conn, pool_id).real_tasks


def _avg_submit_millis(conn: Connection, pool_id: int) -> int:
    """Mean time from taking a suite to submitting it, in milliseconds (0 before any submission)."""
    rows = conn.execute(select(assignments.c.created, assignments.c.submitted).where(
        assignments.c.pool_id == pool_id, assignments.c.submitted.is_not(None))).all()
    if not rows:
        return 0
    return round(sum((r.submitted - r.created).total_seconds() for r in rows) * 1000 / len(rows))


def _spent_budget(conn: Connection, pool_id: int) -> float:
    """Rewards of accepted assignments plus the bonuses paid for the pool's assignments."""
    rewards = conn.execute(select(func.coalesce(func.sum(assignments.c.reward), 0)).where(
        assignments.c.pool_id == pool_id, assignments.c.status == "ACCEPTED")).scalar_one()
    amounts = conn.execute(select(user_bonuses.c.amount).where(  # kept as decimal strings
        user_bonuses.c.assignment_id.in_(select(assignments.c.id).where(assignments.c.pool_id == pool_id)))
    ).scalars()
    return round(float(rewards) + float(sum((Decimal(a) for a in amounts), Decimal(0))), 4)


def _submitters(conn: Connection, pool_id: int) -> int:
    return int(conn.execute(select(func.count(distinct(assignments.c.worker_id))).where(
        assignments.c.pool_id == pool_id, assignments.c.status.in_(SUBMITTED))).scalar_one())


def _active_by_filter(conn: Connection, pool_id: int, request: dict[str, Any], path: str) -> int:
    """Workers who took any suite in the last `interval_hours` and pass the pool's filter."""
    hours = request.get("interval_hours")
    if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 24 * 365:
        raise ValidationFailed.field(f"{path}.interval_hours", "a whole number of hours, 1 or more")
    tree = PoolData.of(pools.load(conn, pool_id).data).filter
    recent = select(assignments.c.worker_id).where(assignments.c.created >= utcnow() - timedelta(hours=hours))
    rows = conn.execute(select(workers_table).where(workers_table.c.id.in_(recent))).all()
    return sum(1 for row in rows if matches(tree, workers.facts(conn, row, with_skills=bool(tree))))


def _estimated_assignments(conn: Connection, pool_id: int) -> int:
    """Answers still wanted on real tasks: each is at most one more assignment."""
    return pool_counters.of_pool(conn, pool_id).remaining


#: analytics that read more of the request than the pool (`interval_hours`)
WITH_REQUEST: dict[str, Callable[[Connection, int, dict[str, Any], str], Any]] = {
    "active_workers_by_filter_count": _active_by_filter,
}
METRICS: dict[str, Callable[[Connection, int], Any]] = {
    "completion_percentage": _completion,
    "submitted_assignments_count": _count_status("SUBMITTED"),
    "accepted_assignments_count": _count_status("ACCEPTED"),
    "approved_assignments_count": _count_status("ACCEPTED"),
    "rejected_assignments_count": _count_status("REJECTED"),
    "skipped_assignments_count": _count_status("SKIPPED"),
    "expired_assignments_count": _count_status("EXPIRED"),
    "active_assignments_count": _count_status("ACTIVE"),
    "real_tasks_count": _real_tasks,
    "workers_count": pool_counters.workers_count,
    "unique_workers_count": pool_counters.workers_count,
    "unique_submitters_count": _submitters,
    "avg_submit_assignment_millis": _avg_submit_millis,
    "spent_budget": _spent_budget,
    "estimated_assignments_count": _estimated_assignments,
}
#: answered as {"value": x}, as the requester dialect does; the rest as bare numbers
WRAPPED = {"completion_percentage", "estimated_assignments_count"}


def run(db: Database, body: Any) -> dict[str, Any]:
    if not isinstance(body, list) or not body:
        raise ValidationFailed.field("analytics", "must be a non-empty list of {subject, subject_id, name}")
    if len(body) > 10:
        raise ValidationFailed.field("analytics", "at most 10 requests at once")
    values = []
    with db.read() as conn:
        for i, request in enumerate(body):
            if not isinstance(request, dict):
                raise ValidationFailed.field(f"[{i}]", "must be an object")
            if request.get("subject") != "POOL":
                raise ValidationFailed.field(f"[{i}].subject", "only POOL analytics exist")
            if request.get("name") not in METRICS and request.get("name") not in WITH_REQUEST:
                raise ValidationFailed.field(f"[{i}].name", f"one of {sorted([*METRICS, *WITH_REQUEST])}")
            pool_id = parse_id(request.get("subject_id"))
            if pool_id is None:
                raise ValidationFailed.field(f"[{i}].subject_id", "must be a pool id")
            try:
                pools.load(conn, pool_id)
            except NotFound as exc:
                raise ValidationFailed.field(f"[{i}].subject_id", exc.message, "DOES_NOT_EXIST") from None
            name = request["name"]
            value = (WITH_REQUEST[name](conn, pool_id, request, f"[{i}]") if name in WITH_REQUEST
                     else METRICS[name](conn, pool_id))
            result = {"value": value} if request["name"] in WRAPPED else value
            values.append({"request": request, "result": result, "finished": format_time(utcnow())})
    return operations.instant(db, "ANALYTICS", {"value": body}, details={"value": values})
