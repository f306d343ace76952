"""The store: migrations apply and re-apply, and the hot queries read the partial indexes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import exists, insert, select, text

from clipcrowd.store.db import Database
from clipcrowd.store.tables import OPEN_REAL_TASK, UNANSWERED_REAL_TASK, assignment_tasks, pools, projects, tasks
from tests.support import fresh_sqlite


def test_migrations_are_idempotent(db: Database) -> None:
    db.migrate()
    with db.read() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() is not None
        assert conn.execute(select(tasks.c.id).limit(1)).first() is None


def test_issuing_and_completion_checks_use_partial_indexes(tmp_path: Path) -> None:
    """On SQLite a mostly finished pool must not be scanned task by task for each suite."""
    db = fresh_sqlite(tmp_path)
    now = datetime(2026, 1, 1)
    with db.write() as conn:
        conn.execute(insert(projects).values(id=1, status="ACTIVE", created=now, data={}))
        conn.execute(insert(pools).values(id=1, project_id=1, status="OPEN", created=now, data={}))
        conn.execute(insert(tasks), [
            {"pool_id": 1, "overlap": 1, "infinite_overlap": False, "golden": False, "assigned_count": int(i < 900),
             "answered_count": int(i < 900), "created": now, "data": {}} for i in range(1000)])
    issue = (select(tasks.c.id).where(tasks.c.pool_id == 1, OPEN_REAL_TASK,
                                      ~exists().where(assignment_tasks.c.task_id == tasks.c.id,
                                                      assignment_tasks.c.worker_id == 1))
             .order_by(tasks.c.id).limit(1))
    pending = select(exists().where(tasks.c.pool_id == 1, UNANSWERED_REAL_TASK))
    with db.read() as conn:
        for query, index in ((issue, "ix_tasks_open_real"), (pending, "ix_tasks_unanswered_real")):
            sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
            plan = " ".join(str(row[3]) for row in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
            assert f"USING INDEX {index}" in plan, plan
        assert conn.execute(issue).scalar() == 901
    db.dispose()
