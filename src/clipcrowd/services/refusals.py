"""Why a worker may not take a pool, said to her: what happened, why, until when, and what to do.

The API answers these with the same codes and payload as before (`POOL_CLOSED`, `RESTRICTED`,
`FILTERED_OUT`, `NO_TASKS_AVAILABLE`, and `ACTIVE_ASSIGNMENTS_LIMIT` when she holds as many suites of
the project as it allows); the message is the sentence the worker pages show too. The
pages also read `until` (a restriction's end, shown in her local time). A restriction's comment is
the requester's private note and is never shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from clipcrowd.domain import filter_fit
from clipcrowd.domain.errors import AccessDenied, ClipcrowdError, ConflictState
from clipcrowd.domain.filters import WorkerFacts
from clipcrowd.domain.ids import format_id
from clipcrowd.services import restrictions
from clipcrowd.store.tables import user_restrictions

OTHER_POOLS = "Choose another pool from your list of pools."
_CLOSED = {
    "COMPLETED": "all its tasks have the answers they need",
    "MANUAL": "its requester closed it",
    "EXPIRED": "it reached its end date",
    "NOT_STARTED": "its requester has not opened it yet",
    "FOR_UPDATE": "its requester is changing it",
    "BLOCKED": "it was stopped by the platform",
}
_SCOPES = {"POOL": "this pool", "PROJECT": "every pool of this project", "ALL_PROJECTS": "every pool of every project",
           "SYSTEM": "every pool of every project"}


class Refusal:
    """What the pages show besides the message (the API sends the message only)."""

    until: datetime | None = None


class PoolNotOpen(Refusal, ConflictState):
    code = "POOL_CLOSED"


class NoTasks(Refusal, ConflictState):
    code = "NO_TASKS_AVAILABLE"


class TooManyActive(Refusal, ConflictState):
    code = "ACTIVE_ASSIGNMENTS_LIMIT"


class Restricted(Refusal, AccessDenied):
    code = "RESTRICTED"


class FilteredOut(Refusal, AccessDenied):
    code = "FILTERED_OUT"


def closed(pool_id: int, status: str, reason: str | None) -> PoolNotOpen:
    if status == "ARCHIVED":
        why = "it is archived and takes no answers any more"
    else:
        why = _CLOSED.get(reason or "", "it is closed")
    return PoolNotOpen(f"Pool {format_id(pool_id)} is not taking answers now ({status.lower()}): {why}. "
                       + OTHER_POOLS)


def no_tasks(pool_id: int) -> NoTasks:
    return NoTasks(f"Pool {format_id(pool_id)} has no task for you right now: the others are taken, or you have "
                   "answered every one. Tasks come back when a suite expires or is skipped; try again later. "
                   + OTHER_POOLS)


def too_many_active(project_id: int, most: int) -> TooManyActive:
    held = "one task suite" if most == 1 else f"{most} task suites"
    return TooManyActive(f"You already hold {held} of project {format_id(project_id)}, as many as its requester "
                         "lets one worker take at once. Submit or skip one of them first. " + OTHER_POOLS)


def _date(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def restricted(conn: Connection, worker_id: int, project_id: int, pool_id: int) -> Restricted:
    """The restriction that bars her longest (one with no end first) in words."""
    r = user_restrictions.c
    rows = conn.execute(select(r.scope, r.will_expire).where(
        restrictions.active_condition(worker_id, project_id, pool_id))).all()
    forever = [row for row in rows if row.will_expire is None]
    row = forever[0] if forever else max(rows, key=lambda x: x.will_expire) if rows else None
    scope = _SCOPES.get(row.scope if row else "POOL", "this pool")
    until = row.will_expire if row is not None else None
    when = f"until {_date(until)}" if until else "with no end date"
    exc = Restricted(f"You may not take tasks in {scope} {when}: the requester, or a quality rule of the "
                     f"project, restricted your access. " + OTHER_POOLS)
    exc.until = until
    return exc


def filtered_out(pool_id: int, tree: Mapping[str, Any], facts: WorkerFacts) -> FilteredOut:
    """Which of the pool's conditions her profile fails."""
    failing = filter_fit.failures(tree, facts)
    needs = "; ".join(failing) or "a profile this pool's filter admits"
    return FilteredOut(f"Pool {format_id(pool_id)} is only for workers whose {needs}. Your profile does not "
                       f"match, so you cannot take its tasks. " + OTHER_POOLS)


def shown(exc: ClipcrowdError) -> dict[str, Any]:
    """A refusal as the worker pages show it: the message and, for a restriction, its end (UTC, ISO)."""
    until = exc.until if isinstance(exc, Refusal) else None
    return {"message": exc.message, "until": until.isoformat(timespec="seconds") if until else None}
