"""A pool's answers read column-wise into the aggregation's integer codes: no Python object per answer.

The database hands over three columns — task id, worker id and the field's value taken out of the
stored solution by SQL (as text: a string field's value, else the value's JSON text) — in
assignment order. On PostgreSQL they come as one `COPY (…) TO STDOUT` in CSV read by arrow's CSV
reader; on SQLite as one row of three aggregates over the ordered query (`group_concat` of the ids,
`json_group_array` of the values), parsed in bulk. Labels are dictionary-encoded by arrow, so only
the distinct values are decoded (JSON) and sorted; task and worker ids are coded in order of first
appearance (`pd.factorize`), the contract of `clipcrowd.aggregation.Answers`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from pydantic_core import from_json
from sqlalchemy import JSON, Connection, Text, cast, func, literal, select

from clipcrowd.aggregation import Answers
from clipcrowd.aggregation.errors import EmptyAnswersError, MixedLabelTypesError
from clipcrowd.store.tables import assignment_tasks, assignments


def label_sql(conn: Connection, field: str, as_text: bool) -> Any:
    """SQL for the worker's value of `field` in the suite position's solution: as text (string
    fields), else as its JSON text (numbers and booleans keep their type once decoded)."""
    solutions, position = assignments.c.solutions, assignment_tasks.c.position
    if conn.dialect.name == "postgresql":
        if as_text:
            return func.json_extract_path_text(solutions, cast(position, Text), field, type_=Text)
        return cast(func.json_extract_path(solutions, cast(position, Text), field, type_=JSON), Text)
    path = literal("$[") + cast(position, Text) + literal("]." + json.dumps(field))
    return solutions.op("->>" if as_text else "->", return_type=Text)(path.self_group())


def _statement(conn: Connection, pool_id: int, statuses: Sequence[str], field: str, as_text: bool) -> str:
    at = assignment_tasks.c
    query = (select(at.task_id.label("task"), at.worker_id.label("worker"),
                    label_sql(conn, field, as_text).label("label"))
             .join_from(assignment_tasks, assignments, assignments.c.id == at.assignment_id)
             .where(assignments.c.pool_id == pool_id, assignments.c.status.in_(list(statuses)))
             .order_by(assignments.c.id, at.position))  # by the assignments index: no sort step on SQLite
    # every value here is ours (an int id, known statuses, a field name of the spec), bound as literals
    return str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))


def _columns_postgresql(conn: Connection, sql: str) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    buffer = io.BytesIO()
    with cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
        for block in copy:
            buffer.write(block)
    buffer.seek(0)
    table = pa_csv.read_csv(
        buffer, read_options=pa_csv.ReadOptions(column_names=["task", "worker", "label"]),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types={"task": pa.int64(), "worker": pa.int64(), "label": pa.string()},
            strings_can_be_null=True, quoted_strings_can_be_null=False))
    return (table.column("task").to_numpy(), table.column("worker").to_numpy(),
            table.column("label").combine_chunks())


def _columns_sqlite(conn: Connection, sql: str) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        # an aggregate query over an ORDER BY subquery is not flattened and keeps that ORDER BY, so
        # the aggregates take the rows in its order (test_answer_columns compares the order too)
        # CAST: a string field's stored value may be a JSON number (a spec changed after answers came);
        # PostgreSQL's text extraction gives its text, and so does this
        cursor.execute(f"SELECT group_concat(task), group_concat(worker), json_group_array(CAST(label AS TEXT)) "
                       f"FROM ({sql})")
        task_text, worker_text, label_text = cursor.fetchone()
    finally:
        cursor.close()
    if task_text is None:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, pa.array([], type=pa.string())
    return (np.array(task_text.split(","), dtype=np.int64), np.array(worker_text.split(","), dtype=np.int64),
            pa.array(from_json(label_text, cache_strings="all"), type=pa.string()))


def read_answers(conn: Connection, pool_id: int, statuses: Sequence[str], field: str, as_text: bool) -> Answers:
    """The pool's answers with these statuses as coded `Answers` (task and worker values are the
    integer ids). Answers without a value for the field (an optional output left empty, or null)
    are left out. Raises `EmptyAnswersError` when none is left."""
    sql = _statement(conn, pool_id, statuses, field, as_text)
    reader = _columns_postgresql if conn.dialect.name == "postgresql" else _columns_sqlite
    task_ids, worker_ids, text = reader(conn, sql)
    encoded = text.dictionary_encode()
    present = encoded.indices.is_valid().to_numpy(zero_copy_only=False)
    texts = encoded.dictionary.to_pylist()
    values = texts if as_text else [json.loads(t) for t in texts]
    # distinct texts may decode to one value (1 and 1.0); JSON null is no answer
    merged, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    if texts:
        label_raw = np.where(present, merged.take(encoded.indices.fill_null(0).to_numpy()), -1)
    else:
        label_raw = np.full(len(present), -1)
    keep = label_raw >= 0
    if not keep.all():
        task_ids, worker_ids, label_raw = task_ids[keep], worker_ids[keep], label_raw[keep]
    if len(task_ids) == 0:
        raise EmptyAnswersError("no answer holds a value for this field: nothing to aggregate")
    labels = pd.Index(uniques)
    try:
        order = labels.argsort()
    except TypeError as exc:
        raise MixedLabelTypesError(f"labels mix values that cannot be compared: {exc}") from exc
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    task_codes, tasks = pd.factorize(task_ids)
    worker_codes, workers = pd.factorize(worker_ids)
    return Answers.from_codes(task_codes.astype(np.int32), worker_codes.astype(np.int32),
                              rank.take(label_raw), pd.Index(tasks), pd.Index(workers), labels.take(order))
