"""Pool analytics in the requester dialect: answered as an operation whose details hold values.

Every value is read from the counts the database keeps per pool (`services.pool_counters`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from clipcrowd.domain.errors import NotFound, ValidationFailed
from clipcrowd.domain.ids import parse_id
from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.services import operations, pool_counters, pools
from clipcrowd.store.db import Database


def _count_status(status: str) -> Callable[[Connection, int], int]:
    def count(conn: Connection, pool_id: int) -> int:
        return pool_counters.of_pool(conn, pool_id).statuses[status]
    return count


def _completion(conn: Connection, pool_id: int) -> float:
    return pool_counters.of_pool(conn, pool_id).completion


def _real_tasks(conn: Connection, pool_id: int) -> int:
    return pool_counters.of_pool(conn, pool_id).real_tasks


METRICS: dict[str, Callable[[Connection, int], Any]] = {
    "completion_percentage": _completion,
    "submitted_assignments_count": _count_status("SUBMITTED"),
    "accepted_assignments_count": _count_status("ACCEPTED"),
    "rejected_assignments_count": _count_status("REJECTED"),
    "skipped_assignments_count": _count_status("SKIPPED"),
    "expired_assignments_count": _count_status("EXPIRED"),
    "active_assignments_count": _count_status("ACTIVE"),
    "real_tasks_count": _real_tasks,
    "workers_count": pool_counters.workers_count,
}
WRAPPED = {"completion_percentage"}  # answered as {"value": x}; the rest as bare numbers


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
            if request.get("name") not in METRICS:
                raise ValidationFailed.field(f"[{i}].name", f"one of {sorted(METRICS)}")
            pool_id = parse_id(request.get("subject_id"))
            if pool_id is None:
                raise ValidationFailed.field(f"[{i}].subject_id", "must be a pool id")
            try:
                pools.load(conn, pool_id)
            except NotFound as exc:
                raise ValidationFailed.field(f"[{i}].subject_id", exc.message, "DOES_NOT_EXIST") from None
            value = METRICS[request["name"]](conn, pool_id)
            result = {"value": value} if request["name"] in WRAPPED else value
            values.append({"request": request, "result": result, "finished": format_time(utcnow())})
    return operations.instant(db, "ANALYTICS", {"value": body}, details={"value": values})
