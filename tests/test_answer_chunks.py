"""Packed answers (`services.answer_chunks`, migration 0027_aggregate) read as `answer_values` reads,
on SQLite and PostgreSQL, after every way answers change once packed: answers added inside a packed
range and after it, accepted one by one and many in one statement, rejected, re-submitted with other
values, deleted, and holding an object (read from the solutions then); through the worker and review
API too. Aggregating from chunks stores the labels the row-by-row frame gives. A writer holding the
pool makes the packer pack nothing rather than wait; the migration goes down and up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest
from alembic import command
from sqlalchemy import delete, func, select, text, update

from clipcrowd.aggregation import Answers, aggregate
from clipcrowd.aggregation.errors import EmptyAnswersError
from clipcrowd.domain.ids import format_id
from clipcrowd.services import aggregation, answer_chunks, answer_columns, bulk_fill, label_runs, operations
from clipcrowd.store.db import Database
from clipcrowd.store.tables import answer_chunks as chunks_table
from clipcrowd.store.tables import answer_values, assignments, events
from tests.apiclient import Api, add_tasks, make_pool, worker
from tests.factories import aggregate_in_process, pool_body, text_project
from tests.support import migrate

BOTH: Sequence[tuple[str, ...]] = (("ACCEPTED",), ("ACCEPTED", "SUBMITTED"))


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 16 answers, so that a pool of 180 answers is a dozen of them."""
    monkeypatch.setattr(answer_chunks, "CHUNK", 16)


def _read(db: Database, pool_id: int, statuses: Sequence[str], without_chunks: bool = False,
          field: str = "result", as_text: bool = True) -> Answers | None:
    """The coded answers; None without any (both reads must agree on that too)."""
    with db.engine.connect() as conn:
        transaction = conn.begin()
        try:
            if without_chunks:  # what reading answer_values alone gives, as before the chunks
                conn.execute(delete(chunks_table))
            return answer_columns.read_answers(conn, pool_id, statuses, field, as_text)
        except EmptyAnswersError:
            return None
        finally:
            transaction.rollback()


def same_as_rows(db: Database, pool_id: int, field: str = "result", as_text: bool = True) -> None:
    """The read through the chunks equals the read of `answer_values` alone, for both status sets."""
    for statuses in BOTH:
        packed = _read(db, pool_id, statuses, field=field, as_text=as_text)
        rows = _read(db, pool_id, statuses, without_chunks=True, field=field, as_text=as_text)
        if packed is None or rows is None:
            assert packed is rows is None, statuses
            continue
        for name in ("task", "worker", "label"):
            assert np.array_equal(getattr(packed, name), getattr(rows, name)), (statuses, name)
        for name in ("tasks", "workers", "labels"):
            assert getattr(packed, name).equals(getattr(rows, name)), (statuses, name)
        assert [type(v) for v in packed.labels] == [type(v) for v in rows.labels]  # 2 and 2.0 are equal


def gaps(db: Database, pool_id: int, field: str = "result") -> int:
    """Ranges no chunk covers, the open one after the last chunk included."""
    with db.read() as conn:
        return len(answer_chunks.read(conn, pool_id, field, ("ACCEPTED",))[1])


def packed_answers(db: Database, pool_id: int) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.coalesce(func.sum(chunks_table.c.answers), 0))
                                .where(chunks_table.c.pool_id == pool_id)).scalar_one())


def _ids(db: Database, pool_id: int) -> list[int]:
    with db.read() as conn:
        return list(conn.execute(select(assignments.c.id).where(assignments.c.pool_id == pool_id)
                                 .order_by(assignments.c.id)).scalars())


def _set(db: Database, ids: Sequence[int], **values: Any) -> None:
    with db.write() as conn:
        conn.execute(update(assignments).where(assignments.c.id.in_(list(ids))).values(**values))


