"""Stored aggregation results as the requester's desk shows them.

An aggregation run (``services.aggregation``) stores one label per task (``services.label_runs``) and
one quality per worker (`worker_quality`) for its method and field. The desk reads those rows,
never aggregates again: the review queue and the downloads show each task's *latest* label per
field (whichever method produced it, named alongside), the worker table each worker's quality per
method, and the pool page what has been stored (each run's row keeps its label count, so nothing
counts the labels) and the run it started.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, func, select

from clipcrowd.domain.ids import format_id
from clipcrowd.domain.models.projects import ProjectData
from clipcrowd.domain.timeutil import format_time
from clipcrowd.services import aggregation, label_runs
from clipcrowd.services.projects import load as load_project
from clipcrowd.store.db import Database
from clipcrowd.store.tables import pools as pools_table
from clipcrowd.store.tables import worker_quality

#: task public id -> output field -> {label, confidence, method, created}
Aggregates = dict[str, dict[str, dict[str, Any]]]


def latest_labels(conn: Connection, pool_id: int, task_ids: Collection[int] | None = None) -> Aggregates:
    """Each task's most recent stored label per field (a later run of any method wins); of the given
    tasks only (one list parameter, looked up by task id), or of the whole pool. A run's time is
    formatted once for all its labels (an export asks for ten thousand tasks a chunk)."""
    latest: Aggregates = {}
    for run, rows in label_runs.latest_by_run(conn, pool_id=pool_id, task_ids=task_ids):
        field, method, created = run.field, run.method, format_time(run.created)
        for task, label, share in rows:
            key = format_id(task)
            fields = latest.get(key)
            if fields is None:
                fields = latest[key] = {}
            fields[field] = {"label": label, "confidence": round(float(share), 4), "method": method,
                             "created": created}
    return latest


def qualities(conn: Connection, pool_id: int) -> dict[int, list[dict[str, Any]]]:
    """Per worker, her stored quality for each (method, field) of the pool, as a percentage."""
    q = worker_quality.c
    fields = {f for (f,) in conn.execute(select(q.field).where(q.pool_id == pool_id).distinct())}
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in conn.execute(select(q.worker_id, q.method, q.field, q.quality, q.answers).where(
            q.pool_id == pool_id).order_by(q.method, q.field)):
        out[row.worker_id].append({
            "method": row.method, "field": row.field, "answers": row.answers,
            "label": row.method if len(fields) < 2 else f"{row.method} · {row.field}",
            "quality": None if row.quality is None else round(100.0 * row.quality, 1)})
    return dict(out)


def panel(db: Database, pool_id: int, run_id: str | None = None) -> dict[str, Any]:
    """The pool page's aggregation card: methods to offer, label fields, stored runs, a started run."""
    # the run first: its SUCCESS commits with its rows, so the rows read next are never older than it
    run = aggregation.get_run(db, pool_id, run_id) if run_id else None
    with db.read() as conn:
        project_id = conn.execute(select(pools_table.c.project_id).where(pools_table.c.id == pool_id)).scalar_one()
        spec = ProjectData.of(load_project(conn, project_id).data).task_spec.output_spec
        q = worker_quality.c
        workers = {(r.method, r.field): int(r.n) for r in conn.execute(
            select(q.method, q.field, func.count().label("n")).where(q.pool_id == pool_id).group_by(q.method, q.field))}
        runs = sorted((r for r in label_runs.runs(conn, [pool_id]) if r.tasks), key=lambda r: r.method)
        runs.sort(key=lambda r: r.created, reverse=True)  # newest first, then by method
        stored = [{"method": r.method, "field": r.field, "tasks": int(r.tasks), "created": format_time(r.created),
                   "workers": workers.get((r.method, r.field), 0), "operation_id": r.operation_id} for r in runs]
    return {"methods": aggregation.methods_without_params(), "fields": aggregation.label_fields(spec),
            "stored": stored, "run": run}
