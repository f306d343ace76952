"""The runner over the database: plans into shards, claims under a lease, re-claims, item reports, status."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from clipcrowd import jobs
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.services import job_executor
from clipcrowd.store.db import Database
from clipcrowd.store.tables import job_shards
from clipcrowd.store.tables import jobs as jobs_table
from tests.jobs.kinds import digest
from tests.jobs.support import items_of, submit


def test_a_request_is_planned_into_numbered_shards(db: Database) -> None:
    keys = [f"k{i}" for i in range(11)]
    job_id = submit(db, "test.digest", {"items": keys, "shard_size": 4})
    job = job_executor.get(db, job_id)
    assert job["status"] == "queued" and job["request"]["items"] == keys
    assert list(job["shard_map"]) == ["0", "1", "2"]
    assert [s["item_count"] for s in job["shard_map"].values()] == [4, 4, 3]
    assert job["shard_map"]["2"] == {"job_id": job["job_id"], "shard_id": "2", "item_count": 3, "status": "queued",
                                     "processed": 0, "failed": 0, "skipped": 0, "attempts": 0}
    assert job["counts"] == {"expected": 11, "received": 11, "processed": 0, "failed": 0, "skipped": 0, "pending": 11}


def test_bad_plans_write_nothing(db: Database) -> None:
    for request in ({"items": ["a", "a"]}, {"items": ["x" * 501]}, {"items": []}, {"items": [object()]}):
        with pytest.raises((jobs.JobRequestError, ValueError)):
            submit(db, "test.digest", request)
    with pytest.raises(jobs.UnknownKind):
        submit(db, "no.such.kind", {"items": ["a"]})
    with db.read() as conn:
        assert conn.execute(select(jobs_table.c.id)).first() is None
        assert conn.execute(select(job_shards.c.id)).first() is None


def test_an_idempotency_key_returns_the_first_job(db: Database) -> None:
    first = submit(db, "test.digest", {"items": ["a"]}, idempotency_key="run-1")
    assert submit(db, "test.digest", {"items": ["b"]}, idempotency_key="run-1") == first
    assert submit(db, "test.digest", {"items": ["b"]}, idempotency_key="run-2") != first


def test_a_shard_is_claimed_by_one_worker_at_a_time(db: Database) -> None:
    job_id = submit(db, "test.digest", {"items": ["a", "b"], "shard_size": 5})
    first = jobs.claim(db, "w1")
    assert first is not None and (first.job_id, first.shard_id, first.attempt) == (job_id, 0, 1)
    assert jobs.claim(db, "w2") is None  # the only shard is held and its lease is live
    assert jobs.claim(db, "w2", kinds=["other.kind"]) is None
    assert job_executor.get(db, job_id)["status"] == "processing"


def test_a_lapsed_lease_is_claimed_again_and_the_old_holder_cannot_write(db: Database) -> None:
    job_id = submit(db, "test.digest", {"items": ["a", "b"], "shard_size": 5})
    old = jobs.claim(db, "w1", lease=timedelta(seconds=30))
    assert old is not None
    assert jobs.claim(db, "w2", now=utcnow() + timedelta(seconds=20)) is None  # lease still live
    new = jobs.claim(db, "w2", now=utcnow() + timedelta(seconds=31))
    assert new is not None and new.shard_id == old.shard_id and new.attempt == 2 and new.token != old.token
    with pytest.raises(jobs.ShardLost):
        jobs.queue.report(db, old, [("a", "done", None, None)])
    assert jobs.finish(db, old) is False
    assert not jobs.queue.renew(db, old)
    assert jobs.queue.renew(db, new)
    assert jobs.run_claimed(db, new, {}) == "complete"
    assert job_executor.get(db, job_id)["status"] == "complete"
    assert {k: v[1]["attempt"] for k, v in items_of(db, job_id).items()} == {"a": 2, "b": 2}


def test_a_shard_that_keeps_killing_its_worker_is_given_up(db: Database) -> None:
    job_id = submit(db, "test.digest", {"items": ["a", "b"], "shard_size": 1})
    now = utcnow()
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        now += timedelta(hours=1)
        held = jobs.claim(db, f"w{attempt}", now=now, kinds=["test.digest"])
        assert held is not None and held.shard_id == 0 and held.attempt == attempt
    assert jobs.run_claimed(db, jobs.claim(db, "w9", now=now), {}) == "complete"  # shard 1 runs fine
    assert jobs.claim(db, "last", now=now + timedelta(hours=1)) is None
    job = job_executor.get(db, job_id)
    assert job["shard_map"]["0"]["status"] == "failed"
    assert f"gave up after {jobs.MAX_ATTEMPTS} attempts" in job["shard_map"]["0"]["error"]
    assert job["status"] == "complete_with_errors"
    assert job["counts"] == {"expected": 2, "received": 2, "processed": 1, "failed": 1, "skipped": 0, "pending": 0}
    assert jobs.pending(db, now + timedelta(hours=2)) == 0


def test_items_are_reported_once_and_a_rerun_skips_done_items(db: Database) -> None:
    job_id = submit(db, "test.digest", {"items": ["a", "bad-1", "skip-1", "c"], "shard_size": 10, "rounds": 3})
    held = jobs.claim(db, "w1")
    assert held is not None
    jobs.queue.report(db, held, [("a", "done", {"digest": "first"}, None)])
    assert jobs.queue.report(db, held, [("a", "done", {"digest": "second"}, None)]) == 0  # first report stays
    assert jobs.queue.pending_items(db, held) == ["bad-1", "skip-1", "c"]
    assert jobs.run_claimed(db, held, {}) == "complete"
    found = items_of(db, job_id)
    assert found["a"] == ("done", {"digest": "first"})
    assert found["bad-1"][0] == "failed" and found["skip-1"][0] == "skipped"
    assert found["c"] == ("done", {"digest": digest("c", 3), "attempt": 1})
    job = job_executor.get(db, job_id)
    assert job["status"] == "complete_with_errors"
    assert job["counts"] == {"expected": 4, "received": 4, "processed": 2, "failed": 1, "skipped": 1, "pending": 0}


def test_a_failing_handler_fails_its_shard_not_the_worker(db: Database) -> None:
    bug = submit(db, "test.crash", {"items": ["x", "y"]})
    expected = submit(db, "test.crash", {"items": ["z"], "expected": True})
    assert jobs.run_pending(db) == 2
    job = job_executor.get(db, bug)
    assert job["status"] == "failed" and job["error"] == "RuntimeError: a bug in the handler"
    assert job["counts"]["failed"] == 2 and "finished_at" in job
    assert job_executor.get(db, expected)["error"] == "the input is unusable"
    assert {v[0] for v in items_of(db, bug).values()} == {"failed"}


def test_concurrent_workers_run_every_shard_exactly_once(db: Database, tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    keys = [f"item-{i}" for i in range(24)]
    job_id = submit(db, "test.digest", {"items": keys, "shard_size": 2, "rounds": 200, "log": str(log)})
    ran: list[int] = []

    def worker(name: str) -> None:
        n = 0
        while jobs.run_one(db, {}, name):
            n += 1
        ran.append(n)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sum(ran) == 12
    starts = [line.split()[1] for line in log.read_text().splitlines() if line.startswith("start")]
    assert sorted(starts, key=int) == [str(i) for i in range(12)]  # no shard started twice
    job = job_executor.get(db, job_id)
    assert job["status"] == "complete" and all(s["attempts"] == 1 for s in job["shard_map"].values())
    assert {k: v[1]["digest"] for k, v in items_of(db, job_id).items()} == {k: digest(k, 200) for k in keys}


def test_missing_shards_wait_for_their_items(db: Database) -> None:
    plans = [jobs.ShardPlan(["a"]), jobs.ShardPlan((), status="missing", item_count=3),
             jobs.ShardPlan(["z"], status="missing", item_count=2)]
    job_id = submit(db, "test.digest", {"items": ["a"]}, shards=plans)
    job = job_executor.get(db, job_id)
    assert job["status"] == "shards_missing" and [s["item_count"] for s in job["shard_map"].values()] == [1, 3, 2]
    assert job["counts"]["expected"] == 6 and job["counts"]["received"] == 2
    assert jobs.run_pending(db) == 1  # only the queued shard can be claimed
    with db.write() as conn:
        assert jobs.add_items(conn, job_id, 1, ["b", "c"]) == 2
    for bad_keys, shard in ((["d", "e"], 1), (["a"], 1), (["z2", "z3"], 2)):  # too many, repeated, too many
        with pytest.raises(jobs.JobRequestError), db.write() as conn:
            jobs.add_items(conn, job_id, shard, bad_keys)
    with pytest.raises(jobs.JobRequestError), db.write() as conn:
        jobs.add_items(conn, job_id, 0, ["q"])  # shard 0 is not missing
    with db.write() as conn:
        assert jobs.ready(conn, job_id, 1) and jobs.ready(conn, job_id, 2)  # shard 2 got 1 item of 2
        assert not jobs.ready(conn, job_id, 1)
    assert jobs.run_pending(db) == 2
    job = job_executor.get(db, job_id)
    assert job["status"] == "complete_with_errors"  # an item of shards 1 and 2 never arrived
    assert job["counts"] == {"expected": 6, "received": 4, "processed": 4, "failed": 0, "skipped": 0, "pending": 2}


def test_a_cancelled_job_is_not_claimed(db: Database) -> None:
    other = submit(db, "test.digest", {"items": ["d", "e"], "shard_size": 1})
    with db.write() as conn:
        jobs.cancel(conn, other)
    assert jobs.run_pending(db) == 0 and job_executor.get(db, other)["status"] == "cancelled"


@pytest.mark.parametrize(("shards", "failed_items", "expected"), [
    ({"queued": 2}, 0, "queued"),
    ({"queued": 1, "processing": 1}, 0, "processing"),
    ({"queued": 1, "complete": 1}, 0, "processing"),
    ({"missing": 1, "complete": 1}, 0, "shards_missing"),
    ({"complete": 3}, 0, "complete"),
    ({"complete": 3}, 2, "complete_with_errors"),
    ({"complete": 1, "failed": 1}, 0, "complete_with_errors"),
    ({"failed": 2}, 0, "failed"),
    ({"cancelled": 1, "complete": 1}, 0, "cancelled"),
])
def test_job_status_is_derived_from_its_shards(shards: dict[str, int], failed_items: int, expected: str) -> None:
    assert jobs.derive(shards, failed_items) == expected
