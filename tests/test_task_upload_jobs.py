"""A large task file checked by a `tasks.upload` job (services/task_upload_jobs.py): the report is
kept with the job, and the tasks and their report commit together, so a worker that lost its shard
writes nothing and the one that took over writes once."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from clipcrowd.domain.errors import NotFound
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.jobs import ShardLost, ShardRun, cancel, claim, finish
from clipcrowd.media.storage import Storage
from clipcrowd.services import maintenance, pools, projects, task_upload_jobs
from clipcrowd.store.db import Database
from clipcrowd.store.tables import jobs, tasks
from tests.factories import pool_body, text_project

ROWS = b"INPUT:text\n" + b"".join(b"row %d\n" % i for i in range(300)) + b"=SUM(A1)\n"


@pytest.fixture
def pool_id(db: Database) -> int:
    made = projects.create(db, text_project())
    return int(pools.create(db, pool_body(made["id"]))["id"])


def _count(db: Database, pool_id: int) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(tasks).where(tasks.c.pool_id == pool_id)).scalar_one())


def _run(db: Database, worker: str, storage: str, now: object = None) -> ShardRun:
    held = claim(db, worker, kinds=[task_upload_jobs.JOB_KIND], now=now)  # type: ignore[arg-type]
    assert held is not None
    return ShardRun(db, held, {"storage_url": storage})


def test_report_is_kept_and_tasks_are_written_once(db: Database, pool_id: int, tmp_path: Path) -> None:
    storage = str(tmp_path / "media")
    job_id = task_upload_jobs.start(db, storage, pool_id, io.BytesIO(ROWS), "tsv", skip_bad=True, max_rows=1000)
    stored = task_upload_jobs.load(db, pool_id, job_id)
    assert not stored.finished and stored.outcome is None
    first = _run(db, "first", storage)
    # the first worker stalls; its lease lapses and a second one takes the shard over
    second = _run(db, "second", storage, now=utcnow() + timedelta(hours=1))
    with pytest.raises(ShardLost):
        task_upload_jobs.UploadTasks().run_shard(first)
    assert _count(db, pool_id) == 0  # the lost worker's write was rolled back with its report
    task_upload_jobs.UploadTasks().run_shard(second)
    assert _count(db, pool_id) == 300
    task_upload_jobs.UploadTasks().run_shard(second)  # a re-run finds the item reported: nothing twice
    assert _count(db, pool_id) == 300
    outcome = task_upload_jobs.load(db, pool_id, job_id).outcome
    assert outcome is not None
    assert (outcome.rows, outcome.created, outcome.skipped, outcome.fault_count) == (301, 300, 1, 1)
    assert [(f.row, f.where) for f in outcome.faults] == [(302, "INPUT:text")]
    assert not Storage(storage).exists(str(second.claim.request["file"]))  # the stored file is removed


def test_a_refused_file_reports_without_writing(db: Database, pool_id: int, tmp_path: Path) -> None:
    storage = str(tmp_path / "media")
    job_id = task_upload_jobs.start(db, storage, pool_id, io.BytesIO(ROWS), "tsv", skip_bad=False, max_rows=1000)
    task_upload_jobs.UploadTasks().run_shard(_run(db, "only", storage))
    outcome = task_upload_jobs.load(db, pool_id, job_id).outcome
    assert outcome is not None and (outcome.created, outcome.bad_rows, outcome.rows) == (0, 1, 301)
    assert _count(db, pool_id) == 0


def test_an_upload_is_found_only_under_its_own_pool(db: Database, pool_id: int, tmp_path: Path) -> None:
    storage = str(tmp_path / "media")
    job_id = task_upload_jobs.start(db, storage, pool_id, io.BytesIO(ROWS), "tsv", skip_bad=False, max_rows=1000)
    other = int(pools.create(db, pool_body(projects.create(db, text_project())["id"]))["id"])
    with pytest.raises(NotFound):
        task_upload_jobs.load(db, other, job_id)
    with pytest.raises(NotFound):
        task_upload_jobs.load(db, pool_id, job_id + 1000)
    with pytest.raises(NotFound):
        task_upload_jobs.start(db, storage, 10**9, io.BytesIO(ROWS), "tsv", skip_bad=False, max_rows=1000)


def test_the_stored_file_goes_when_the_job_ends_any_way(db: Database, pool_id: int, tmp_path: Path) -> None:
    """A shard that fails for good, or a cancelled job, leaves no upload behind; a running job keeps its file."""
    storage = str(tmp_path / "media")
    started = [task_upload_jobs.start(db, storage, pool_id, io.BytesIO(ROWS), "tsv", skip_bad=True, max_rows=1000)
               for _ in range(3)]
    with db.read() as conn:
        files = {r.id: str(r.payload["file"]) for r in conn.execute(select(jobs.c.id, jobs.c.payload))}
    failing, cancelled, _running = started
    held = claim(db, "dies", kinds=[task_upload_jobs.JOB_KIND])
    assert held is not None and held.job_id == failing
    finish(db, held, error="RuntimeError: the disk is gone")  # what run_claimed records for a handler's error
    with db.write() as conn:
        cancel(conn, cancelled)
    assert all(Storage(storage).exists(key) for key in files.values())
    assert [task_upload_jobs.load(db, pool_id, j).status for j in started] == ["failed", "cancelled", "queued"]
    assert maintenance.tick(db, storage_url=storage).upload_files_removed == 2
    assert [Storage(storage).exists(files[j]) for j in started] == [False, False, True]
    assert maintenance.tick(db, storage_url=storage).upload_files_removed == 0  # each job once
    assert maintenance.tick(db).upload_files_removed == 0  # no storage given: nothing looked at
