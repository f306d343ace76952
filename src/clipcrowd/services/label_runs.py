"""Stored aggregation results: one run per (pool, field, method), its labels in packed chunks.

A run (`aggregation_runs`) holds what all its labels share — pool, field, method, operation, time
and the distinct label values as one JSON list — and its labels (`label_chunks`) are packed arrays
of task ids, label indexes and confidences, `CHUNK` tasks a row in ascending task id, keyed by
(run, the chunk's last task id). Storing a run of 100,000 labels is therefore 25 rows in one
statement (no Python object, no B-tree entry per label) plus deleting the run it replaces, in the
same transaction: a reader never sees half a run, nor two runs of one method on one field.

Every reader goes through here: a run's page by task id (the API), each task's latest label per
field over a pool's runs (the desk, exports, camera events). A reader unpacks only the chunks that
hold the tasks it asks for.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, delete, insert, select

from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import aggregation_runs, label_chunks, tasks

#: Labels per stored chunk: a page of a few labels unpacks 80 kB at most, a run of 100,000 is 25 rows.
CHUNK = 4096
#: How each packed column is laid out (little-endian whatever the machine).
TASK, CODE, CONFIDENCE = np.dtype("<i8"), np.dtype("<i4"), np.dtype("<f8")

_Arrays = tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float64]]


@dataclass(frozen=True)
class StoredLabel:
    """One task's label from one run."""

    task_id: int
    field: str
    method: str
    label: Any
    confidence: float
    created: datetime


def pack(run_id: int, task_ids: npt.ArrayLike, codes: npt.ArrayLike, confidence: npt.ArrayLike,
         chunk: int = CHUNK) -> list[dict[str, Any]]:
    """`label_chunks` rows of a run's labels (task ``task_ids[i]`` got label index ``codes[i]``), in
    any order; a task id given twice is refused."""
    task_array = np.asarray(task_ids, dtype=TASK)
    code_array = np.asarray(codes, dtype=CODE)
    confidence_array = np.asarray(confidence, dtype=CONFIDENCE)
    if len(task_array) > 1 and not bool(np.all(task_array[1:] > task_array[:-1])):  # else sorted already
        order = np.argsort(task_array, kind="stable")
        task_array = task_array[order]
        if bool(np.any(task_array[1:] == task_array[:-1])):
            raise ValueError("a run stores one label per task: some task id is given twice")
        code_array, confidence_array = code_array[order], confidence_array[order]
    if not len(code_array) == len(confidence_array) == len(task_array):
        raise ValueError("task ids, label indexes and confidences differ in length")
    return [{"run_id": run_id, "last_task": int(task_array[min(start + chunk, len(task_array)) - 1]),
             "tasks": task_array[start:start + chunk].tobytes(), "labels": code_array[start:start + chunk].tobytes(),
             "confidence": confidence_array[start:start + chunk].tobytes()}
            for start in range(0, len(task_array), chunk)]


def _unpack(row: Any) -> _Arrays:
    """A chunk's three arrays in the machine's own byte order."""
    return (np.frombuffer(row.tasks, dtype=TASK).astype(np.int64),
            np.frombuffer(row.labels, dtype=CODE).astype(np.int32),
            np.frombuffer(row.confidence, dtype=CONFIDENCE).astype(np.float64))


def store(conn: Connection, *, pool_id: int, field: str, method: str, operation_id: str, created: datetime,
          labels: Sequence[Any], task_ids: npt.ArrayLike, codes: npt.ArrayLike, confidence: npt.ArrayLike) -> int:
    """A run's labels (task ``task_ids[i]`` got ``labels[codes[i]]``), replacing the pool's earlier
    run of this method on this field; returns the new run's id."""
    r = aggregation_runs.c
    earlier = (r.pool_id == pool_id, r.field == field, r.method == method)
    conn.execute(delete(label_chunks).where(label_chunks.c.run_id.in_(select(r.id).where(*earlier))))
    conn.execute(delete(aggregation_runs).where(*earlier))
    count = len(np.asarray(task_ids))
    run_id = int(conn.execute(insert(aggregation_runs).values(
        pool_id=pool_id, field=field, method=method, operation_id=operation_id, created=created,
        labels=list(labels), tasks=count).returning(r.id)).scalar_one())
    rows = pack(run_id, task_ids, codes, confidence)
    if rows:
        conn.execute(insert(label_chunks), rows)
    return run_id


def run_of_operation(conn: Connection, operation_id: str) -> Any:
    """The stored run an operation wrote (None once a later run replaced it, or when it stored none)."""
    return conn.execute(select(aggregation_runs).where(aggregation_runs.c.operation_id == operation_id)).first()


def _rows(run: Any, arrays: list[_Arrays]) -> list[tuple[int, Any, float]]:
    """(task id, label, confidence) of the unpacked chunks, as plain Python values."""
    if not arrays:
        return []
    values = run.labels
    task_ids, codes, confidence = (np.concatenate(column) for column in zip(*arrays, strict=True))
    return [(task, values[code], share) for task, code, share
            in zip(task_ids.tolist(), codes.tolist(), confidence.tolist(), strict=True)]


