"""The Ray executor on a local Ray instance (started once for the tests that need it): same results as local."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clipcrowd import jobs
from clipcrowd.jobs.ray_executor import RayExecutor
from clipcrowd.services import job_executor
from clipcrowd.store.db import Database
from tests.jobs.support import items_of, shard_row, submit, wait_for

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]



def test_a_job_run_on_ray_gives_the_same_results_as_local(local_ray: None, db: Database) -> None:
    keys = [f"clip-{i}" for i in range(9)] + ["bad-1", "skip-1"]
    request = {"items": keys, "shard_size": 3, "rounds": 300}
    on_ray = submit(db, "test.digest", request)
    executor = jobs.create_executor("ray", db.url, {}, processes=2)  # CLIPCROWD_EXECUTOR=ray
    assert isinstance(executor, RayExecutor) and executor.address is None
    try:
        executor.wake()
        wait_for(lambda: job_executor.get(db, on_ray)["status"] not in ("queued", "processing"), timeout=240,
                 what="the job on Ray")
    finally:
        executor.stop()
    import ray  # here: at the top, every test process paid its import to collect (local_ray imports it first)

    assert ray.is_initialized()  # the executor attached to the running Ray and leaves it running
    here = submit(db, "test.digest", request)  # the same request, run in this thread
    assert jobs.run_pending(db) == 4
    ray_job, local_job = job_executor.get(db, on_ray), job_executor.get(db, here)
    assert ray_job["status"] == local_job["status"] == "complete_with_errors"
    assert ray_job["counts"] == local_job["counts"]
    assert items_of(db, on_ray) == items_of(db, here)
    workers = {shard_row(db, on_ray, n).claimed_by for n in range(4)}
    assert not any(w.endswith(f":{os.getpid()}") for w in workers)  # ran in Ray's worker processes


def test_unknown_executors_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown executor"):
        jobs.create_executor("spark", "sqlite://", {})
