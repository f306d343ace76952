"""Queries behind the requester's desk: pool progress, the review queue, the worker table, results.

Progress and the worker table read the events table (answers per minute from SUBMITTED events,
golden accuracy from their `golden_outcomes`, fast submits from their `duration_seconds`), as the
architecture says: nothing is recomputed by scanning assignments' answers. Aggregated labels and
worker qualities are the rows an aggregation run stored (`services.desk_aggregates`).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from clipcrowd.domain.csvsafe import neutralise
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.pool import PoolRules
from clipcrowd.domain.specs import file_fields
from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.services import desk_aggregates, pools, present
from clipcrowd.services.projects import load as load_project
from clipcrowd.services.restrictions import active_condition
from clipcrowd.store.db import Database
from clipcrowd.store.tables import (
    assignments,
    attachments,
    events,
    projects,
    skills,
    tasks,
    user_restrictions,
    worker_skills,
    workers,
)
from clipcrowd.store.tables import pools as pools_table

RATE_WINDOW = timedelta(minutes=15)  # answers per minute are measured over this recent window
DEFAULT_FAST_SECONDS = 10.0


def overview(db: Database) -> list[dict[str, Any]]:
    """Projects (newest first), each with its pools and their completion."""
    with db.read() as conn:
        by_project: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in conn.execute(select(pools_table).order_by(pools_table.c.id.desc())):
            by_project[row.project_id].append({
                "id": format_id(row.id), "name": row.data.get("private_name"), "status": row.status,
                "completion": pools.completion_percentage(conn, row.id)})
        return [{"id": format_id(p.id), "name": p.data.get("public_name"), "status": p.status,
                 "pools": by_project.get(p.id, [])}
                for p in conn.execute(select(projects).order_by(projects.c.id.desc()))]


def _status_counts(conn: Connection, pool_id: int) -> dict[str, int]:
    rows = conn.execute(select(assignments.c.status, func.count()).where(assignments.c.pool_id == pool_id)
                        .group_by(assignments.c.status)).all()
    counts = {s: 0 for s in ("ACTIVE", "SUBMITTED", "ACCEPTED", "REJECTED", "SKIPPED", "EXPIRED")}
    counts.update({status: int(n) for status, n in rows})
    return counts


def progress(db: Database, pool_id: int) -> dict[str, Any]:
    """Completion, answers per minute over the recent window, and the time to finish at that pace."""
    with db.read() as conn:
        pool = pools.load(conn, pool_id)
        project = load_project(conn, pool.project_id)
        since = utcnow() - RATE_WINDOW
        recent = conn.execute(select(func.count()).select_from(events).where(
            events.c.pool_id == pool_id, events.c.type == "SUBMITTED", events.c.created >= since)).scalar_one()
        wanted, answered = conn.execute(select(
            func.coalesce(func.sum(tasks.c.overlap), 0), func.coalesce(func.sum(tasks.c.answered_count), 0),
        ).where(tasks.c.pool_id == pool_id, tasks.c.golden.is_(False), tasks.c.infinite_overlap.is_(False))).one()
        remaining = max(int(wanted) - int(answered), 0)
        per_minute = float(recent) / (RATE_WINDOW.total_seconds() / 60)
        minutes_left = remaining / per_minute if per_minute > 0 else None
        return {
            "pool": present.pool(pool), "project_name": project.data.get("public_name"),
            "completion": pools.completion_percentage(conn, pool_id), "counts": _status_counts(conn, pool_id),
            "answers_per_minute": round(per_minute, 2), "remaining_answers": remaining,
            "minutes_to_finish": None if minutes_left is None else round(minutes_left, 1),
            "real_tasks": int(conn.execute(select(func.count()).select_from(tasks).where(
                tasks.c.pool_id == pool_id, tasks.c.golden.is_(False))).scalar_one()),
        }


def review_queue(db: Database, pool_id: int, limit: int = 50) -> dict[str, Any]:
    """SUBMITTED assignments, oldest first, with their answers and the uploaded files they name."""
    with db.read() as conn:
        pool = pools.load(conn, pool_id)
        spec = load_project(conn, pool.project_id).data["task_spec"]["output_spec"]
        rows = conn.execute(select(assignments).where(
            assignments.c.pool_id == pool_id, assignments.c.status == "SUBMITTED",
        ).order_by(assignments.c.submitted, assignments.c.id).limit(limit)).all()
        ids = [r.id for r in rows]
        files = {a.id: a for a in conn.execute(select(attachments).where(attachments.c.assignment_id.in_(ids)))}
        logins = _logins(conn, {r.worker_id for r in rows})
        aggregates = desk_aggregates.latest_labels(conn, pool_id, {t for r in rows for t in r.task_ids})
        items = []
        for body, row in zip(present.assignments(conn, rows), rows, strict=True):
            body["login"] = logins.get(row.worker_id, "?")
            body["files"] = {format_id(a.id): {"name": a.name, "media_type": a.media_type, "size": a.size}
                             for a in files.values() if a.assignment_id == row.id}
            items.append(body)
        return {"pool": present.pool(pool), "items": items, "file_fields": file_fields(spec), "aggregates": aggregates}


def _logins(conn: Connection, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {r.id: r.login for r in conn.execute(select(workers.c.id, workers.c.login).where(workers.c.id.in_(ids)))}


def _fast_threshold(pool_data: dict[str, Any]) -> float:
    for config in (PoolRules.of(pool_data).quality_control.get("configs") or []):
        collector = config.get("collector_config") or {}
        if collector.get("type") == "ASSIGNMENT_SUBMIT_TIME":
            return float((collector.get("parameters") or {}).get("fast_submit_threshold_seconds", DEFAULT_FAST_SECONDS))
    return DEFAULT_FAST_SECONDS


def worker_table(db: Database, pool_id: int) -> list[dict[str, Any]]:
    """One row per worker who took this pool: outcomes, golden accuracy, fast submits, stored aggregated
    quality per method, skills, restrictions."""
    with db.read() as conn:
        pool = pools.load(conn, pool_id)
        fast = _fast_threshold(pool.data)
        stats: dict[int, dict[str, Any]] = {}
        for status, worker_id, n in conn.execute(select(assignments.c.status, assignments.c.worker_id, func.count())
                                                 .where(assignments.c.pool_id == pool_id)
                                                 .group_by(assignments.c.status, assignments.c.worker_id)):
            stats.setdefault(worker_id, {"golden_right": 0, "golden_total": 0, "fast": 0})[status] = int(n)
        for ev in conn.execute(select(events.c.worker_id, events.c.data).where(
                events.c.pool_id == pool_id, events.c.type == "SUBMITTED")):
            row = stats.setdefault(ev.worker_id, {"golden_right": 0, "golden_total": 0, "fast": 0})
            outcomes = ev.data.get("golden_outcomes") or []
            row["golden_right"] += sum(1 for x in outcomes if x)
            row["golden_total"] += len(outcomes)
            if float(ev.data.get("duration_seconds", fast)) < fast:
                row["fast"] += 1
        logins = _logins(conn, set(stats))
        aggregated = desk_aggregates.qualities(conn, pool_id, set(stats))
        skill_rows = conn.execute(select(worker_skills.c.worker_id, skills.c.name, worker_skills.c.value)
                                  .join(skills, skills.c.id == worker_skills.c.skill_id)
                                  .where(worker_skills.c.worker_id.in_(stats))).all()
        result = []
        for worker_id, row in sorted(stats.items()):
            restricted = conn.execute(select(user_restrictions.c.scope, user_restrictions.c.private_comment).where(
                active_condition(worker_id, pool.project_id, pool_id))).all()
            total = row["golden_total"]
            result.append({
                "id": format_id(worker_id), "login": logins.get(worker_id, "?"),
                "submitted": row.get("SUBMITTED", 0), "accepted": row.get("ACCEPTED", 0),
                "rejected": row.get("REJECTED", 0), "skipped": row.get("SKIPPED", 0),
                "golden": f"{row['golden_right']}/{total}" if total else "",
                "golden_accuracy": round(100.0 * row["golden_right"] / total, 1) if total else None,
                "fast_submits": row["fast"], "aggregated_quality": aggregated.get(worker_id, []),
                "skills": {s.name: round(s.value, 1) for s in skill_rows if s.worker_id == worker_id},
                "restrictions": [f"{r.scope}: {r.private_comment or ''}".strip(": ") for r in restricted],
            })
        return result


def results(db: Database, pool_id: int) -> list[dict[str, Any]]:
    """One row per answered task: assignment, worker, status, inputs and outputs (not ACTIVE/SKIPPED/EXPIRED),
    and, for tasks an aggregation run labelled, `aggregated`: per field the latest label, confidence, method."""
    with db.read() as conn:
        pools.load(conn, pool_id)
        rows = conn.execute(select(assignments).where(
            assignments.c.pool_id == pool_id, assignments.c.status.in_(("SUBMITTED", "ACCEPTED", "REJECTED")),
        ).order_by(assignments.c.id)).all()
        by_id = present.tasks_by_id(conn, {t for r in rows for t in r.task_ids})
        aggregates = desk_aggregates.latest_labels(conn, pool_id)
        out = []
        for row in rows:
            for task_id, values in zip(row.task_ids, row.solutions or [], strict=False):
                task = by_id[task_id]
                item = {
                    "assignment_id": format_id(row.id), "worker_id": format_id(row.worker_id), "status": row.status,
                    "task_id": format_id(task_id), "golden": bool(task.golden),
                    "submitted": format_time(row.submitted), "input_values": task.data.get("input_values", {}),
                    "output_values": values, "known_solutions": task.data.get("known_solutions"),
                }
                stored = aggregates.get(format_id(task_id))
                if stored:
                    item["aggregated"] = {f: {k: v[k] for k in ("label", "confidence", "method")}
                                          for f, v in stored.items()}
                out.append(item)
        return out


def results_csv(rows: list[dict[str, Any]]) -> str:
    """Flat CSV in the Toloka TSV habit: INPUT:name and OUTPUT:name columns; non-strings as JSON.

    When some task has a stored aggregated label: AGGREGATED:name, CONFIDENCE:name and
    AGGREGATED_BY:name (the method) per aggregated field, empty for tasks without one. Text that a
    spreadsheet would run as a formula is written with a leading `'` (see domain/csvsafe.py).
    """
    inputs = sorted({k for r in rows for k in r["input_values"]})
    outputs = sorted({k for r in rows for k in r["output_values"]})
    aggregated = sorted({k for r in rows for k in r.get("aggregated", {})})
    head = ["ASSIGNMENT:assignment_id", "ASSIGNMENT:worker_id", "ASSIGNMENT:status", "ASSIGNMENT:task_id",
            "ASSIGNMENT:golden", "ASSIGNMENT:submitted"]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(head + [f"INPUT:{k}" for k in inputs] + [f"OUTPUT:{k}" for k in outputs]
                    + [f"{kind}:{k}" for k in aggregated for kind in ("AGGREGATED", "CONFIDENCE", "AGGREGATED_BY")])

    def cell(value: Any) -> str:
        return neutralise(value) if isinstance(value, str) else ("" if value is None else json.dumps(value))

    for r in rows:
        writer.writerow([r["assignment_id"], r["worker_id"], r["status"], r["task_id"], str(r["golden"]).lower(),
                         r["submitted"] or ""]
                        + [cell(r["input_values"].get(k)) for k in inputs]
                        + [cell(r["output_values"].get(k)) for k in outputs]
                        + [cell((r.get("aggregated", {}).get(k) or {}).get(part)) for k in aggregated
                           for part in ("label", "confidence", "method")])
    return buf.getvalue()