def labels_of_run(conn: Connection, run: Any, low: int | None = None, high: int | None = None,
                  limit: int | None = None) -> list[tuple[int, Any, float]]:
    """(task id, label, confidence) of a run by task id, of the tasks from ``low`` to ``high``
    (both included; None: no bound), the first ``limit`` of them (None: all)."""
    c = label_chunks.c
    batch = None if limit is None else 1 + math.ceil(limit / CHUNK)  # enough when every chunk but the last is full
    arrays: list[_Arrays] = []
    found, after = 0, None
    while True:
        query = select(c.last_task, c.tasks, c.labels, c.confidence).where(c.run_id == run.id)
        if low is not None:
            query = query.where(c.last_task >= low)
        if after is not None:
            query = query.where(c.last_task > after)
        chunks = conn.execute(query.order_by(c.last_task).limit(batch)).all()
        for chunk in chunks:
            task_ids, codes, confidence = _unpack(chunk)
            keep = np.ones(len(task_ids), dtype=bool)
            if low is not None:
                keep &= task_ids >= low
            if high is not None:
                keep &= task_ids <= high
            if limit is not None:
                keep &= np.cumsum(keep) <= limit - found
            arrays.append((task_ids[keep], codes[keep], confidence[keep]))
            found += int(keep.sum())
            after = chunk.last_task
            if (limit is not None and found >= limit) or (high is not None and chunk.last_task >= high):
                return _rows(run, arrays)
        if batch is None or len(chunks) < batch:
            return _rows(run, arrays)


def runs(conn: Connection, pool_ids: Collection[int] | Any) -> list[Any]:
    """The stored runs of these pools (a collection of ids or a subquery), oldest first."""
    r = aggregation_runs.c
    where = r.pool_id.in_(pool_ids) if not isinstance(pool_ids, Collection) else one_of(r.pool_id, sorted(pool_ids))
    return list(conn.execute(select(aggregation_runs).where(where).order_by(r.created, r.id)))


def stored_fields(conn: Connection, pool_id: int) -> list[str]:
    """The fields some run of the pool stored labels for, sorted."""
    return sorted({run.field for run in runs(conn, [pool_id]) if run.tasks})


def _chunks_of(conn: Connection, run_id: int, ids: npt.NDArray[np.int64] | None) -> list[Any]:
    """The run's chunks that may hold these task ids (sorted), or all of them: first the chunks'
    keys, then only the chunks some id falls in."""
    c = label_chunks.c
    query = select(c.tasks, c.labels, c.confidence).where(c.run_id == run_id)
    if ids is not None:
        lasts = np.array(conn.execute(select(c.last_task).where(c.run_id == run_id).order_by(c.last_task))
                         .scalars().all(), dtype=np.int64)
        at = np.searchsorted(lasts, ids)  # the chunk an id would be in: the first whose last task is not below it
        needed = sorted(set(lasts[at[at < len(lasts)]].tolist()))
        if not needed:
            return []
        query = query.where(one_of(c.last_task, needed))
    return list(conn.execute(query))


def latest_by_run(conn: Connection, *, pool_id: int | None = None, task_ids: Collection[int] | None = None,
                  ) -> Iterator[tuple[Any, list[tuple[int, Any, float]]]]:
    """Each run of the pool (or, without ``pool_id``, of the pools these tasks are in), oldest
    first, with its (task id, label, confidence) rows, of the given tasks only or of every task:
    the last row seen of a task and field is its latest. What a run's labels share (field,
    method, time) is read off the run once, not once a label."""
    if task_ids is not None and not task_ids:
        return
    ids = None if task_ids is None else np.array(sorted(set(task_ids)), dtype=np.int64)
    if pool_id is not None:
        found = runs(conn, [pool_id])
    else:
        assert ids is not None, "latest() needs a pool or some tasks"
        found = runs(conn, select(tasks.c.pool_id).where(one_of(tasks.c.id, ids.tolist())).distinct())
    for run in found:
        arrays = []
        for chunk in _chunks_of(conn, run.id, ids):
            chunk_tasks, codes, confidence = _unpack(chunk)
            if ids is not None:
                keep = np.isin(chunk_tasks, ids)
                chunk_tasks, codes, confidence = chunk_tasks[keep], codes[keep], confidence[keep]
            arrays.append((chunk_tasks, codes, confidence))
        yield run, _rows(run, arrays)


def latest(conn: Connection, *, pool_id: int | None = None, task_ids: Collection[int] | None = None,
           ) -> Iterator[StoredLabel]:
    """Labels of the pool's runs (or, without ``pool_id``, of the runs of the pools these tasks are
    in), oldest run first, so that the last one seen of a task and field is its latest; of the
    given tasks only, or of every task."""
    for run, rows in latest_by_run(conn, pool_id=pool_id, task_ids=task_ids):
        for task, label, share in rows:
            yield StoredLabel(task, run.field, run.method, label, share, run.created)
