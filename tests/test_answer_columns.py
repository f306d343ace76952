"""Aggregating a pool from answers read column-wise (`services.answer_columns`, from `answer_values`)
gives the labels the row-by-row frame read from the stored solutions (`services.aggregation.load_answers`)
gives, on SQLite and PostgreSQL: string, integer, float and boolean fields, answers without a value or
with a JSON null left out, answers edited by hand, a spec changed after the answers came, a string
field holding numbers; and coded answers that break the contract are refused."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select, update

from clipcrowd.aggregation import Answers, aggregate
from clipcrowd.aggregation.errors import AggregationInputError
from clipcrowd.domain.ids import format_id
from clipcrowd.services import aggregation, bulk_fill, label_runs, operations
from clipcrowd.store.db import Database
from clipcrowd.store.tables import assignments, pools, projects
from tests.factories import aggregate_in_process, pool_body, text_project


def _integer_project(kind: str = "integer") -> dict[str, Any]:
    body = text_project()
    body["task_spec"] = {"input_spec": {"text": {"type": "string"}},
                         "output_spec": {"score": {"type": kind}}}
    return body


def _scramble(db: Database, pool_id: str, field: str, labels: list[Any]) -> None:
    """Random labels, and a few answers without the field or with a JSON null."""
    rng = random.Random(7)
    with db.write() as conn:
        rows = conn.execute(select(assignments.c.id, assignments.c.solutions)
                            .where(assignments.c.pool_id == int(pool_id))).all()
        for n, (aid, solutions) in enumerate(rows):
            new = []
            for _ in solutions:
                roll = rng.random()
                new.append({} if roll < 0.03 else {field: None} if roll < 0.05 else {field: rng.choice(labels)})
            if n % 2:
                conn.execute(update(assignments).where(assignments.c.id == aid).values(solutions=new))


def _old_labels(db: Database, request: aggregation.AggregationRequest) -> dict[str, Any]:
    with db.read() as conn:
        frame, _ = aggregation.load_answers(conn, request)
    result = aggregate(frame, request.method)
    return {k: v for k, v in result.labels.dropna().items()}


KINDS = {"string": (text_project(), "result", ["a", "b"]), "integer": (_integer_project(), "score", [1, 2, 3]),
         "float": (_integer_project("float"), "score", [0.1, 0.30000000000000004, 2.5]),
         "boolean": (_integer_project("boolean"), "score", [True, False])}


@pytest.mark.parametrize("kind", list(KINDS))
def test_column_wise_aggregation_stores_the_row_path_labels(db: Database, kind: str) -> None:
    project, field, labels = KINDS[kind]
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, project, pool, count=400, overlap=3, suite=2, crowd=9, labels=labels)
    _scramble(db, filled.pool_id, field, labels)
    for method in ("ds", "mv"):
        request = aggregation.AggregationRequest(int(filled.pool_id), method, field, False, {})
        expected = _old_labels(db, request)
        op_id = aggregate_in_process(db, request)
        assert operations.get(db, op_id)["status"] == "SUCCESS"
        with db.read() as conn:
            run = label_runs.run_of_operation(conn, op_id)
            stored = {format_id(t): label for t, label, _ in label_runs.labels_of_run(conn, run)}
        assert stored == expected and len(stored) > 300
        assert {type(v) for v in stored.values()} == {type(labels[0])}
        assert set(stored.values()) == set(labels)  # floats to the last digit


def test_column_wise_answers_equal_the_frame(db: Database) -> None:
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, text_project(), pool, count=50, overlap=3, crowd=5)
    _scramble(db, filled.pool_id, "result", ["a", "b"])
    request = aggregation.AggregationRequest(int(filled.pool_id), "ds", "result", False, {})
    with db.read() as conn:
        frame, _ = aggregation.load_answers(conn, request)
        coded, _ = aggregation.load_coded(conn, request)
    rebuilt = pd.DataFrame({"task": [format_id(t) for t in coded.tasks.take(coded.task)],
                            "worker": [format_id(w) for w in coded.workers.take(coded.worker)],
                            "label": coded.labels.take(coded.label)})
    assert rebuilt.to_dict("records") == frame.astype({"task": str, "worker": str}).to_dict("records")


def test_a_field_nobody_filled_fails_the_run_with_a_message(db: Database) -> None:
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, text_project(), pool, count=5, overlap=3, crowd=3)
    with db.write() as conn:
        conn.execute(update(assignments).where(assignments.c.pool_id == int(filled.pool_id)).values(solutions=[{}]))
    request = aggregation.AggregationRequest(int(filled.pool_id), "ds", "result", False, {})
    op_id = aggregate_in_process(db, request)
    op = operations.get(db, op_id)
    assert op["status"] == "FAIL" and "nothing to aggregate" in op["details"]["error"]


@pytest.mark.parametrize("task,worker,label,labels", [
    ([0, 2], [0, 1], [0, 1], ["a", "b"]),  # a task code outside its index
    ([1, 0], [0, 1], [0, 1], ["a", "b"]),  # tasks not in order of first appearance
    ([0, 1], [0, 1], [0, 1], ["b", "a"]),  # labels not sorted
    ([0, 1], [0, 1], [0, 1], ["a", 1]),  # labels of two kinds
    ([0, 1], [0], [0, 1], ["a", "b"]),  # lengths differ
    ([], [], [], ["a"]),  # nothing
])
def test_coded_answers_breaking_the_contract_are_refused(task: list[int], worker: list[int], label: list[int],
                                                          labels: list[Any]) -> None:
    with pytest.raises(AggregationInputError):
        Answers.from_codes(np.array(task, dtype=np.int32), np.array(worker, dtype=np.int32),
                           np.array(label, dtype=np.int32), pd.Index([10, 11]), pd.Index([20, 21]),
                           pd.Index(labels, dtype=object))


def test_the_reader_s_codes_skip_only_the_per_answer_checks() -> None:
    """`per_answer_checks=False` (the column reader's own codes) takes the codes as they are, and
    still refuses unsorted labels, labels of two kinds and code arrays of different lengths."""
    task, worker, label = (np.array(v, dtype=np.int32) for v in ([0, 1, 1], [0, 0, 1], [1, 0, 1]))
    trusted = Answers.from_codes(task, worker, label, pd.Index([10, 11]), pd.Index([20, 21]),
                                 pd.Index(["a", "b"], dtype=object), per_answer_checks=False)
    checked = Answers.from_codes(task, worker, label, pd.Index([10, 11]), pd.Index([20, 21]),
                                 pd.Index(["a", "b"], dtype=object))
    for name in ("task", "worker", "label"):
        assert np.array_equal(getattr(trusted, name), getattr(checked, name))
    assert aggregate(trusted, "ds").labels.to_dict() == aggregate(checked, "ds").labels.to_dict()
    for labels, codes in ((["b", "a"], label), (["a", 1], label), (["a", "b"], label[:2])):
        with pytest.raises(AggregationInputError):
            Answers.from_codes(task, worker, codes, pd.Index([10, 11]), pd.Index([20, 21]),
                               pd.Index(labels, dtype=object), per_answer_checks=False)


def test_stored_label_codes_come_from_the_aggregation_s_codes() -> None:
    """The run stores each task's label as a code into the labels some task got, sorted, taken from
    the codes `aggregate` found: a label nobody's task got is left out, and a method's label outside
    the answers' labels falls back to hashing the labels."""
    answers = pd.DataFrame({"task": [1, 1, 1, 2, 2, 2, 3], "worker": [7, 8, 9, 7, 8, 9, 7],
                            "label": ["c", "c", "a", "c", "b", "c", "c"]})
    result = aggregate(answers, "mv")
    codes, values = aggregation._label_codes(result, result.model._answers)
    assert list(values) == ["c"] and [values[c] for c in codes] == result.labels.tolist()
    odd = type(result)(**{**result.__dict__, "labels": result.labels.where(result.labels.index != 3, "z"),
                          "label_codes": np.where(result.labels.index == 3, -1, result.label_codes)})
    codes, values = aggregation._label_codes(odd, result.model._answers)
    assert [values[c] for c in codes] == ["c", "c", "z"]


def test_a_string_field_holding_numbers_aggregates_them_as_text(db: Database) -> None:
    """Answers stored as numbers under a field the spec now calls a string (the spec changed after they
    came) are read as their text on both databases, not refused by the column reader."""
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, text_project(), pool, count=30, overlap=3, crowd=5, labels=[1, 2])
    request = aggregation.AggregationRequest(int(filled.pool_id), "mv", "result", False, {})
    op_id = aggregate_in_process(db, request)
    assert operations.get(db, op_id)["status"] == "SUCCESS"
    with db.read() as conn:
        stored = [label for _, label, _ in label_runs.labels_of_run(conn, label_runs.run_of_operation(conn, op_id))]
    assert len(stored) == 30 and set(stored) <= {"1", "2"}


def test_a_spec_changed_after_the_answers_aggregates_as_the_solutions_say(db: Database) -> None:
    """`answer_values` does not depend on the spec: a string field turned integer after its answers
    came aggregates what the row path reads from the solutions (text labels)."""
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, text_project(), pool, count=40, overlap=3, crowd=5, labels=["1", "2"])
    with db.write() as conn:
        project_id = conn.execute(select(pools.c.project_id).where(pools.c.id == int(filled.pool_id))).scalar_one()
        data = conn.execute(select(projects.c.data).where(projects.c.id == project_id)).scalar_one()
        data["task_spec"]["output_spec"]["result"] = {"type": "integer"}
        conn.execute(update(projects).where(projects.c.id == project_id).values(data=data))
    request = aggregation.AggregationRequest(int(filled.pool_id), "mv", "result", False, {})
    expected = _old_labels(db, request)
    op_id = aggregate_in_process(db, request)
    with db.read() as conn:
        stored = {format_id(t): label for t, label, _ in
                  label_runs.labels_of_run(conn, label_runs.run_of_operation(conn, op_id))}
    assert stored == expected and set(stored.values()) == {"1", "2"}
