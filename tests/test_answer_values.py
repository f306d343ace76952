"""`answer_values` (migration 0021's triggers) equals what the stored solutions say after every way
answers are written or change, on SQLite and PostgreSQL: suites submitted through the worker API (the
worker page's task.js posts to the same route), accepted, rejected, skipped and expired; a pool
filled in bulk (`COPY` on PostgreSQL); solutions edited by hand, with numbers, booleans, nulls,
objects and arrays; an assignment moved to another pool or deleted; and the migration's backfill,
upgrade and downgrade. Aggregating reads it and gives what reading the solutions gives (the
fallback for objects and arrays included); test_answer_columns.py covers labels and spec changes.
"""

from __future__ import annotations

import json
from typing import Any

from alembic import command
from sqlalchemy import Connection, delete, select, text, update

from clipcrowd.services import aggregation, answer_columns, bulk_fill, maintenance
from clipcrowd.store.db import Database
from clipcrowd.store.tables import answer_values, assignments, events
from tests.apiclient import Api, add_tasks, make_pool, worker
from tests.factories import pool_body, text_project
from tests.support import ManualClock, migrate

Row = tuple[Any, ...]


def _typed(value: Any) -> Any:
    """A value with its JSON kind, so that True and 1 (equal in Python) stay apart."""
    return None if value is None else (type(value).__name__, json.dumps(value))


def derived(conn: Connection) -> set[Row]:
    """The rows the solutions call for, worked out here from each assignment's row."""
    rows = set()
    for a in conn.execute(select(assignments)):
        if not isinstance(a.solutions, list):
            continue
        for position, output in enumerate(a.solutions):
            if not isinstance(output, dict) or position >= len(a.task_ids):
                continue
            for field, value in output.items():
                if value is not None:
                    kept = None if isinstance(value, dict | list) else value
                    rows.add((a.pool_id, field, a.id, position, a.task_ids[position], a.worker_id, a.status,
                              _typed(kept)))
    return rows


def kept(conn: Connection) -> set[Row]:
    return {(r.pool_id, r.field, r.assignment_id, r.position, r.task_id, r.worker_id, r.status,
             _typed(None if r.value is None else json.loads(r.value)))
            for r in conn.execute(select(answer_values))}


def check(db: Database) -> set[Row]:
    with db.read() as conn:
        expected = derived(conn)
        assert kept(conn) == expected
    return expected


def _suite(api: Api, person: dict[str, Any], pool_id: str) -> dict[str, Any]:
    return api.ok("POST", f"/api/v1/worker/pools/{pool_id}/next", headers=person["headers"])


def _submit(api: Api, person: dict[str, Any], suite: dict[str, Any], *values: str) -> None:
    api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=person["headers"],
           json={"solutions": [{"output_values": {"result": value}} for value in values]})


def test_the_rows_follow_every_change_of_the_answers(api: Api, db: Database, clock: ManualClock) -> None:
    pool = make_pool(api, auto_accept_solutions=False, defaults={"default_overlap_for_new_task_suites": 2},
                     mixer_config={"real_tasks_count": 2, "golden_tasks_count": 0, "training_tasks_count": 0})
    pool_id = pool["id"]
    add_tasks(api, pool_id, 8)
    api.call("POST", f"/api/v1/pools/{pool_id}/open", expect=202)
    ann, bob, cid, dan = (worker(api, name) for name in ("ann", "bob", "cid", "dan"))

    first = _suite(api, ann, pool_id)
    assert check(db) == set()  # issued, not answered: nothing yet
    _submit(api, ann, first, "a", "b")
    rows = check(db)
    assert {(r[1], r[3], r[6], r[7]) for r in rows} == {("result", 0, "SUBMITTED", ("str", '"a"')),
                                                        ("result", 1, "SUBMITTED", ("str", '"b"'))}
    second = _suite(api, bob, pool_id)
    _submit(api, bob, second, "b", "b")
    api.ok("PATCH", f"/api/v1/assignments/{first['id']}", json={"status": "ACCEPTED", "public_comment": ""})
    api.ok("PATCH", f"/api/v1/assignments/{second['id']}", json={"status": "REJECTED", "public_comment": "no"})
    assert {r[6] for r in check(db)} == {"ACCEPTED", "REJECTED"}
    skipped = _suite(api, cid, pool_id)
    api.ok("POST", f"/api/v1/worker/assignments/{skipped['id']}/skip", headers=cid["headers"])
    _suite(api, dan, pool_id)
    clock.advance(pool["assignment_max_duration_seconds"] + 1)
    assert maintenance.tick(db).expired == 1
    assert len(check(db)) == 4  # skipped and expired suites hold no answers

    with db.write() as conn:  # solutions edited by hand: every kind of JSON value, and one suite emptied
        ids = [int(first["id"]), int(second["id"])]
        conn.execute(update(assignments).where(assignments.c.id == ids[0]).values(solutions=[
            {"result": 1.5, "flag": True, "none": None, "box": {"x": 1}, "tags": ["a"]},
            {"result": "caf\u00e9 \"x\"\u001f", "n": 7, "off": False}]))
        conn.execute(update(assignments).where(assignments.c.id == ids[1]).values(solutions=[{}, "not an object"]))
    rows = check(db)
    assert {r[1] for r in rows} == {"result", "flag", "box", "tags", "n", "off"}
    assert ("box", None) in {(r[1], r[7]) for r in rows}  # objects and arrays: a row without a value
    other = int(make_pool(api)["id"])
    with db.write() as conn:  # moved to another pool by hand (status too), then deleted with its events
        conn.execute(update(assignments).where(assignments.c.id == ids[0]).values(pool_id=other, status="SUBMITTED"))
    assert {(r[0], r[6]) for r in check(db)} == {(other, "SUBMITTED")}
    with db.write() as conn:
        conn.execute(delete(events).where(events.c.assignment_id == ids[0]))
        conn.execute(delete(assignments).where(assignments.c.id == ids[0]))
    assert check(db) == set()

    filled = bulk_fill.fill(db, text_project(), {k: v for k, v in pool_body("0").items() if k != "project_id"},
                            count=60, overlap=3, suite=2, crowd=7, status="SUBMITTED")
    assert len(check(db)) == 180
    with db.write() as conn:  # one statement accepting many suites, as a bulk review would
        conn.execute(update(assignments).where(assignments.c.pool_id == int(filled.pool_id),
                                               assignments.c.id % 2 == 0).values(status="ACCEPTED"))
    assert {r[6] for r in check(db)} == {"ACCEPTED", "SUBMITTED"}


