"""Recording events: every submission, review, expiry, restriction and skill change is a row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert

from clipcrowd.domain.timeutil import utcnow
from clipcrowd.store.tables import events


def record(
    conn: Connection,
    kind: str,
    *,
    pool_id: int | None = None,
    worker_id: int | None = None,
    assignment_id: int | None = None,
    **data: Any,
) -> None:
    conn.execute(
        insert(events).values(
            type=kind, created=utcnow(), pool_id=pool_id, worker_id=worker_id,
            assignment_id=assignment_id, data=data,
        )
    )


def record_many(conn: Connection, kinds: list[str], *, pool_id: int, worker_id: int, assignment_id: int,
                data: dict[str, Any]) -> None:
    """Several events about one assignment in one statement (a submission that is also accepted)."""
    now = utcnow()
    conn.execute(insert(events), [
        {"type": kind, "created": now, "pool_id": pool_id, "worker_id": worker_id, "assignment_id": assignment_id,
         "data": data if i == 0 else {}} for i, kind in enumerate(kinds)])
