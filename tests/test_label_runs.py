"""Stored aggregation runs (`services.label_runs`), on SQLite and PostgreSQL: a new run of a method on a
field replaces the earlier one and its chunks; other methods' runs stay; every reader sees the latest
label per task and field; what is read back is what each method gave, for every label type, and
any page by task id of a run of many chunks is the stored labels' slice; migrations 0020 and 0026
carry stored labels over in both directions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
from alembic import command
from sqlalchemy import func, select

from clipcrowd.aggregation import aggregate
from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.domain.ids import format_id
from clipcrowd.services import aggregation, bulk_fill, desk_aggregates, label_runs, operations
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database
from clipcrowd.store.tables import aggregation_runs, label_chunks
from tests.factories import aggregate_in_process, pool_body, text_project
from tests.support import migrate

BEFORE = "0018_asset_status"  # the revision before label runs
BEFORE_CHUNKS = "0025_auto_accepted"  # the revision before label chunks


def _integer_project() -> dict[str, Any]:
    body = text_project()
    body["task_spec"] = {"input_spec": {"text": {"type": "string"}},
                         "output_spec": {"score": {"type": "integer"}, "result": {"type": "string"}}}
    return body


def _run(db: Database, pool_id: str, method: str, field: str) -> str:
    request = aggregation.AggregationRequest(int(pool_id), method, field, False, {})
    op_id = aggregate_in_process(db, request)
    assert operations.get(db, op_id)["status"] == "SUCCESS"
    return op_id


def _shown(db: Database, pool_id: str, op_ids: list[str]) -> tuple[Any, ...]:
    """What readers show: the API's pages of each operation, the desk's latest labels, its panel."""
    pages = [aggregation.labels_page(db, Settings(), op, {"limit": "1000"}) for op in op_ids]
    with db.read() as conn:
        latest = desk_aggregates.latest_labels(conn, int(pool_id))
    stored = desk_aggregates.panel(db, int(pool_id))["stored"]
    return pages, latest, stored


def test_a_new_run_replaces_the_earlier_one_of_its_method(db: Database) -> None:
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, _integer_project(), pool, count=40, overlap=3, crowd=5, labels=(1, 2, 3))
    first = _run(db, filled.pool_id, "ds", "score")
    mv = _run(db, filled.pool_id, "mv", "score")
    second = _run(db, filled.pool_id, "ds", "score")
    with db.read() as conn:
        assert label_runs.run_of_operation(conn, first) is None
        assert {r.operation_id for r in label_runs.runs(conn, [int(filled.pool_id)])} == {mv, second}
        packed = conn.execute(select(label_chunks.c.tasks)).scalars().all()
        assert sum(len(tasks) // 8 for tasks in packed) == 2 * filled.tasks  # the first ds run's are gone
        latest = desk_aggregates.latest_labels(conn, int(filled.pool_id))
        some = desk_aggregates.latest_labels(conn, int(filled.pool_id), [int(t) for t in list(latest)[:3]])
    assert len(latest) == filled.tasks and {v["score"]["method"] for v in latest.values()} == {"ds"}
    assert {type(v["score"]["label"]) for v in latest.values()} == {int}
    assert some == {t: latest[t] for t in some} and len(some) == 3
    assert aggregation.labels_page(db, Settings(), first, {})["items"] == []


def test_migration_carries_stored_labels_over_and_back(db: Database) -> None:
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, _integer_project(), pool, count=30, overlap=3, crowd=5, labels=(1, 2, 3))
    op_ids = [_run(db, filled.pool_id, "ds", "score"), _run(db, filled.pool_id, "mv", "score")]
    shown = _shown(db, filled.pool_id, op_ids)
    migrate(db, command.downgrade, BEFORE)
    migrate(db, command.upgrade, "head")
    assert _shown(db, filled.pool_id, op_ids) == shown
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(aggregation_runs)).scalar_one() == 2


def _project(kind: str) -> dict[str, Any]:
    body = text_project()
    body["task_spec"] = {"input_spec": {"text": {"type": "string"}}, "output_spec": {"score": {"type": kind}}}
    return body


KINDS = {"string": ["a", "b", "c"], "integer": [1, 2, 3], "float": [0.1, 0.30000000000000004, 2.5],
         "boolean": [True, False]}
METHODS = [m["name"] for m in aggregation.methods_without_params() if not m["needs_gold"]]


@pytest.mark.parametrize("kind", list(KINDS))
def test_labels_read_back_are_what_each_method_gave(db: Database, kind: str) -> None:
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, _project(kind), pool, count=60, overlap=3, crowd=7, labels=KINDS[kind])
    request = aggregation.AggregationRequest(int(filled.pool_id), "mv", "score", False, {})
    with db.read() as conn:
        answers, _ = aggregation.load_coded(conn, request)
    sizes: dict[str, int] = {}
    for method in METHODS:
        result = aggregate(answers, method)
        labelled = result.labels.notna()
        expected = {int(t): (label, float(share)) for t, label, share
                    in zip(result.labels.index[labelled], result.labels[labelled], result.confidence[labelled],
                           strict=True)}
        op_id = _run(db, filled.pool_id, method, "score")
        with db.read() as conn:
            run = label_runs.run_of_operation(conn, op_id)
            stored = label_runs.labels_of_run(conn, run)
            some = sorted(expected)[::7]
            latest = {s.task_id: (s.label, s.confidence) for s in label_runs.latest(conn, task_ids=some)
                      if s.method == method}
        assert {t: (label, share) for t, label, share in stored} == expected, method
        assert [t for t, _, _ in stored] == sorted(expected)
        assert {type(label) for _, label, _ in stored} <= {type(KINDS[kind][0])}, method
        assert latest == {t: expected[t] for t in some}, method
        sizes[method] = len(stored)
    assert sizes["ds"] == sizes["mv"] == 60  # (k_of_n may leave every task without a label)


def _synthetic(db: Database, count: int, seed: int = 3) -> tuple[int, str, pd.DataFrame]:
    """A run of `count` labels stored straight through `label_runs.store` (scattered task ids, given
    in no order); returns its pool, its operation id and the labels as a frame by task id."""
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, text_project(), pool, count=3, overlap=1, crowd=2)
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"task": rng.choice(10 * count, count, replace=False) + 1,
                          "code": rng.integers(0, 3, count), "confidence": rng.random(count)})
    op_id = str(uuid.uuid4())
    request = aggregation.AggregationRequest(int(filled.pool_id), "ds", "result", False, {})
    with db.write() as conn:
        operations.start(conn, aggregation.OPERATION, request.public(), op_id=op_id)
        label_runs.store(conn, pool_id=int(filled.pool_id), field="result", method="ds", operation_id=op_id,
                         created=datetime(2026, 11, 29), labels=["x", "y", "z"], task_ids=frame["task"].to_numpy(),
                         codes=frame["code"].to_numpy(), confidence=frame["confidence"].to_numpy())
    return int(filled.pool_id), op_id, frame.sort_values("task").reset_index(drop=True)


def _expected(frame: pd.DataFrame) -> list[tuple[int, Any, float]]:
    return [(int(t), "xyz"[int(c)], float(f)) for t, c, f in frame.itertuples(index=False)]


def test_any_page_of_a_run_of_many_chunks_is_its_slice(db: Database) -> None:
    count = 3 * label_runs.CHUNK + 5
    pool_id, op_id, frame = _synthetic(db, count)
    tasks = frame["task"].to_numpy()
    rng = np.random.default_rng(11)
    with db.read() as conn:
        run = label_runs.run_of_operation(conn, op_id)
        assert conn.execute(select(func.count()).select_from(label_chunks)).scalar_one() == 4
        assert label_runs.labels_of_run(conn, run) == _expected(frame)
        for _ in range(40):
            low, high = sorted(int(x) for x in rng.integers(0, tasks.max() + 2, 2))
            limit = int(rng.choice([1, 50, label_runs.CHUNK, 2 * label_runs.CHUNK + 1, count]))
            part = frame[(frame["task"] >= low) & (frame["task"] <= high)].head(limit)
            assert label_runs.labels_of_run(conn, run, low, high, limit) == _expected(part), (low, high, limit)
            assert label_runs.labels_of_run(conn, run, low=low, limit=limit) == _expected(
                frame[frame["task"] >= low].head(limit))
            assert label_runs.labels_of_run(conn, run, high=high) == _expected(frame[frame["task"] <= high])
        asked = set(rng.choice(tasks, 300).tolist()) | {0, int(tasks.max()) + 1, int(tasks.max()) + 10**6}
        got = {s.task_id: (s.label, s.confidence) for s in label_runs.latest(conn, pool_id=pool_id, task_ids=asked)}
    assert got == {t: (label, share) for t, label, share in _expected(frame[frame["task"].isin(asked)])}


def test_the_api_pages_through_a_run_by_task_id(db: Database) -> None:
    _, op_id, frame = _synthetic(db, 2 * label_runs.CHUNK + 100)
    seen: list[str] = []
    query: dict[str, str] = {"limit": "3000"}
    while True:
        page = aggregation.labels_page(db, Settings(), op_id, query)
        seen += [item["task_id"] for item in page["items"]]
        if not page["has_more"]:
            break
        query = {"limit": "3000", "task_id_gt": seen[-1]}
    assert seen == [format_id(int(t)) for t in frame["task"]]
    tasks = frame["task"].tolist()
    middle = aggregation.labels_page(db, Settings(), op_id,
                                     {"task_id_gte": str(tasks[10]), "task_id_lt": str(tasks[20]), "limit": "100"})
    assert [i["task_id"] for i in middle["items"]] == [format_id(t) for t in tasks[10:20]]
    assert not middle["has_more"]
    lte = aggregation.labels_page(db, Settings(), op_id, {"task_id_gt": str(tasks[5]), "task_id_lte": str(tasks[9])})
    assert [i["task_id"] for i in lte["items"]] == [format_id(t) for t in tasks[6:10]]
    assert aggregation.labels_page(db, Settings(), op_id, {"task_id_gt": str(tasks[9]),
                                                           "task_id_lt": str(tasks[5])})["items"] == []
    with pytest.raises(ValidationFailed):
        aggregation.labels_page(db, Settings(), op_id, {"task_id_gt": "-1"})


def test_a_run_refuses_a_task_given_twice(db: Database) -> None:
    with pytest.raises(ValueError, match="twice"):
        label_runs.pack(1, [5, 3, 5], [0, 1, 0], [0.5, 0.5, 0.5])


def test_labels_given_in_task_order_or_not_pack_alike() -> None:
    """Task ids given sorted are packed as they come (no sort), shuffled ones sorted first: the same rows."""
    rng = np.random.default_rng(3)
    tasks = np.arange(10, 10_010, dtype=np.int64)
    codes, confidence = rng.integers(0, 3, len(tasks)), rng.random(len(tasks))
    order = rng.permutation(len(tasks))
    assert (label_runs.pack(4, tasks, codes, confidence, chunk=1000)
            == label_runs.pack(4, tasks[order], codes[order], confidence[order], chunk=1000))
    with pytest.raises(ValueError, match="length"):
        label_runs.pack(4, tasks, codes[:-1], confidence)


def test_migration_0026_carries_runs_of_many_chunks_over_and_back(db: Database) -> None:
    _, op_id, frame = _synthetic(db, 2 * label_runs.CHUNK + 7)
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, _integer_project(), pool, count=30, overlap=3, crowd=5, labels=(1, 2, 3))
    op_ids = [_run(db, filled.pool_id, "ds", "score"), _run(db, filled.pool_id, "mv", "score")]
    shown = _shown(db, filled.pool_id, op_ids)
    with db.read() as conn:
        before = conn.execute(select(label_chunks).order_by(label_chunks.c.run_id, label_chunks.c.last_task)).all()
    migrate(db, command.downgrade, BEFORE_CHUNKS)
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(aggregation_runs)).scalar_one() == 3
    migrate(db, command.upgrade, "head")
    with db.read() as conn:
        after = conn.execute(select(label_chunks).order_by(label_chunks.c.run_id, label_chunks.c.last_task)).all()
        run = label_runs.run_of_operation(conn, op_id)
        assert label_runs.labels_of_run(conn, run) == _expected(frame)
    assert after == before  # byte for byte
    assert _shown(db, filled.pool_id, op_ids) == shown
