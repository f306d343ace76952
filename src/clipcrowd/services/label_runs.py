"""Stored aggregation results: one run per (pool, field, method), its labels as compact rows.

A run (`aggregation_runs`) holds what all its labels share — pool, field, method, operation, time
and the distinct label values as one JSON list — and its labels (`run_labels`) are
``(run_id, task_id, label index, confidence)`` under that one key. Storing a run of 100,000 labels is
therefore one bulk insert into one B-tree (binary `COPY` on PostgreSQL, the driver's `executemany` into a
table without rowid on SQLite) plus deleting the run it replaces, a range of the same key, in the
same transaction: a reader never sees half a run, nor two runs of one method on one field.

Every reader goes through here: a run's page by task id (the API), each task's latest label per
field over a pool's runs (the desk, exports, camera events).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import aggregation_runs, run_labels, tasks

LABEL_COLUMNS = ("run_id", "task_id", "label", "confidence")
PG_TYPES = ("int8", "int8", "int4", "float8")  # run_labels' columns on PostgreSQL


@dataclass(frozen=True)
class StoredLabel:
    """One task's label from one run."""

    task_id: int
    field: str
    method: str
    label: Any
    confidence: float
    created: datetime


def store(conn: Connection, *, pool_id: int, field: str, method: str, operation_id: str, created: datetime,
          labels: Sequence[Any], task_ids: Sequence[int], codes: Sequence[int], confidence: Sequence[float]) -> int:
    """A run's labels (task ``task_ids[i]`` got ``labels[codes[i]]``), replacing the pool's earlier
    run of this method on this field; returns the new run's id."""
    r = aggregation_runs.c
    for (old,) in conn.execute(select(r.id).where(r.pool_id == pool_id, r.field == field, r.method == method)):
        conn.execute(delete(run_labels).where(run_labels.c.run_id == old))
        conn.execute(delete(aggregation_runs).where(r.id == old))
    run_id = int(conn.execute(insert(aggregation_runs).values(
        pool_id=pool_id, field=field, method=method, operation_id=operation_id, created=created,
        labels=list(labels), tasks=len(task_ids)).returning(r.id)).scalar_one())
    _insert(conn, run_id, task_ids, codes, confidence)
    return run_id


def _insert(conn: Connection, run_id: int, task_ids: Sequence[int], codes: Sequence[int],
            confidence: Sequence[float]) -> None:
    """The rows straight through the driver: no SQLAlchemy parameter set per row."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    names = ", ".join(LABEL_COLUMNS)
    rows = zip(task_ids, codes, confidence, strict=True)
    try:
        if conn.dialect.name == "postgresql":
            # binary: nothing formatted here nor parsed there (a third of text COPY's client CPU)
            with cursor.copy(f"COPY {run_labels.name} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(PG_TYPES)
                for row in rows:
                    copy.write_row((run_id, *row))
            return
        cursor.executemany(f"INSERT INTO {run_labels.name} ({names}) VALUES ({run_id:d}, ?, ?, ?)", rows)
    finally:
        cursor.close()


def run_of_operation(conn: Connection, operation_id: str) -> Any:
    """The stored run an operation wrote (None once a later run replaced it, or when it stored none)."""
    return conn.execute(select(aggregation_runs).where(aggregation_runs.c.operation_id == operation_id)).first()


def labels_of_run(conn: Connection, run: Any, conditions: Sequence[Any] = (), limit: int | None = None,
                  ) -> list[tuple[int, Any, float]]:
    """(task id, label, confidence) of a run, by task id; ``conditions`` on `run_labels.c.task_id`."""
    t = run_labels.c
    query = select(t.task_id, t.label, t.confidence).where(t.run_id == run.id, *conditions).order_by(t.task_id)
    if limit is not None:
        query = query.limit(limit)
    values = run.labels
    return [(task, values[code], confidence) for task, code, confidence in conn.execute(query)]


def runs(conn: Connection, pool_ids: Collection[int] | Any) -> list[Any]:
    """The stored runs of these pools (a collection of ids or a subquery), oldest first."""
    r = aggregation_runs.c
    where = r.pool_id.in_(pool_ids) if not isinstance(pool_ids, Collection) else one_of(r.pool_id, sorted(pool_ids))
    return list(conn.execute(select(aggregation_runs).where(where).order_by(r.created, r.id)))


def stored_fields(conn: Connection, pool_id: int) -> list[str]:
    """The fields some run of the pool stored labels for, sorted."""
    return sorted({run.field for run in runs(conn, [pool_id]) if run.tasks})


def latest(conn: Connection, *, pool_id: int | None = None, task_ids: Collection[int] | None = None,
           ) -> Iterator[StoredLabel]:
    """Labels of the pool's runs (or, without ``pool_id``, of the runs of the pools these tasks are
    in), oldest run first, so that the last one seen of a task and field is its latest; of the
    given tasks only (one list parameter, looked up by the run's key), or of every task."""
    if task_ids is not None and not task_ids:
        return
    ids = None if task_ids is None else sorted(set(task_ids))
    if pool_id is not None:
        found = runs(conn, [pool_id])
    else:
        assert ids is not None, "latest() needs a pool or some tasks"
        found = runs(conn, select(tasks.c.pool_id).where(one_of(tasks.c.id, ids)).distinct())
    t = run_labels.c
    for run in found:
        query = select(t.task_id, t.label, t.confidence).where(t.run_id == run.id)
        if ids is not None:
            query = query.where(one_of(t.task_id, ids))
        values = run.labels
        for task, code, confidence in conn.execute(query):
            yield StoredLabel(task, run.field, run.method, values[code], confidence, run.created)
