"""Who may read an asset's media: a requester always; a worker only through a task she holds or held.

A task points at an asset by its URL in the task's input values (`/api/v1/assets/<id>/media`, see
`services/asset_views.asset_url`). A worker may fetch an asset's content, media, proxy, cover,
frames and frame table when some task of an assignment she was ever issued points at it; any other
asset id is refused the same way whether it exists or not, so ids cannot be probed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from clipcrowd.domain.errors import AccessDenied
from clipcrowd.domain.ids import format_id
from clipcrowd.services.auth import Principal
from clipcrowd.store.db import Database
from clipcrowd.store.tables import assets, assignment_tasks, pools, tasks


def _strings(value: Any) -> Iterator[str]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def check(db: Database, principal: Principal, asset_id: int) -> None:
    """Raise :class:`AccessDenied` unless this caller may read the asset's media."""
    if principal.role in ("requester", "admin"):
        return
    refusal = AccessDenied(f"asset {format_id(asset_id)} is in no task of yours")
    if principal.worker_id is None:
        raise refusal
    pointer = re.compile(rf"/assets/0*{asset_id}(?:/|$)")
    with db.read() as conn:
        project_id = conn.execute(select(assets.c.project_id).where(assets.c.id == asset_id)).scalar()
        if project_id is None:
            raise refusal
        # newest first: the task she holds now is the likeliest to point at it
        rows = conn.execute(
            select(tasks.c.data).select_from(assignment_tasks)
            .join(tasks, tasks.c.id == assignment_tasks.c.task_id)
            .join(pools, pools.c.id == tasks.c.pool_id)
            .where(assignment_tasks.c.worker_id == principal.worker_id, pools.c.project_id == project_id)
            .order_by(assignment_tasks.c.assignment_id.desc()))
        for (data,) in rows:
            if any(pointer.search(text) for text in _strings((data or {}).get("input_values"))):
                return
    raise refusal
