"""The server's job executor: built from settings, started lazily, woken after each enqueue.

Worker processes get only what they need to run a job (database URL, storage URL, limits), never
the server's objects, so the same handlers run under any executor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from clipcrowd import ingest
from clipcrowd.domain.errors import NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.timeutil import format_time
from clipcrowd.jobs import EXECUTORS, Executor
from clipcrowd.jobs.queue import pending
from clipcrowd.services import camera_motion, cameras
from clipcrowd.services.paging import csv_values, id_value, page, range_conditions
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database
from clipcrowd.store.tables import jobs

#: Worker processes of the local executor (media work is CPU-bound; PyAV threads inside each).
LOCAL_PROCESSES = 1


def create(db: Database, settings: Settings) -> Executor:
    """The executor for this server; queued work left by an earlier run is picked up at once."""
    context = {"storage_url": settings.resolved_storage_url, "max_bytes": settings.max_upload_bytes}
    handlers = {**ingest.HANDLERS, cameras.MOTION_KIND: camera_motion.run_job}
    executor = EXECUTORS["local"](db.url, handlers, context, processes=LOCAL_PROCESSES)  # type: ignore[call-arg]
    if pending(db):
        executor.wake()
    return executor


def present(row: Any) -> dict[str, Any]:
    body = {"id": format_id(row.id), "kind": row.kind, "status": row.status, "payload": row.payload,
            "project_id": format_id(row.project_id) if row.project_id is not None else None,
            "attempts": row.attempts, "error": row.error, "created": format_time(row.created),
            "started": format_time(row.started), "finished": format_time(row.finished)}
    return {k: v for k, v in body.items() if v is not None}


def get(db: Database, job_id: int) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id)).one_or_none()
    if row is None:
        raise NotFound(f"job {format_id(job_id)} does not exist")
    return present(row)


def find(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    conditions = range_conditions(jobs, query, ("id", "created"))
    if "project_id" in query:
        conditions.append(jobs.c.project_id == id_value(query["project_id"], "project_id"))
    wanted = csv_values(query.get("status"))
    if wanted:
        allowed = ("QUEUED", "RUNNING", "DONE", "FAILED")
        if any(w not in allowed for w in wanted):
            raise ValidationFailed.field("status", f"one of {list(allowed)}")
        conditions.append(jobs.c.status.in_(wanted))
    with db.read() as conn:
        return page(conn, jobs, conditions, query, lambda _c, rows: [present(r) for r in rows],
                    limit_default=settings.page_limit_default, limit_max=settings.page_limit_max)
