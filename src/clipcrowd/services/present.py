"""Rows to public objects in the requester dialect (ids as fixed-width strings, naive UTC dates)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from clipcrowd.domain.ids import format_id
from clipcrowd.domain.models.projects import stored_localization
from clipcrowd.domain.timeutil import format_time
from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import tasks


def project(row: Any) -> dict[str, Any]:
    data = row.data
    if data.get("localization_config") is not None:
        data = {**data, "localization_config": stored_localization(data["localization_config"])}
    return {**data, "id": format_id(row.id), "status": row.status, "created": format_time(row.created)}


def skill(row: Any) -> dict[str, Any]:
    return {**row.data, "id": format_id(row.id), "name": row.name, "created": format_time(row.created)}


def pool(row: Any) -> dict[str, Any]:
    return {
        **row.data,
        "id": format_id(row.id),
        "project_id": format_id(row.project_id),
        "status": row.status,
        "type": row.type,  # REGULAR, or TRAINING for a training read as a pool
        "created": format_time(row.created),
        "last_started": format_time(row.last_started),
        "last_stopped": format_time(row.last_stopped),
        "last_close_reason": row.last_close_reason,
    }


def task(row: Any, *, for_worker: bool = False, remaining: bool = True) -> dict[str, Any]:
    """A task; for a worker only what the page needs (never known solutions or the golden flag; the
    caller replaces the id, see `services.issuing.worker_task_id`). Inside an assignment (`remaining`
    false) it is the task as given, without its changing `remaining_overlap`, as the assignment
    pages that `services.assignment_json` writes have it."""
    if for_worker:
        return {"id": format_id(row.id), "input_values": row.data.get("input_values", {})}
    body = {**row.data, "id": format_id(row.id), "pool_id": format_id(row.pool_id),
            "created": format_time(row.created), "infinite_overlap": row.infinite_overlap}
    if row.infinite_overlap:
        body.pop("overlap", None)
    else:
        body["overlap"] = row.overlap
        assigned = getattr(row, "assigned_count", None)
        if remaining and assigned is not None and row.overlap is not None:
            body["remaining_overlap"] = remaining_overlap(row.overlap, assigned)
    return body


def remaining_overlap(overlap: int, assigned: int) -> int:
    """Copies still to hand out (toloka-kit's `remaining_overlap` of a task or a suite): out, answered or
    accepted copies count against the overlap, as issuing counts them."""
    return max(0, overlap - assigned)


def tasks_by_id(conn: Connection, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    rows = conn.execute(_TASKS_BY_ID, {"ids": sorted(ids)}).all()
    return {r.id: r for r in rows}


_TASKS_BY_ID = select(tasks).where(one_of(tasks.c.id, "ids"))  # built once: this runs for every suite


def assignments(conn: Connection, rows: Sequence[Any]) -> list[dict[str, Any]]:
    by_id = tasks_by_id(conn, {tid for r in rows for tid in r.task_ids})
    return [assignment(r, by_id) for r in rows]


def assignment(row: Any, task_rows: dict[int, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": format_id(row.id),
        "task_suite_id": format_id(row.id),
        "pool_id": format_id(row.pool_id),
        "user_id": format_id(row.worker_id),
        "status": row.status,
        "reward": row.reward,
        "mixed": True,
        "automerged": False,
        "tasks": [task(task_rows[tid], remaining=False) for tid in row.task_ids if tid in task_rows],
        "created": format_time(row.created),
        "submitted": format_time(row.submitted),
        "accepted": format_time(row.accepted),
        "rejected": format_time(row.rejected),
        "skipped": format_time(row.skipped),
        "expired": format_time(row.expired),
        "public_comment": row.public_comment,
    }
    if row.solutions is not None:
        body["solutions"] = [{"output_values": values} for values in row.solutions]
    return {k: v for k, v in body.items() if v is not None}


def operation(row: Any) -> dict[str, Any]:
    body = {
        "id": row.id,
        "type": row.type,
        "status": row.status,
        "submitted": format_time(row.submitted),
        "started": format_time(row.started),
        "finished": format_time(row.finished),
        "progress": row.progress,
        "parameters": row.parameters,
    }
    if row.details is not None:
        body["details"] = row.details
    return {k: v for k, v in body.items() if v is not None}
