"""Stored aggregation results as the requester's desk shows them.

An aggregation run (``services.aggregation``) stores one label per task (`aggregated_labels`) and
one quality per worker (`worker_quality`) for its method and field. The desk reads those rows,
never aggregates again: the review queue and the downloads show each task's *latest* label per
field (whichever method produced it, named alongside), the worker table each worker's quality per
method, and the pool page what has been stored (from the runs' AGGREGATED events, not a count of
the labels) and the run it started.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, func, select

from clipcrowd.domain.ids import format_id
from clipcrowd.domain.models.projects import ProjectData
from clipcrowd.domain.timeutil import format_time
from clipcrowd.services import aggregation
from clipcrowd.services.projects import load as load_project
from clipcrowd.store.db import Database
from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import aggregated_labels, events, worker_quality
from clipcrowd.store.tables import pools as pools_table

#: task public id -> output field -> {label, confidence, method, created}
Aggregates = dict[str, dict[str, dict[str, Any]]]


def latest_labels(conn: Connection, pool_id: int, task_ids: Collection[int] | None = None) -> Aggregates:
    """Each task's most recent stored label per field (a later run of any method wins); of the given
    tasks only (one list parameter, looked up by task id), or of the whole pool."""
    t = aggregated_labels.c
    query = select(t.task_id, t.field, t.method, t.label, t.confidence, t.created)
    if task_ids is None:
        query = query.where(t.pool_id == pool_id)
    elif not task_ids:
        return {}
    else:
        query = query.where(one_of(t.task_id, sorted(set(task_ids))))
    latest: Aggregates = defaultdict(dict)
    for row in conn.execute(query.order_by(t.created, t.id)):
        latest[format_id(row.task_id)][row.field] = {
            "label": row.label, "confidence": round(float(row.confidence), 4), "method": row.method,
            "created": format_time(row.created)}
    return dict(latest)


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


def _stored_runs(conn: Connection, pool_id: int) -> list[dict[str, Any]]:
    """The runs whose labels are stored, newest first: each (method, field)'s latest successful run.

    A run replaces its (method, field)'s labels and records its AGGREGATED event (with how many it
    stored) in one transaction, so those events say what is stored without counting a million labels."""
    t = aggregated_labels.c
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for row in conn.execute(select(events.c.created, events.c.data).where(
            events.c.pool_id == pool_id, events.c.type == "AGGREGATED", events.c.worker_id.is_(None))
            .order_by(events.c.id.desc())):
        data = row.data or {}
        key = (data.get("method"), data.get("field"))
        if key not in latest and data.get("operation_id"):
            latest[key] = {"method": key[0], "field": key[1], "tasks": int(data.get("tasks") or 0),
                           "created": row.created, "operation_id": data["operation_id"]}
    # a run that stored no label shows no row (as a count of the rows would not)
    runs = [r for r in latest.values() if r["tasks"] and conn.execute(select(t.id).where(
        t.pool_id == pool_id, t.field == r["field"], t.method == r["method"]).limit(1)).first() is not None]
    runs.sort(key=lambda r: r["method"])
    runs.sort(key=lambda r: r["created"], reverse=True)
    return [{**r, "created": format_time(r["created"])} for r in runs]


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
        stored = [{**run, "workers": workers.get((run["method"], run["field"]), 0)}
                  for run in _stored_runs(conn, pool_id)]
    return {"methods": aggregation.methods_without_params(), "fields": aggregation.label_fields(spec),
            "stored": stored, "run": run}
