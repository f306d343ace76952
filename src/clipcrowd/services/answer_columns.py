"""A pool's answers read column-wise into the aggregation's integer codes: no Python object per answer.

The database hands over three columns — task id, worker id and the answer's value of the field as
JSON text — in assignment order, as ONE row of aggregates over the ordered query: on SQLite
`group_concat` of each column, on PostgreSQL `string_agg` of each id's 8 bytes (`int8send`) and of
the values. The values come from `answer_values` (kept by the database from the stored solutions,
migration 0021), a range of its key per (pool, field); when some answer there holds an object or an
array (a field whose spec changed after answers came), from the stored `solutions` themselves, as
before that table. Values are split and dictionary-encoded by arrow, so only the distinct values
are decoded (JSON) and sorted; task and worker ids are coded in order of first appearance
(`pd.factorize`), the contract of `clipcrowd.aggregation.Answers`.

Where the pool's answers are packed (`services.answer_chunks`), the chunks are read instead and only
the assignment ranges no chunk covers are read from `answer_values` as above; the pieces join in
assignment order, their value codes mapped onto one dictionary of texts: the same columns, from a
few dozen rows. Ids are coded without hashing where they span a range not far above their count.

Values are joined with U+001F between them: a JSON text never holds that character unescaped
(JSON requires control characters in strings to be escaped; both databases refuse them raw).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import ColumnElement, Connection, Dialect, Text, cast, func, literal, literal_column, select

from clipcrowd.aggregation import Answers
from clipcrowd.aggregation.errors import EmptyAnswersError, MixedLabelTypesError
from clipcrowd.services import answer_chunks
from clipcrowd.store.tables import answer_values, assignment_tasks, assignments

SEPARATOR = "\x1f"
#: more ranges than this outside the packed chunks and the whole field is read from `answer_values`
MAX_GAPS = 16
#: ids spanning at most this many values are coded block by block (of this many rows) until all are seen
FEW_IDS = 4096
_Columns = tuple[np.ndarray, np.ndarray, pa.Array]
#: task ids, worker ids, value codes, the values' texts, and the table from codes to positions in
#: the texts (None: the codes are those positions)
_Coded = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[Any], list[str], npt.NDArray[np.int32] | None]


def json_value_sql(conn: Connection, field: str) -> Any:
    """SQL for the worker's value of `field` in the suite position's stored solution, as JSON text
    (NULL when absent; the text ``null`` for a JSON null)."""
    solutions, position = assignments.c.solutions, assignment_tasks.c.position
    if conn.dialect.name == "postgresql":
        return cast(func.json_extract_path(solutions, cast(position, Text), field), Text)
    path = literal("$[") + cast(position, Text) + literal("]." + json.dumps(field))
    return solutions.op("->", return_type=Text)(path.self_group())


def _aggregated(dialect: Dialect, rows: Any) -> str:
    """One row of three aggregates — task ids, worker ids, the labels joined by `SEPARATOR` — over
    the subquery `rows` (columns task, worker, label), taking its rows in their order."""
    c = rows.c
    if dialect.name == "postgresql":
        joined: ColumnElement[Any] = literal_column("''::bytea")
        aggregates = [func.string_agg(func.int8send(c.task), joined), func.string_agg(func.int8send(c.worker), joined),
                      func.string_agg(c.label, SEPARATOR)]
    else:
        aggregates = [func.group_concat(c.task), func.group_concat(c.worker), func.group_concat(c.label, SEPARATOR)]
    # every value here is ours (an int id, known statuses, a field name of the spec), bound as literals
    return str(select(*aggregates).select_from(rows).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _stored_statement(conn: Connection, pool_id: int, statuses: Sequence[str], field: str,
                      within: answer_chunks.Range | None = None) -> str:
    return _stored_sql(conn.dialect, pool_id, tuple(statuses), field, within)


@functools.lru_cache(maxsize=256)
def _stored_sql(dialect: Dialect, pool_id: int, statuses: tuple[str, ...], field: str,
                within: answer_chunks.Range | None) -> str:
    """The SQL text (kept: compiling it costs more than running it on a pool's newest answers)."""
    v = answer_values.c
    rows = (select(v.task_id.label("task"), v.worker_id.label("worker"), v.value.label("label"))
            .where(v.pool_id == pool_id, v.field == field, v.status.in_(list(statuses))))
    if within is not None:  # a range of the primary key's next column: still one range, in key order
        rows = rows.where(v.assignment_id >= within[0])
        if within[1] is not None:
            rows = rows.where(v.assignment_id <= within[1])
    if dialect.name == "sqlite":
        # a subquery without ORDER BY is flattened into the aggregates, whose one search of the primary
        # key's range visits the rows in key order, i.e. assignment order (a third of the time an
        # ordered subquery takes, which passes every row through a co-routine)
        return _aggregated(dialect, rows.subquery())
    return _aggregated(dialect, rows.order_by(v.assignment_id, v.position).subquery())


def _solutions_statement(conn: Connection, pool_id: int, statuses: Sequence[str], field: str) -> str:
    at = assignment_tasks.c
    label = json_value_sql(conn, field)
    rows = (select(at.task_id.label("task"), at.worker_id.label("worker"), label.label("label"))
            .join_from(assignment_tasks, assignments, assignments.c.id == at.assignment_id)
            .where(assignments.c.pool_id == pool_id, assignments.c.status.in_(list(statuses)),
                   label.is_not(None), label != "null")
            .order_by(assignments.c.id, at.position))  # by the assignments index: no sort step on SQLite
    return _aggregated(conn.dialect, rows.subquery())


def _one_row(conn: Connection, sql: str) -> _Columns:
    """The three aggregates of `_aggregated`, parsed in bulk. A NULL label is left out of the labels
    only: then there are fewer labels than ids."""
    # An aggregate over an ORDER BY subquery takes the rows in that order: the subquery is neither
    # flattened (SQLite) nor pulled up (PostgreSQL) because of its ORDER BY (test_answer_columns
    # compares the order too).
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        task_raw, worker_raw, label_text = cursor.fetchone()
    finally:
        cursor.close()
    if task_raw is None:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, pa.array([], type=pa.string())
    if conn.dialect.name == "postgresql":  # big-endian 8-byte integers
        task_ids = np.frombuffer(task_raw, dtype=">i8").astype(np.int64)
        worker_ids = np.frombuffer(worker_raw, dtype=">i8").astype(np.int64)
    else:
        task_ids = np.fromstring(task_raw, dtype=np.int64, sep=",")
        worker_ids = np.fromstring(worker_raw, dtype=np.int64, sep=",")
    labels = (pa.array([], type=pa.string()) if label_text is None
              else pc.split_pattern(pa.array([label_text]), SEPARATOR).flatten())
    return task_ids, worker_ids, labels


def read_columns(conn: Connection, pool_id: int, statuses: Sequence[str], field: str) -> _Columns:
    """(task ids, worker ids, the values' JSON texts) of the pool's answers to `field` with these
    statuses, in assignment order; answers without a value (absent, JSON null) left out."""
    columns = _one_row(conn, _stored_statement(conn, pool_id, statuses, field))
    if len(columns[2]) < len(columns[0]):  # a NULL value: an object or an array, whose text is in the solutions
        columns = _one_row(conn, _solutions_statement(conn, pool_id, statuses, field))
    return columns


def _from_pieces(conn: Connection, pool_id: int, statuses: Sequence[str], field: str) -> _Coded | None:
    """(task ids, worker ids, value codes, the codes' JSON texts) from the packed chunks
    (`services.answer_chunks`) and, for the ranges no chunk covers, `answer_values`, in assignment
    order; None when there are too many such ranges or some value is NULL (read as before then)."""
    pieces, gaps = answer_chunks.read(conn, pool_id, field, statuses)
    if not pieces or len(gaps) > MAX_GAPS:
        return None
    for within in gaps:
        task_ids, worker_ids, labels = _one_row(conn, _stored_statement(conn, pool_id, statuses, field, within))
        if len(labels) < len(task_ids):
            return None
        encoded = labels.dictionary_encode()
        pieces.append(answer_chunks.Piece(within[0], task_ids, worker_ids,
                                          encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32),
                                          encoded.dictionary.to_pylist()))
    pieces.sort(key=lambda piece: piece.start)
    index: dict[str, int] = {}
    tables: dict[tuple[str, ...], npt.NDArray[np.int32] | None] = {}  # chunks mostly share their texts
    codes = []
    for piece in pieces:
        if len(piece.codes) and int(piece.codes.min()) < 0:
            return None
        own = tuple(piece.texts)
        if own not in tables:
            table = np.array([index.setdefault(t, len(index)) for t in own], dtype=np.int32)
            tables[own] = None if np.array_equal(table, np.arange(len(table))) else table
        mapped = tables[own]
        codes.append(piece.codes if mapped is None or not len(piece.codes) else mapped.take(piece.codes))
    # the texts the kept rows use, in order of first appearance (as arrow's dictionary of the rows
    # would be: of two texts of one value, 1 and 1.0, the first one's value is the label), found
    # piece by piece until every text is seen (usually in the first piece)
    seen = np.zeros(len(index), dtype=bool)
    order: list[int] = []
    for part in codes:
        if seen.all():
            break
        present, first = np.unique(part, return_index=True)
        new = ~seen[present]
        order += present[new][np.argsort(first[new], kind="stable")].tolist()
        seen[present] = True
    renumber = None
    if order != list(range(len(index))):  # else the codes already number the texts in that order
        renumber = np.zeros(len(index), dtype=np.int32)
        renumber[order] = np.arange(len(order), dtype=np.int32)
    texts = list(index)
    return (np.concatenate([p.task_ids for p in pieces]), np.concatenate([p.worker_ids for p in pieces]),
            np.concatenate(codes), [texts[k] for k in order], renumber)