def test_objects_and_arrays_are_read_from_the_solutions(db: Database) -> None:
    """A field whose answers hold an object or an array (its spec changed after they came) is read
    from the solutions, as before `answer_values`; other fields of the same pool from the rows."""
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, text_project(), pool, count=20, overlap=3, crowd=5)
    with db.write() as conn:
        first = conn.execute(select(assignments.c.id).where(assignments.c.pool_id == int(filled.pool_id))
                             .order_by(assignments.c.id)).scalars().all()[:2]
        conn.execute(update(assignments).where(assignments.c.id == first[0]).values(solutions=[{"result": ["a"]}]))
        conn.execute(update(assignments).where(assignments.c.id == first[1]).values(solutions=[{"result": {"k": 1}}]))
    request = aggregation.AggregationRequest(int(filled.pool_id), "mv", "result", False, {})
    with db.read() as conn:
        stored = answer_columns._one_row(conn, answer_columns._stored_statement(
            conn, request.pool_id, request.statuses, "result"))
        task_ids, worker_ids, labels = answer_columns.read_columns(conn, request.pool_id, request.statuses, "result")
        frame, _ = aggregation.load_answers(conn, request)
    assert len(stored[2]) == len(stored[0]) - 2  # the two NULL values send the reader to the solutions
    assert len(task_ids) == len(worker_ids) == len(labels) == len(frame) == 60
    assert [json.loads(t) for t in labels.to_pylist()[:2]] == [["a"], {"k": 1}]
    assert task_ids.tolist() == [int(t) for t in frame["task"]]


def test_migration_backfills_and_goes_back(db: Database) -> None:
    """Down to 0020 (no table, no triggers), answers written, up again: the backfill equals the
    solutions and the triggers work; down again leaves no trace, and the answers stay."""
    migrate(db, command.downgrade, "0020_label_runs")
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, text_project(), pool, count=30, overlap=3, suite=2, crowd=5, labels=("a", 1, True))
    with db.write() as conn:
        conn.execute(text("UPDATE assignments SET status = 'REJECTED' WHERE id = (SELECT min(id) FROM assignments)"))
    migrate(db, command.upgrade, "head")
    rows = check(db)
    assert len(rows) == 90 and {r[6] for r in rows} == {"ACCEPTED", "REJECTED"}
    with db.write() as conn:
        conn.execute(text("UPDATE assignments SET status = 'REJECTED' WHERE id = (SELECT max(id) FROM assignments)"))
    assert sum(r[6] == "REJECTED" for r in check(db)) == 4
    migrate(db, command.downgrade, "0020_label_runs")
    with db.read() as conn:
        assert not db.engine.dialect.has_table(conn, "answer_values")
        triggers = (conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars().all()
                    if conn.dialect.name == "sqlite" else
                    conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars().all())
    assert not [t for t in triggers if t.startswith("answer_values")] and triggers  # 0019's triggers stay
    with db.write() as conn:  # and writing answers works without the table
        conn.execute(update(assignments).where(assignments.c.pool_id == int(filled.pool_id)).values(solutions=[{}]))
    migrate(db, command.upgrade, "head")
    assert check(db) == set()
