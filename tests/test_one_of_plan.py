"""`store.lists.one_of` is a comparison the database can serve from an index: on SQLite it must not be
wrapped as `(… IN …) = 1` (SQLite has no boolean type, and SQLAlchemy adds `= 1` to a boolean
expression it does not know is a comparison), which made every statement with a list scan its table."""

from __future__ import annotations

import json

from sqlalchemy import select, text, update

from clipcrowd.store.db import Database
from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import tasks


def test_a_list_condition_uses_the_primary_key(db: Database) -> None:
    for statement in (select(tasks.c.id).where(one_of(tasks.c.id, [3, 5])),
                      update(tasks).where(one_of(tasks.c.id, [3]), tasks.c.golden.is_(False))
                      .values(assigned_count=tasks.c.assigned_count + 1)):
        compiled = statement.compile(dialect=db.engine.dialect)
        assert "= 1" not in str(compiled) and ") = true" not in str(compiled)
        if db.is_sqlite:
            with db.read() as conn:
                params = compiled.construct_params()
                args = tuple(json.dumps(v) if isinstance(v, list) else v  # the list's bound form on SQLite
                             for v in (params[name] for name in compiled.positiontup or ()))
                plan = " ".join(str(row) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", args))
            assert "INTEGER PRIMARY KEY" in plan and "SCAN tasks" not in plan, plan
    with db.read() as conn:
        assert conn.execute(select(tasks.c.id).where(~one_of(tasks.c.id, [1]))).all() == []
        assert conn.execute(text("SELECT 1")).scalar() == 1