def _factorize_ids(ids: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """`pd.factorize(ids)` (codes in order of first appearance, and the uniques in that order) for
    ids in a span not far above their count (a pool's task and worker ids): each id's first row by
    one pass over a table as long as the span, no hashing (a quarter of factorize's time)."""
    if len(ids) == 0:
        return np.empty(0, dtype=np.int32), ids
    low = int(ids.min())
    span = int(ids.max()) - low + 1
    if span > 4 * len(ids) + 1024:
        codes, uniques = pd.factorize(ids)
        return codes.astype(np.int32), uniques
    slot = ids - low
    renumber = np.empty(span, dtype=np.int32)
    if span <= FEW_IDS:  # a pool's workers: the few ids are all seen within the first rows
        present = int(np.count_nonzero(np.bincount(slot, minlength=span)))
        order: list[int] = []
        seen = np.zeros(span, dtype=bool)
        for start in range(0, len(slot), FEW_IDS):
            block, first_row = np.unique(slot[start:start + FEW_IDS], return_index=True)
            new_ids = ~seen[block]
            order += block[new_ids][np.argsort(first_row[new_ids], kind="stable")].tolist()
            seen[block] = True
            if len(order) == present:
                break
        renumber[order] = np.arange(len(order), dtype=np.int32)
        return renumber.take(slot), np.array(order, dtype=np.int64) + low
    first = np.full(span, len(ids), dtype=np.intp)
    np.minimum.at(first, slot, np.arange(len(ids)))
    new = np.zeros(len(ids), dtype=bool)
    new[first[first < len(ids)]] = True
    found = slot[new]  # the distinct slots in order of first appearance
    renumber[found] = np.arange(len(found), dtype=np.int32)
    return renumber.take(slot), found + low


def read_answers(conn: Connection, pool_id: int, statuses: Sequence[str], field: str, as_text: bool) -> Answers:
    """The pool's answers with these statuses as coded `Answers` (task and worker values are the
    integer ids). `as_text` (a string field): a value that is not a JSON string is taken as its
    JSON text. Answers without a value for the field (an optional output left empty, or null) are
    left out. Raises `EmptyAnswersError` when none is left."""
    coded = _from_pieces(conn, pool_id, statuses, field)
    if coded is None:
        task_ids, worker_ids, text = read_columns(conn, pool_id, statuses, field)
        encoded = text.dictionary_encode()
        coded = (task_ids, worker_ids, encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary.to_pylist(),
                 None)
    task_ids, worker_ids, raw, texts, positions = coded
    if len(task_ids) == 0:
        raise EmptyAnswersError("no answer holds a value for this field: nothing to aggregate")
    values = [json.loads(t) for t in texts]
    if as_text:
        values = [v if isinstance(v, str) else t for v, t in zip(values, texts, strict=True)]
    # distinct texts may decode to one value (1 and 1.0, "é" and "\u00e9")
    merged, uniques = pd.factorize(pd.Series(values, dtype=object))
    labels = pd.Index(uniques)
    try:
        order = labels.argsort()
    except TypeError as exc:
        raise MixedLabelTypesError(f"labels mix values that cannot be compared: {exc}") from exc
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    by_code = rank.take(merged)  # each text's label code: one pass over the answers below
    if positions is not None:
        by_code = by_code.take(positions)
    task_codes, tasks = _factorize_ids(task_ids)
    worker_codes, workers = _factorize_ids(worker_ids)
    # the codes are made here: tasks and workers by `_factorize_ids` (first appearance, every id
    # used), labels through `rank` (within the sorted labels); only the labels are checked again
    return Answers.from_codes(task_codes, worker_codes, by_code.take(raw), pd.Index(tasks), pd.Index(workers),
                              labels.take(order), per_answer_checks=False)
