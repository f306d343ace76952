"""A pool's answers to a field kept packed (`answer_chunks`, migration 0027_aggregate), so that an
aggregation reads a few dozen rows of arrays instead of a row per answer.

A chunk copies the `answer_values` rows of an assignment-id range, in (assignment, position) order:
task and worker ids, status codes and value codes into the chunk's own dictionary. Triggers delete a
chunk whenever a row in its range changes (an answer added, re-submitted, accepted, rejected,
deleted), so a chunk that exists says what `answer_values` says; rows outside every chunk are read
from `answer_values` (`services.answer_columns`). `pack` fills the ranges no chunk covers: every gap
a trigger left, and the rows after the last chunk once they make a full chunk (the newest answers
stay unpacked until then, so a pool still being answered is packed a chunk at a time).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Connection, func, insert, select, text

from clipcrowd.store.db import Database
from clipcrowd.store.tables import answer_chunks, answer_values

#: Answers per chunk (at least; a chunk ends with an assignment): 300,000 answers are 73 rows.
CHUNK = 4096
#: The advisory lock's first key on PostgreSQL (the migration's triggers take it shared).
LOCK_CLASS = 27
#: How a packed column may be laid out: as offsets from a base, in the narrowest of these that holds
#: them (little-endian whatever the machine); a chunk's task ids span a few thousand, its workers,
#: statuses and values fewer, so most columns take one or two bytes an answer.
WIDTHS = (np.dtype("u1"), np.dtype("<u2"), np.dtype("<u4"), np.dtype("<i8"))
PACKED = ("task_ids", "worker_ids", "status_codes", "value_codes")

#: An assignment-id range, both ends included; None: no upper end.
Range = tuple[int, int | None]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Piece:
    """Answers of one assignment range, in order: task and worker ids, and value codes into `texts`
    (the values' JSON texts; -1 for an answer whose value is NULL in `answer_values`)."""

    start: int
    task_ids: IntArray
    worker_ids: IntArray
    codes: npt.NDArray[np.int32]
    texts: list[str]


def uncovered(covered: Sequence[tuple[int, int]]) -> list[Range]:
    """The assignment ids (from 1: ids are positive) outside the ranges of `covered`, sorted by end."""
    gaps: list[Range] = []
    after = 0
    for first, last in covered:
        if first > after + 1:
            gaps.append((after + 1, first - 1))
        after = last
    gaps.append((after + 1, None))
    return gaps


def _key(pool_id: int, field: str) -> list[Any]:
    c = answer_chunks.c
    return [c.pool_id == pool_id, c.field == field]


def read(conn: Connection, pool_id: int, field: str, statuses: Sequence[str]) -> tuple[list[Piece], list[Range]]:
    """The packed answers with these statuses (a piece per chunk), and the ranges no chunk covers."""
    c = answer_chunks.c
    query = (select(c.first_assignment, c.last_assignment, c.status_codes, c.task_ids, c.worker_ids, c.value_codes,
                    c.dictionary).where(*_key(pool_id, field)).order_by(c.last_assignment))
    pieces = []
    covered = []
    for first, last, status_codes, task_ids, worker_ids, value_codes, dictionary_text in _fetch(conn, query):
        dictionary = json.loads(dictionary_text)
        layout = dictionary["layout"]
        wanted = np.array([status in statuses for status in dictionary["statuses"]], dtype=bool)
        keep: Any = slice(None)
        if not wanted.all():
            keep = wanted.take(_widen(status_codes, layout["status_codes"]))
        pieces.append(Piece(first, _widen(task_ids, layout["task_ids"])[keep],
                            _widen(worker_ids, layout["worker_ids"])[keep],
                            _widen(value_codes, layout["value_codes"]).astype(np.int32)[keep], dictionary["values"]))
        covered.append((first, last))
    return pieces, uncovered(covered)


def _narrow(values: npt.NDArray[np.int64]) -> tuple[bytes, list[Any]]:
    """A column's bytes as offsets from its lowest value in the narrowest width that holds them,
    and how to read them back ([base, width])."""
    if len(values) == 0:
        return b"", [0, WIDTHS[0].str]
    base = int(values.min())
    span = int(values.max()) - base
    for width in WIDTHS[:-1]:
        if span <= np.iinfo(width).max:
            return (values - base).astype(width).tobytes(), [base, width.str]
    return values.astype(WIDTHS[-1]).tobytes(), [0, WIDTHS[-1].str]


def _widen(packed: bytes, layout: list[Any]) -> IntArray:
    base, width = layout
    offsets = np.frombuffer(packed, dtype=np.dtype(width))
    out = offsets.astype(np.int64)
    if base:
        out += base
    return out


def _fetch(conn: Connection, query: Any) -> list[tuple[Any, ...]]:
    """The rows of `query` from a plain driver cursor: no row objects, and on PostgreSQL in binary
    form (a `bytea` as its bytes, not hex text to decode). Every value bound is ours (ids, a field
    name of the spec), rendered as a literal."""
    sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    driver = conn.connection.driver_connection
    cursor = driver.cursor(binary=True) if conn.dialect.name == "postgresql" else driver.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _ranges(conn: Connection, pool_id: int, field: str) -> list[tuple[int, int]]:
    c = answer_chunks.c
    found = conn.execute(select(c.first_assignment, c.last_assignment).where(*_key(pool_id, field))
                         .order_by(c.last_assignment))
    return [(first, last) for first, last in found]


def worth_packing(conn: Connection, pool_id: int, field: str) -> bool:
    """Whether some gap between chunks is left, or a full chunk of answers waits after the last."""
    gaps = uncovered(_ranges(conn, pool_id, field))
    if len(gaps) > 1:
        return True
    v = answer_values.c
    tail = (select(v.assignment_id).where(v.pool_id == pool_id, v.field == field, v.assignment_id >= gaps[0][0])
            .limit(CHUNK).subquery())
    return int(conn.execute(select(func.count()).select_from(tail)).scalar_one()) >= CHUNK


def pack(db: Database, pool_id: int, field: str) -> int:
    """Pack the answers no chunk covers (see the module's docstring; `worth_packing` says whether
    there are any); how many chunks it wrote. On PostgreSQL a writer of the pool's answers holding
    its lock means nothing is packed this time."""
    with db.write() as conn:
        if conn.dialect.name == "postgresql" and not conn.execute(
                text("SELECT pg_try_advisory_xact_lock(:lock, CAST(:pool AS integer))"),
                {"lock": LOCK_CLASS, "pool": pool_id % 2147483647}).scalar():
            return 0
        rows: list[dict[str, Any]] = []
        for low, high in uncovered(_ranges(conn, pool_id, field)):
            rows += _chunks(pool_id, field, low, high, _rows(conn, pool_id, field, low, high))
        if rows:
            conn.execute(insert(answer_chunks), rows)
    return len(rows)


def _rows(conn: Connection, pool_id: int, field: str, low: int, high: int | None) -> list[tuple[Any, ...]]:
    """(assignment, task, worker, status, value) of the range's `answer_values` rows, in key order."""
    v = answer_values.c
    query = (select(v.assignment_id, v.task_id, v.worker_id, v.status, v.value)
             .where(v.pool_id == pool_id, v.field == field, v.assignment_id >= low)
             .order_by(v.assignment_id, v.position))
    if high is not None:
        query = query.where(v.assignment_id <= high)
    return _fetch(conn, query)


def _chunks(pool_id: int, field: str, low: int, high: int | None, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """`answer_chunks` rows of the range's rows: CHUNK answers or a few more (up to the end of an
    assignment) each; a gap (`high` given) is covered whole, even by a chunk of no answers; of the
    open range after the last chunk only full chunks are packed."""
    if not rows:
        return [] if high is None else [_chunk(pool_id, field, low, high, rows, None, None)]
    assignment = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    statuses, status_names = pd.factorize(np.array([row[3] for row in rows], dtype=object))
    values, value_texts = pd.factorize(np.array([row[4] for row in rows], dtype=object))  # NULL: -1
    starts = np.flatnonzero(assignment[1:] != assignment[:-1]) + 1  # rows where an assignment begins
    out, start, first = [], 0, low
    while start < len(rows):
        if high is None and len(rows) - start < CHUNK:
            break
        found = int(np.searchsorted(starts, start + CHUNK))
        end = int(starts[found]) if found < len(starts) else len(rows)
        last = high if end == len(rows) and high is not None else int(assignment[end - 1])
        out.append(_chunk(pool_id, field, first, last, rows[start:end],
                          (statuses[start:end], status_names), (values[start:end], value_texts)))
        first, start = last + 1, end
    return out


def _local(codes: npt.NDArray[np.intp], names: Any) -> tuple[npt.NDArray[np.int64], list[Any]]:
    """Codes renumbered into the names the slice uses (-1 kept), and those names."""
    used = np.unique(codes[codes >= 0])
    table = np.full(len(names) + 1, -1, dtype=np.int64)  # the last entry: -1 stays -1
    table[used] = np.arange(len(used))
    return table.take(codes), [names[i] for i in used.tolist()]


def _chunk(pool_id: int, field: str, first: int, last: int, rows: list[tuple[Any, ...]],
           statuses: tuple[Any, Any] | None, values: tuple[Any, Any] | None) -> dict[str, Any]:
    status_codes, status_names = _local(*statuses) if statuses else (np.empty(0, np.int64), [])
    value_codes, value_texts = _local(*values) if values else (np.empty(0, np.int64), [])
    columns = {"task_ids": np.fromiter((row[1] for row in rows), dtype=np.int64, count=len(rows)),
               "worker_ids": np.fromiter((row[2] for row in rows), dtype=np.int64, count=len(rows)),
               "status_codes": status_codes, "value_codes": value_codes}
    packed = {name: _narrow(column) for name, column in columns.items()}
    return {"pool_id": pool_id, "field": field, "first_assignment": first, "last_assignment": last,
            "answers": len(rows), **{name: blob for name, (blob, _) in packed.items()},
            "dictionary": json.dumps({"statuses": status_names, "values": value_texts,
                                      "layout": {name: layout for name, (_, layout) in packed.items()}})}
