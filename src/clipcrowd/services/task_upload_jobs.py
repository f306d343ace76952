"""A large task file is checked and written by a job, not inside the request that brought it.

Checking a file costs ~0.1 ms a row (100,000 rows: ~9 s and ~270 MiB in the request), so past
`Settings.task_upload_inline_bytes` the desk stores the file (`uploads/tasks/<random>` in the
media storage) and submits a `tasks.upload` job: one shard, one item (the stored file). Its worker
runs the same `task_upload.upload` as the inline path and records the report in the transaction
that creates the tasks, so a worker that dies after the write is not followed by a second write:
the re-run finds the item reported. The report (counts, the first faults) is the item's result;
the desk's page for the job shows it once the job is complete. The stored file is removed after:
by the worker when it wrote the tasks, and by `remove_ended_files` (the maintenance tick) for a job
that ended any other way (its shard failed or was given up, or the job was cancelled), which marks
the request `file_removed`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import Connection, select, update

from clipcrowd.domain.errors import NotFound
from clipcrowd.domain.ids import format_id
from clipcrowd.jobs import JOB_FINAL, Handler, ShardPlan, ShardRun, register, submit
from clipcrowd.media.storage import Storage
from clipcrowd.services import pools, task_upload
from clipcrowd.store.db import Database
from clipcrowd.store.tables import job_items, jobs

JOB_KIND = "tasks.upload"


@register(JOB_KIND)
class UploadTasks(Handler):
    """Checks and writes one stored task file; its report is the item's result."""

    def plan(self, request: Any) -> list[ShardPlan]:
        return [ShardPlan([str(request["file"])])]

    def run_shard(self, shard: ShardRun) -> None:
        storage, request = Storage(shard.context["storage_url"]), shard.request
        for key in shard.pending():

            def record(conn: Connection, outcome: task_upload.Outcome, key: str = key) -> None:
                shard.report_in(conn, [(key, "done", outcome.as_json(), None)])

            with storage.open(key) as stream:
                outcome = task_upload.upload(shard.db, int(request["pool_id"]), stream, str(request["format"]),
                                             skip_bad=bool(request["skip_bad"]), max_rows=int(request["max_rows"]),
                                             on_write=record)
            if not outcome.created:  # nothing was written, so nothing recorded the report yet
                shard.done(key, outcome.as_json())
            storage.delete(key)


def remove_ended_files(db: Database, storage_url: str, batch: int = 100) -> int:
    """Remove the stored files of up to `batch` upload jobs in a final state (`JOB_FINAL`) whose file
    is not yet marked removed; returns how many jobs were marked."""
    with db.read() as conn:
        ended = conn.execute(select(jobs.c.id, jobs.c.payload).where(
            jobs.c.kind == JOB_KIND, jobs.c.status.in_(JOB_FINAL),
            jobs.c.payload["file_removed"].as_boolean().is_(None)).order_by(jobs.c.id).limit(batch)).all()
    storage = Storage(storage_url)
    for job_id, request in ended:
        storage.delete(str(request["file"]))  # False when the worker removed it already
        with db.write() as conn:
            conn.execute(update(jobs).where(jobs.c.id == job_id).values(payload={**request, "file_removed": True}))
    return len(ended)


def start(db: Database, storage_url: str, pool_id: int, stream: IO[bytes], fmt: str, *, skip_bad: bool,
          max_rows: int) -> int:
    """Store the file and submit its job; returns the job id (the caller wakes the executor)."""
    with db.read() as conn:
        pools.load(conn, pool_id)  # NotFound: 404
    key = f"uploads/tasks/{uuid.uuid4().hex}"
    Storage(storage_url).put(key, stream)
    with db.write() as conn:
        return submit(conn, JOB_KIND, {"pool_id": pool_id, "format": fmt, "skip_bad": skip_bad,
                                       "max_rows": max_rows, "file": key})


@dataclass(frozen=True)
class UploadJob:
    """A task upload job as the desk shows it: its status and, once finished, the report or the error."""

    job_id: int
    status: str
    outcome: task_upload.Outcome | None
    error: str | None

    @property
    def public_id(self) -> str:
        return format_id(self.job_id)

    @property
    def finished(self) -> bool:
        return self.status in JOB_FINAL


def load(db: Database, pool_id: int, job_id: int) -> UploadJob:
    """The upload job `job_id` of this pool (404 for any other job, or another pool's upload)."""
    with db.read() as conn:
        row = conn.execute(select(jobs.c.kind, jobs.c.payload, jobs.c.status, jobs.c.error)
                           .where(jobs.c.id == job_id)).one_or_none()
        if row is None or row.kind != JOB_KIND or int((row.payload or {}).get("pool_id", -1)) != pool_id:
            raise NotFound(f"upload {format_id(job_id)} of pool {format_id(pool_id)} does not exist")
        item = conn.execute(select(job_items.c.status, job_items.c.result, job_items.c.error)
                            .where(job_items.c.job_id == job_id)).first()
    outcome = task_upload.Outcome.of_json(item.result) if item is not None and item.result else None
    error = row.error or (item.error if item is not None else None)
    return UploadJob(job_id, row.status, outcome, error)