def test_chunks_read_as_the_rows_after_every_change(db: Database) -> None:
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, text_project(), pool, count=60, overlap=3, suite=2, crowd=7, status="SUBMITTED")
    pool_id = int(filled.pool_id)
    ids = _ids(db, pool_id)
    with db.read() as conn:
        solutions = dict(conn.execute(select(assignments.c.id, assignments.c.solutions)
                                      .where(assignments.c.pool_id == pool_id)).all())
    later = ids[20:23] + ids[-12:]  # not answered yet when packed: inside packed ranges, and after them
    _set(db, later, solutions=None, status="ACTIVE")
    with db.read() as conn:
        assert answer_chunks.worth_packing(conn, pool_id, "result")
    assert answer_chunks.pack(db, pool_id, "result") >= 8
    with db.read() as conn:
        assert not answer_chunks.worth_packing(conn, pool_id, "result")  # 6 answers after the last chunk
    assert gaps(db, pool_id) == 1 and packed_answers(db, pool_id) >= 128
    same_as_rows(db, pool_id)
    assert answer_chunks.pack(db, pool_id, "result") == 0  # nothing left worth packing

    _set(db, ids[1:30:2], status="ACCEPTED")  # many accepted in one statement
    assert gaps(db, pool_id) > 1
    same_as_rows(db, pool_id)
    assert answer_chunks.pack(db, pool_id, "result") > 0 and gaps(db, pool_id) == 1
    same_as_rows(db, pool_id)

    changes = [
        lambda: _set(db, [ids[40]], status="REJECTED"),
        lambda: _set(db, [ids[41]], status="ACCEPTED"),
        lambda: _set(db, [ids[33]], solutions=[{"result": "c"}, {"result": "b"}]),  # re-submitted
        lambda: _set(db, [ids[20]], solutions=solutions[ids[20]], status="SUBMITTED"),  # answered late
        lambda: _set(db, ids[-12:], solutions=solutions[ids[-1]], status="ACCEPTED"),  # new answers after the chunks
    ]
    for change in changes:
        before = gaps(db, pool_id)
        change()
        assert gaps(db, pool_id) >= before
        same_as_rows(db, pool_id)
        answer_chunks.pack(db, pool_id, "result")
        assert gaps(db, pool_id) == 1
        same_as_rows(db, pool_id)
    read = _read(db, pool_id, BOTH[1])
    assert read is not None and "c" in set(read.labels)

    with db.write() as conn:  # an assignment deleted
        conn.execute(delete(events).where(events.c.assignment_id == ids[50]))
        conn.execute(delete(assignments).where(assignments.c.id == ids[50]))
    same_as_rows(db, pool_id)
    _set(db, [ids[10]], solutions=[{"result": {"not": "a label"}}, {"result": "a"}], status="ACCEPTED")
    answer_chunks.pack(db, pool_id, "result")  # a chunk with a NULL value: the read goes to the solutions
    read = _read(db, pool_id, ("ACCEPTED",))
    assert read is not None and any("a label" in str(value) for value in read.labels)
    same_as_rows(db, pool_id)
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(answer_values)
                             .where(answer_values.c.pool_id == pool_id)).scalar_one()
    assert packed_answers(db, pool_id) <= total


def _labels(db: Database, request: aggregation.AggregationRequest) -> dict[str, Any]:
    with db.read() as conn:
        frame, _ = aggregation.load_answers(conn, request)
    return {k: v for k, v in aggregate(frame, request.method).labels.dropna().items()}


def test_aggregating_from_chunks_stores_the_row_path_labels(db: Database) -> None:
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, text_project(), pool, count=90, overlap=3, suite=1, crowd=9, labels=("a", "b", "c"))
    ids = _ids(db, int(filled.pool_id))
    for step in range(3):
        request = aggregation.AggregationRequest(int(filled.pool_id), "ds", "result", False, {})
        op_id = aggregate_in_process(db, request)
        assert operations.get(db, op_id)["status"] == "SUCCESS"
        with db.read() as conn:
            stored = {format_id(t): label for t, label, _ in
                      label_runs.labels_of_run(conn, label_runs.run_of_operation(conn, op_id))}
        assert stored == _labels(db, request) and len(stored) == 90
        assert packed_answers(db, int(filled.pool_id)) >= 240  # the run packed the pool
        _set(db, ids[step * 7:step * 7 + 30], solutions=[{"result": "c"}])  # changed between runs


def test_chunks_follow_the_worker_and_review_api(api: Api, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(answer_chunks, "CHUNK", 4)
    pool = make_pool(api, auto_accept_solutions=False, defaults={"default_overlap_for_new_task_suites": 3},
                     mixer_config={"real_tasks_count": 2, "golden_tasks_count": 0, "training_tasks_count": 0})
    add_tasks(api, pool["id"], 12)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    people = [worker(api, f"w{n}") for n in range(6)]
    suites = []
    for n, person in enumerate(people * 2):
        suite = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=person["headers"])
        api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=person["headers"],
               json={"solutions": [{"output_values": {"result": "ab"[(n + k) % 2]}} for k in range(2)]})
        suites.append(suite["id"])
        if n % 5 == 4:  # packed while answers keep coming
            answer_chunks.pack(db, int(pool["id"]), "result")
            same_as_rows(db, int(pool["id"]))
    assert len(suites) >= 12
    answer_chunks.pack(db, int(pool["id"]), "result")
    for n, suite_id in enumerate(suites[:9]):
        api.ok("PATCH", f"/api/v1/assignments/{suite_id}",
               json={"status": "REJECTED" if n % 3 == 0 else "ACCEPTED", "public_comment": "checked"})
        same_as_rows(db, int(pool["id"]))
        answer_chunks.pack(db, int(pool["id"]), "result")
        same_as_rows(db, int(pool["id"]))


