"""Who may read served media: a requester always; a worker only through a task she holds or held.

A task points at media by its URL in the task's input values: an asset (`/api/v1/assets/<id>/media`,
see `services/asset_views.asset_url`) or a mined clip (`/api/v1/mining/runs/<id>/clips/<name>`,
see `services/mining`). A worker may fetch an asset's content, media, proxy, cover, frames and
frame table, or a mined clip, when some task of an assignment she was ever issued, in the media's
project, points at it; anything else is refused the same way whether it exists or not, so ids and
names cannot be probed.
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
    with db.read() as conn:
        project_id = conn.execute(select(assets.c.project_id).where(assets.c.id == asset_id)).scalar()
    if project_id is None:
        raise refusal
    _in_her_tasks(db, principal, project_id, re.compile(rf"/assets/0*{asset_id}(?:/|$)"), refusal)


def check_clip(db: Database, principal: Principal, run_id: int, name: str) -> None:
    """Raise :class:`AccessDenied` unless this caller may read the mined clip `name` of run `run_id`."""
    if principal.role in ("requester", "admin"):
        return
    # a run's clips may be sent to a pool of any project: the tasks of every project count
    _in_her_tasks(db, principal, None, re.compile(rf"/mining/runs/0*{run_id}/clips/{re.escape(name)}(?:[?#]|$)"),
                  AccessDenied(f"clip {name!r} is in no task of yours"))


def _in_her_tasks(db: Database, principal: Principal, project_id: int | None, pointer: re.Pattern[str],
                  refusal: AccessDenied) -> None:
    """Return when a task issued to this worker (in `project_id`, when given) points at the media; else raise."""
    if principal.worker_id is None:
        raise refusal
    query = (select(tasks.c.data).select_from(assignment_tasks)
             .join(tasks, tasks.c.id == assignment_tasks.c.task_id)
             .where(assignment_tasks.c.worker_id == principal.worker_id)
             .order_by(assignment_tasks.c.assignment_id.desc()))  # newest first: the likeliest to point at it
    if project_id is not None:
        query = query.join(pools, pools.c.id == tasks.c.pool_id).where(pools.c.project_id == project_id)
    with db.read() as conn:
        rows = conn.execute(query)
        for (data,) in rows:
            if any(pointer.search(text) for text in _strings((data or {}).get("input_values"))):
                return
    raise refusal
