"""Workers as real processes: a worker killed with SIGKILL mid-shard, the heartbeat, the local executor."""

from __future__ import annotations

import os
import signal
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from clipcrowd import jobs
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.services import job_executor
from clipcrowd.store.db import Database
from tests.jobs.kinds import digest
from tests.jobs.support import items_of, shard_row, submit, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def spawned_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The executor's own tests start workers as production does (the suite forks them: tests/conftest.py)."""
    monkeypatch.setattr(jobs.executor, "START_METHOD", "spawn")


def test_a_worker_killed_mid_shard_leaves_it_to_the_next_worker_after_the_lease(db: Database,
                                                                                tmp_path: Path) -> None:
    release = tmp_path / "release"  # never created: the first worker stalls after its first item
    job_id = submit(db, "test.stall", {"items": ["a", "b", "c"], "release": str(release)})
    executor = jobs.LocalExecutor(db.url, {}, lease=timedelta(seconds=30))
    try:
        executor.wake()
        wait_for(lambda: items_of(db, job_id)["a"][0] == "done", what="the worker's first item")
        pid = executor.pids[0]
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: executor.running == 0, what="the killed worker to be gone")
    finally:
        executor.stop()
    held_by = shard_row(db, job_id).claimed_by
    assert held_by.endswith(f":{pid}") and shard_row(db, job_id).status == "processing"
    assert jobs.claim(db, "next") is None  # the dead worker's lease has not lapsed yet
    later = utcnow() + timedelta(seconds=31)
    held = jobs.claim(db, "next", now=later)
    assert held is not None and held.job_id == job_id and held.attempt == 2
    assert jobs.run_claimed(db, held, {}) == "complete"
    items = items_of(db, job_id)
    assert items["a"] == ("done", {"attempt": 1, "pid": pid})  # not run again
    assert {k: (s, r["attempt"]) for k, (s, r) in items.items() if k != "a"} == {"b": ("done", 2), "c": ("done", 2)}
    job = job_executor.get(db, job_id)
    assert job["status"] == "complete" and job["shard_map"]["0"]["attempts"] == 2


def test_the_heartbeat_keeps_a_long_shard_held(db: Database, tmp_path: Path) -> None:
    release = tmp_path / "release"
    job_id = submit(db, "test.stall", {"items": ["a", "b"], "release": str(release)})
    lease = timedelta(seconds=1)
    held = jobs.claim(db, "slow", lease=lease)
    assert held is not None
    first_lease = shard_row(db, job_id).lease_until
    outcome: list[str] = []
    runner = threading.Thread(target=lambda: outcome.append(jobs.run_claimed(db, held, {}, lease)))
    runner.start()
    try:
        wait_for(lambda: shard_row(db, job_id).lease_until > first_lease + lease, what="two renewals of the lease")
    finally:
        release.touch()
        runner.join(60)
    assert outcome == ["complete"]
    assert job_executor.get(db, job_id)["counts"]["processed"] == 2


def test_a_taken_over_shard_stops_its_first_worker(db: Database, tmp_path: Path) -> None:
    release = tmp_path / "release"
    job_id = submit(db, "test.stall", {"items": ["a", "b"], "release": str(release)})
    held = jobs.claim(db, "slow", lease=timedelta(seconds=1))
    assert held is not None
    outcome: list[str] = []
    runner = threading.Thread(target=lambda: outcome.append(jobs.run_claimed(db, held, {}, timedelta(seconds=1))))
    runner.start()
    wait_for(lambda: items_of(db, job_id)["a"][0] == "done", what="the first item")
    # as if the lease had lapsed; on PostgreSQL a claim passes over a shard row whose lock the first worker's
    # heartbeat holds at that instant (SKIP LOCKED), so it is asked again until that transaction has ended
    other = wait_for(lambda: jobs.claim(db, "fast", now=utcnow() + timedelta(hours=1)), what="the lapsed shard")
    assert other.attempt == 2
    runner.join(60)  # its heartbeat finds the claim gone: the stalled handler is told so and stops
    assert outcome == ["lost"]
    assert jobs.run_claimed(db, other, {}) == "complete"
    assert items_of(db, job_id)["b"] == ("done", {"attempt": 2, "pid": os.getpid()})


def test_the_local_executor_runs_shards_in_other_processes(db: Database, tmp_path: Path) -> None:
    keys = [f"k{i}" for i in range(7)]
    log = tmp_path / "runs.log"
    job_id = submit(db, "test.digest", {"items": keys, "rounds": 50, "log": str(log)})
    executor = jobs.LocalExecutor(db.url, {}, processes=2)
    try:
        executor.wake()
        wait_for(lambda: job_executor.get(db, job_id)["status"] == "complete", what="the job")
        assert executor.running == 2
    finally:
        executor.stop()
    assert executor.running == 0
    assert {k: r["digest"] for k, (_, r) in items_of(db, job_id).items()} == {k: digest(k, 50) for k in keys}
    workers = {shard_row(db, job_id, n).claimed_by for n in range(3)}
    assert all(not w.endswith(f":{os.getpid()}") for w in workers)
    starts = sorted(line.split()[1] for line in log.read_text().splitlines() if line.startswith("start"))
    assert starts == ["0", "1", "2"]  # two processes, each shard run once


def test_a_request_never_waits_for_a_worker_to_start(db: Database) -> None:
    """`wake_soon` (what a route calls after submitting work) returns while a worker's start is still
    held; the worker then starts and runs the job; once every worker is up, waking starts nothing."""
    job_id = submit(db, "test.digest", {"items": ["a", "b"], "rounds": 5})
    starting, release = threading.Event(), threading.Event()

    class HeldStart(jobs.LocalExecutor):
        def _start_one(self) -> None:
            starting.set()
            release.wait(120)
            super()._start_one()

    executor = HeldStart(db.url, {}, processes=1)
    try:
        executor.wake_soon()
        assert starting.wait(60) and executor.running == 0  # the caller is back; the start is still held
        release.set()
        wait_for(lambda: job_executor.get(db, job_id)["status"] == "complete", what="the job")
        first = executor.pids
        starting.clear()
        executor.wake_soon()
        assert executor.pids == first and not starting.is_set()
    finally:
        release.set()
        executor.stop()
    assert executor.running == 0
