"""Rows to public objects in the requester dialect (ids as fixed-width strings, naive UTC dates)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic_core import from_json
from sqlalchemy import Connection, select

from clipcrowd.domain.ids import ID_WIDTH, format_id
from clipcrowd.domain.timeutil import format_time
from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import assignments as assignments_table
from clipcrowd.store.tables import tasks
from clipcrowd.store.wire_text import iso_millis, json_text


def project(row: Any) -> dict[str, Any]:
    return {**row.data, "id": format_id(row.id), "status": row.status, "created": format_time(row.created)}


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


def task(row: Any, *, for_worker: bool = False) -> dict[str, Any]:
    """A task; for a worker only what the page needs (never known solutions or the golden flag; the
    caller replaces the id, see `services.issuing.worker_task_id`)."""
    if for_worker:
        return {"id": format_id(row.id), "input_values": row.data.get("input_values", {})}
    body = {**row.data, "id": format_id(row.id), "pool_id": format_id(row.pool_id),
            "created": format_time(row.created), "infinite_overlap": row.infinite_overlap}
    if row.infinite_overlap:
        body.pop("overlap", None)
    else:
        body["overlap"] = row.overlap
    return body


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
        "tasks": [task(task_rows[tid]) for tid in row.task_ids if tid in task_rows],
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


_TIMES = ("created", "submitted", "accepted", "rejected", "skipped", "expired")
_a = assignments_table.c
#: what a page of assignments reads: JSON as text and times already formatted by the database
ASSIGNMENT_COLUMNS = (_a.id, _a.pool_id, _a.worker_id, _a.status, _a.reward, _a.public_comment,
                      json_text(_a.task_ids).label("task_ids"), json_text(_a.solutions).label("solutions"),
                      *(iso_millis(_a[name]).label(name) for name in _TIMES))


def assignments_lean(conn: Connection, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """`assignments` over rows of `ASSIGNMENT_COLUMNS`: the same objects, without a datetime or a
    JSON decode through the driver per row (stored JSON is parsed by pydantic-core, each task once)."""
    task_ids = [from_json(row[6]) for row in rows]
    wanted = sorted({tid for ids in task_ids for tid in ids})
    t = tasks.c
    by_id: dict[int, dict[str, Any]] = {}
    if wanted:
        statement = select(t.id, t.pool_id, t.overlap, t.infinite_overlap, json_text(t.data), iso_millis(t.created))
        for tid, pool_id, overlap, infinite, data, created in conn.execute(statement.where(one_of(t.id, wanted))).all():
            body = {**from_json(data), "id": format_id(tid), "pool_id": format_id(pool_id), "created": created,
                    "infinite_overlap": bool(infinite)}
            if infinite:
                body.pop("overlap", None)
            else:
                body["overlap"] = overlap
            by_id[tid] = body
    items = []
    for (aid, pool_id, worker_id, status, reward, comment, _, solutions, *times), ids in zip(rows, task_ids,
                                                                                             strict=True):
        public = f"{aid:0{ID_WIDTH}d}"  # format_id, inlined: three per row
        body = {"id": public, "task_suite_id": public, "pool_id": f"{pool_id:0{ID_WIDTH}d}",
                "user_id": f"{worker_id:0{ID_WIDTH}d}", "status": status, "reward": reward, "mixed": True,
                "automerged": False, "tasks": [by_id[tid] for tid in ids if tid in by_id]}
        body.update({name: value for name, value in zip(_TIMES, times, strict=True) if value is not None})
        if comment is not None:
            body["public_comment"] = comment
        if solutions is not None:
            body["solutions"] = [{"output_values": values} for values in from_json(solutions)]
        items.append(body)
    return items


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
