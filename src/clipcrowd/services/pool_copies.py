"""Changing one setting of a pool in place (its priority) and copying pools and projects.

A copy takes the settings only: it starts CLOSED with no tasks, as a fresh pool does, so a
requester can reuse a tuned configuration for a new batch of data.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from clipcrowd.domain.ids import format_id
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.services import operations, present
from clipcrowd.services.pools import PoolInappropriateStatus, load
from clipcrowd.store.db import Database
from clipcrowd.store.tables import operations as operations_table
from clipcrowd.store.tables import pools


def patch_priority(db: Database, pool_id: int, priority: int) -> dict[str, Any]:
    """The model bounds the value (-100..100); archived pools stay as they are."""
    with db.write() as conn:
        row = load(conn, pool_id, for_update=True, kind="POOL")
        if row.status == "ARCHIVED":
            raise PoolInappropriateStatus(f"pool {pool_id} is archived and cannot be changed")
        conn.execute(update(pools).where(pools.c.id == pool_id).values(data={**row.data, "priority": priority}))
        return present.pool(load(conn, pool_id))


def clone(db: Database, pool_id: int, kind: str = "POOL") -> dict[str, Any]:
    """A closed copy of the pool's (or training's) settings in the same project, reported as a
    finished operation."""
    with db.write() as conn:
        row = load(conn, pool_id, kind=kind)
        new_id = conn.execute(insert(pools).values(
            project_id=row.project_id, status="CLOSED", created=utcnow(), last_close_reason="NOT_STARTED",
            will_expire=row.will_expire, data=dict(row.data), type=row.type).returning(pools.c.id)).scalar_one()
        key = f"{kind.lower()}_id"
        op_id = operations.start(conn, f"{kind}.CLONE", {key: format_id(pool_id)})
        operations.finish(conn, op_id, success=True, details={key: format_id(new_id)})
        return present.operation(conn.execute(
            select(operations_table).where(operations_table.c.id == op_id)).one())
