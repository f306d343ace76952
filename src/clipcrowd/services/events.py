"""Recording events: every submission, review, expiry, restriction and skill change is a row."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Connection, bindparam, insert

from clipcrowd.domain.timeutil import utcnow
from clipcrowd.store.direct import Direct
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


@functools.cache
def many(count: int) -> Direct:
    """`count` events about one assignment in one INSERT (built once per count: it runs per submission);
    the first carries the data."""
    shared = {"created": bindparam("at", type_=events.c.created.type), "pool_id": bindparam("pool"),
              "worker_id": bindparam("worker"), "assignment_id": bindparam("assignment")}
    return Direct(insert(events).values([
        {**shared, "type": bindparam(f"kind_{i}", type_=events.c.type.type),
         "data": bindparam("data" if i == 0 else "no_data", type_=events.c.data.type)} for i in range(count)]))


def record_many(conn: Connection, kinds: list[str], *, pool_id: int, worker_id: int, assignment_id: int,
                data: dict[str, Any]) -> None:
    """Several events about one assignment in one statement (a submission that is also accepted)."""
    many(len(kinds)).run(conn, many_values(kinds, pool_id=pool_id, worker_id=worker_id, assignment_id=assignment_id,
                                           data=data))


def many_values(kinds: list[str], *, pool_id: int, worker_id: int, assignment_id: int,
                data: dict[str, Any]) -> dict[str, Any]:
    """The values of `many(len(kinds))`."""
    return {"at": utcnow(), "pool": pool_id, "worker": worker_id, "assignment": assignment_id, "data": data,
            "no_data": {}, **{f"kind_{i}": kind for i, kind in enumerate(kinds)}}
