"""The server's job executor (built from settings, started lazily, woken after each submit) and the
jobs as the API shows them: the job object with its shard map and counts, pages of jobs and items.

Worker processes get only what they need to run a shard (database URL, storage URL, limits), never
the server's objects, so the same handlers run under any executor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, select

from clipcrowd.domain.errors import ConflictState, NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.timeutil import format_time
from clipcrowd.jobs import ITEM_STATUSES, JOB_FINAL, JOB_STATUSES, Executor, counts, create_executor
from clipcrowd.jobs import cancel as cancel_shards
from clipcrowd.services import aggregation as _aggregation  # noqa: F401  (registers its job kind)
from clipcrowd.services import asset_import as _asset_import  # noqa: F401  (registers its job kind)
from clipcrowd.services import camera_motion as _camera_motion  # noqa: F401  (registers its job kind)
from clipcrowd.services import mining as _mining  # noqa: F401  (registers its job kind)
from clipcrowd.services import task_suites as _task_suites  # noqa: F401  (registers its job kind)
from clipcrowd.services import task_upload_jobs as _task_upload_jobs  # noqa: F401  (registers its job kind)
from clipcrowd.services import tasks as _tasks  # noqa: F401  (registers its job kind)
from clipcrowd.services.paging import csv_values, id_value, page, range_conditions
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database
from clipcrowd.store.tables import job_items, job_shards, jobs


def context(settings: Settings) -> dict[str, Any]:
    """What a handler may need from the server's settings (plain values: it travels to other processes)."""
    return {"storage_url": settings.resolved_storage_url, "max_bytes": settings.max_upload_bytes}


def create(db: Database, settings: Settings) -> Executor:
    """The executor for this server; workers start when there is work (at once if some is queued)."""
    executor = create_executor(settings.executor, db.url, context(settings), processes=settings.job_workers,
                               lease=timedelta(seconds=settings.job_lease_seconds))
    executor.watch()  # finds queued work (this server's, another's, a CLI's) and re-claimable shards
    return executor


def _shard_map(conn: Connection, job_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {j: {} for j in job_ids}
    s = job_shards.c
    rows = conn.execute(select(s.job_id, s.shard_id, s.item_count, s.status, s.done, s.failed, s.skipped,
                               s.attempts, s.error).where(s.job_id.in_(list(job_ids))).order_by(s.job_id, s.shard_id))
    for r in rows:
        shard = {"job_id": format_id(r.job_id), "shard_id": str(r.shard_id), "item_count": r.item_count,
                 "status": r.status, "processed": r.done, "failed": r.failed, "skipped": r.skipped,
                 "attempts": r.attempts}
        if r.error:
            shard["error"] = r.error
        out[r.job_id][str(r.shard_id)] = shard
    return out


def present(conn: Connection, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Jobs as the API shows them (seed 003's job object plus ``kind`` and ``operation_id``)."""
    ids = [r.id for r in rows]
    maps, tallies = _shard_map(conn, ids), counts(conn, ids)
    out = []
    for row in rows:
        body = {"job_id": format_id(row.id), "kind": row.kind, "status": row.status, "request": row.payload,
                "shard_map": maps[row.id], "counts": tallies[row.id],
                "project_id": format_id(row.project_id) if row.project_id is not None else None,
                "operation_id": row.operation_id, "error": row.error, "created_at": format_time(row.created),
                "updated_at": format_time(row.updated), "started_at": format_time(row.started),
                "finished_at": format_time(row.finished)}
        out.append({k: v for k, v in body.items() if v is not None})
    return out


def stop(conn: Connection, row: Any) -> None:
    """Cancel the job of `row` inside the caller's write: shards not yet finished are never claimed,
    a shard running now stops at its next item report, an operation waiting on the job fails. A job
    cancelled already stays as it is; one that ended otherwise is refused, since nothing is left to stop."""
    if row.status == "cancelled":
        return
    if row.status in JOB_FINAL:
        raise ConflictState(f"job {format_id(row.id)} has already ended ({row.status}); there is nothing to cancel")
    cancel_shards(conn, row.id)


def cancel(db: Database, job_id: int) -> dict[str, Any]:
    """Cancel a job (`stop`) and return it as the API shows it."""
    with db.write() as conn:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id)).one_or_none()
        if row is None:
            raise NotFound(f"job {format_id(job_id)} does not exist")
        stop(conn, row)
        return present(conn, [conn.execute(select(jobs).where(jobs.c.id == job_id)).one()])[0]


def get(db: Database, job_id: int) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id)).one_or_none()
        if row is None:
            raise NotFound(f"job {format_id(job_id)} does not exist")
        return present(conn, [row])[0]


def _statuses(raw: str | None, allowed: Sequence[str]) -> list[str] | None:
    wanted = csv_values(raw, "status")
    if wanted and any(w not in allowed for w in wanted):
        raise ValidationFailed.field("status", f"one of {list(allowed)} (several separated by commas)")
    return wanted


def find(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    """A page of jobs: filters ``kind``, ``status``, ``project_id``, ``id_gt``…, ``created_gte``…"""
    conditions = range_conditions(jobs, query, ("id", "created"))
    if "project_id" in query:
        conditions.append(jobs.c.project_id == id_value(query["project_id"], "project_id"))
    kinds = csv_values(query.get("kind"), "kind")
    if kinds:
        conditions.append(jobs.c.kind.in_(kinds))
    wanted = _statuses(query.get("status"), JOB_STATUSES)
    if wanted:
        conditions.append(jobs.c.status.in_(wanted))
    with db.read() as conn:
        return page(conn, jobs, conditions, query, present,
                    limit_default=settings.page_limit_default, limit_max=settings.page_limit_max)


def items(db: Database, settings: Settings, job_id: int, query: Mapping[str, str]) -> dict[str, Any]:
    """A page of a job's items (``status``, ``shard_id``, ``id_gt`` to continue after a page)."""
    t = job_items.c
    conditions = [t.job_id == job_id, *range_conditions(job_items, query, ("id",))]
    wanted = _statuses(query.get("status"), ITEM_STATUSES)
    if wanted:
        conditions.append(t.status.in_(wanted))
    if "shard_id" in query:
        raw = query["shard_id"]
        if not raw.isdigit() or len(raw) > 9:
            raise ValidationFailed.field("shard_id", f"{raw!r} is not a shard id")
        conditions.append(t.shard_id == int(raw))

    def show(_conn: Connection, rows: Sequence[Any]) -> list[dict[str, Any]]:
        out = []
        for r in rows:
            body = {"id": format_id(r.id), "job_id": format_id(r.job_id), "shard_id": str(r.shard_id), "key": r.key,
                    "status": r.status, "result": r.result, "error": r.error, "updated_at": format_time(r.updated)}
            out.append({k: v for k, v in body.items() if v is not None})
        return out

    with db.read() as conn:
        if conn.execute(select(jobs.c.id).where(jobs.c.id == job_id)).first() is None:
            raise NotFound(f"job {format_id(job_id)} does not exist")
        return page(conn, job_items, conditions, query, show, limit_default=settings.page_limit_default,
                    limit_max=settings.page_limit_max, sortable=("id",))
