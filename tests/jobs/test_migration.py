"""Revision 0006 on a database with jobs of the earlier one-row queue: each becomes a one-shard job."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from alembic.config import Config
from sqlalchemy import Column, Integer, String, insert, inspect, table
from sqlalchemy.types import JSON, DateTime

from clipcrowd import jobs
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.services import job_executor
from clipcrowd.store import db as store_db
from clipcrowd.store.db import Database
from tests.jobs.support import items_of

_OLD_JOBS = table("jobs", Column("id", Integer), Column("kind", String), Column("status", String),
                  Column("payload", JSON), Column("attempts", Integer), Column("created", DateTime),
                  Column("finished", DateTime), Column("error", String))


def _to(db: Database, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(store_db._MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_earlier_jobs_are_converted_and_still_run(db: Database) -> None:
    _to(db, "0005")
    assert "job_shards" not in inspect(db.engine).get_table_names()
    now = utcnow() - timedelta(minutes=5)
    with db.engine.begin() as conn:
        conn.execute(insert(_OLD_JOBS), [
            {"id": 1, "kind": "asset.process", "status": "DONE", "payload": {"asset_id": 7}, "attempts": 1,
             "created": now, "finished": now, "error": None},
            {"id": 2, "kind": "asset.process", "status": "FAILED", "payload": {"asset_id": 8}, "attempts": 3,
             "created": now, "finished": now, "error": "gave up"},
            {"id": 3, "kind": "asset.process", "status": "QUEUED", "payload": {"asset_id": 9}, "attempts": 0,
             "created": now, "finished": None, "error": None},
        ])
    db.migrate()
    assert job_executor.get(db, 1)["status"] == "complete" and items_of(db, 1) == {"7": ("done", None)}
    failed = job_executor.get(db, 2)
    assert failed["status"] == "failed" and failed["shard_map"]["0"]["error"] == "gave up"
    queued = job_executor.get(db, 3)
    assert queued["status"] == "queued" and queued["request"] == {"asset_ids": [9]}
    assert jobs.run_pending(db, {"storage_url": "unused"}) == 1  # asset 9 no longer exists: skipped, not failed
    assert job_executor.get(db, 3)["status"] == "complete" and items_of(db, 3)["9"][0] == "skipped"