@pytest.mark.parametrize("db", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_writer_holding_the_pool_is_not_waited_for(db: Database) -> None:
    """PostgreSQL only: SQLite has one writer at a time, so there the packer's transaction waits for it."""
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, text_project(), pool, count=30, overlap=3, suite=1, crowd=5)
    pool_id = int(filled.pool_id)
    with db.engine.connect() as writer:
        transaction = writer.begin()
        writer.execute(update(assignments).where(assignments.c.pool_id == pool_id, assignments.c.id % 2 == 0)
                       .values(status="REJECTED"))  # its trigger holds the pool's lock until it ends
        assert answer_chunks.pack(db, pool_id, "result") == 0
        transaction.commit()
    assert answer_chunks.pack(db, pool_id, "result") > 0
    same_as_rows(db, pool_id)


def test_migration_down_and_up(db: Database) -> None:
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, text_project(), pool, count=30, overlap=3, suite=1, crowd=5)
    pool_id = int(filled.pool_id)
    assert answer_chunks.pack(db, pool_id, "result") > 0
    migrate(db, command.downgrade, "0026_aggregate")
    with db.read() as conn:
        assert not db.engine.dialect.has_table(conn, "answer_chunks")
        triggers = (conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars().all()
                    if conn.dialect.name == "sqlite" else
                    conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars().all())
    assert not [t for t in triggers if t.startswith("answer_chunks")]
    _set(db, _ids(db, pool_id)[:5], status="REJECTED")  # answers change while no chunk is kept
    migrate(db, command.upgrade, "head")
    assert gaps(db, pool_id) == 1 and packed_answers(db, pool_id) == 0  # nothing backfilled
    assert answer_chunks.pack(db, pool_id, "result") > 0
    same_as_rows(db, pool_id)


@pytest.mark.parametrize("ids", [[5, 5, 3, 9, 3, 4], [10**12, 7, 10**12, 7], list(range(50, 0, -1)) * 2, [],
                                 "workers", "tasks", "late worker"])
def test_ids_coded_as_factorize_codes_them(ids: list[int] | str) -> None:
    rng = np.random.default_rng(5)
    array = {"workers": rng.integers(100, 120, 30_000), "tasks": rng.permutation(np.repeat(np.arange(9_000), 3)),
             "late worker": np.concatenate([rng.integers(1, 9, 20_000), [4_000], rng.integers(1, 10, 9_000)]),
             }.get(ids) if isinstance(ids, str) else np.array(ids, dtype=np.int64)
    assert array is not None
    array = array.astype(np.int64)
    codes, uniques = answer_columns._factorize_ids(array)
    expected_codes, expected_uniques = pd.factorize(array)
    assert codes.tolist() == expected_codes.tolist() and list(uniques) == list(expected_uniques)


@pytest.mark.parametrize("values", [[], [7], [-1, 0, 3, -1], [10**12, 10**12 + 255], [5, 5 + 65535, 9],
                                    [0, 2**32 - 1], [1, 2**32 + 1], [-(2**62), 2**62]])
def test_packed_columns_come_back_as_they_went(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    packed, layout = answer_chunks._narrow(array)
    assert answer_chunks._widen(packed, layout).tolist() == values
    assert len(packed) <= 8 * len(values)


@pytest.mark.parametrize("kind", ["integer", "float", "boolean"])
def test_typed_values_read_through_chunks_as_through_rows(db: Database, kind: str) -> None:
    """Numbers and booleans, with texts of one value written two ways (1 and 1.0) in some chunks
    and values only SUBMITTED answers hold: the labels, their codes and types equal the rows' read."""
    labels = {"integer": [1, 2, 3], "float": [0.1, 0.30000000000000004, 2.5], "boolean": [True, False]}[kind]
    project = text_project()
    project["task_spec"] = {"input_spec": {"text": {"type": "string"}}, "output_spec": {"score": {"type": kind}}}
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, project, pool, count=80, overlap=3, suite=1, crowd=7, labels=labels,
                            status="SUBMITTED")
    pool_id = int(filled.pool_id)
    ids = _ids(db, pool_id)
    _set(db, ids[::3], status="ACCEPTED")
    if kind != "boolean":
        _set(db, ids[100:110], solutions=[{"score": 2.0 if kind == "integer" else 7}])  # 2.0 beside 2; 7 alone
    answer_chunks.pack(db, pool_id, "score")
    assert gaps(db, pool_id, "score") == 1 and packed_answers(db, pool_id) >= 224
    same_as_rows(db, pool_id, "score", as_text=False)
    read = _read(db, pool_id, BOTH[1], field="score", as_text=False)
    assert read is not None and set(read.labels) >= set(labels)
