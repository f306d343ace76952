"""Queries behind the requester's desk: pool progress, the review queue, the worker table.

Completion, assignments by status and each worker's outcomes are the sums the database keeps at
every change (`services.pool_counters`): a few rows, however many tasks the pool has. The pace reads
the events table (answers per minute: the real tasks of the suites SUBMITTED events
name, so the pace and the answers still wanted are counted in the same unit); the worker table
reads the per-worker sums kept as submissions come in (`services.worker_stats`: golden accuracy,
fast submits): nothing is recomputed by scanning assignments' answers. Aggregated labels and
worker qualities are the rows an aggregation run stored (`services.desk_aggregates`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Integer, Select, cast, func, select

from clipcrowd.aggregation import METHOD_NAMES
from clipcrowd.domain.filters import skill_ids
from clipcrowd.domain.ids import format_id, parse_id
from clipcrowd.domain.models.pools import PoolData
from clipcrowd.domain.models.projects import ProjectData
from clipcrowd.domain.specs import file_fields
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.services import desk_aggregates, pool_counters, pools, present
from clipcrowd.services.attachments import seconds
from clipcrowd.services.projects import load as load_project
from clipcrowd.services.restrictions import active_condition
from clipcrowd.store.db import Database
from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import (
    assignments,
    attachments,
    events,
    pool_worker_stats,
    projects,
    skills,
    user_restrictions,
    worker_skills,
    workers,
)
from clipcrowd.store.tables import pools as pools_table

RATE_WINDOW = timedelta(minutes=15)  # answers per minute are measured over this recent window


def overview(db: Database) -> list[dict[str, Any]]:
    """Projects (newest first), each with its pools and their completion."""
    with db.read() as conn:
        by_project: dict[int, list[dict[str, Any]]] = defaultdict(list)
        counts = pool_counters.of_pools(conn)
        for row in conn.execute(select(pools_table).order_by(pools_table.c.id.desc())):
            by_project[row.project_id].append({
                "id": format_id(row.id), "name": PoolData.of(row.data).private_name, "status": row.status,
                "completion": counts[row.id].completion if row.id in counts else 0.0})
        return [{"id": format_id(p.id), "name": ProjectData.of(p.data).public_name, "status": p.status,
                 "pools": by_project.get(p.id, [])}
                for p in conn.execute(select(projects).order_by(projects.c.id.desc()))]


def _recent_answers(conn: Connection, pool_id: int, since: datetime) -> int:
    """Answers to real tasks in the suites submitted since `since`: one per (suite, real task), the
    unit "answers still wanted" counts in (a suite of four tasks is four answers, golden ones none).

    Summed from the SUBMITTED events alone (their `tasks` less their `golden_outcomes`, one per
    golden task), so a busy window costs one index range, not a join per answer (~190 ms on
    PostgreSQL for 12,500 suites in 15 minutes). Every event in the window is written by
    `services.submissions`, which records both."""
    data = events.c.data
    if conn.dialect.name == "sqlite":
        real = func.json_extract(data, "$.tasks") - func.json_array_length(data, "$.golden_outcomes")
    else:
        real = (cast(data.op("->>")("tasks"), Integer)
                - func.json_array_length(data.op("->")("golden_outcomes")))
    return int(conn.execute(select(func.coalesce(func.sum(real), 0)).where(
        events.c.pool_id == pool_id, events.c.type == "SUBMITTED", events.c.created >= since)).scalar_one())


def progress(db: Database, pool_id: int) -> dict[str, Any]:
    """Completion, answers per minute over the recent window, and the time to finish at that pace."""
    with db.read() as conn:
        pool = pools.load(conn, pool_id)
        project = load_project(conn, pool.project_id)
        recent = _recent_answers(conn, pool_id, utcnow() - RATE_WINDOW)
        counts = pool_counters.of_pool(conn, pool_id)  # kept by the database at every change
        per_minute = float(recent) / (RATE_WINDOW.total_seconds() / 60)
        minutes_left = counts.remaining / per_minute if per_minute > 0 else None
        return {
            "pool": present.pool(pool), "project_name": ProjectData.of(project.data).public_name,
            "completion": counts.completion, "counts": counts.statuses,
            "answers_per_minute": round(per_minute, 2), "remaining_answers": counts.remaining,
            "minutes_to_finish": None if minutes_left is None else round(minutes_left, 1),
            "real_tasks": counts.real_tasks,
        }


def review_queue(db: Database, pool_id: int, limit: int = 50) -> dict[str, Any]:
    """SUBMITTED assignments, oldest first, with their answers and the uploaded files they name."""
    with db.read() as conn:
        pool = pools.load(conn, pool_id)
        spec = ProjectData.of(load_project(conn, pool.project_id).data).task_spec.output_spec
        queued = select(assignments).where(
            assignments.c.pool_id == pool_id, assignments.c.status == "SUBMITTED",
        ).order_by(assignments.c.submitted, assignments.c.id).limit(limit).subquery()
        rows = conn.execute(select(queued).order_by(queued.c.submitted, queued.c.id)).all()
        files = conn.execute(select(attachments).where(
            attachments.c.assignment_id.in_(select(queued.c.id)))).all() if rows else []
        logins = _logins(conn, select(queued.c.worker_id))
        aggregates = desk_aggregates.latest_labels(conn, pool_id, {t for r in rows for t in r.task_ids})
        items = []
        for body, row in zip(present.assignments(conn, rows), rows, strict=True):
            body["login"] = logins.get(row.worker_id, "?")
            body["files"] = {format_id(a.id): {"name": a.name, "media_type": a.media_type, "size": a.size,
                                                 "duration": seconds(a.duration_us)}
                             for a in files if a.assignment_id == row.id}
            items.append(body)
        return {"pool": present.pool(pool), "items": items, "file_fields": file_fields(spec), "aggregates": aggregates,
                "method_names": dict(METHOD_NAMES)}


def _logins(conn: Connection, ids: Select[Any]) -> dict[int, str]:
    """Logins of the workers a subquery names (no list of ids is bound)."""
    return {r.id: r.login for r in conn.execute(select(workers.c.id, workers.c.login).where(workers.c.id.in_(ids)))}


def worker_table(db: Database, pool_id: int) -> list[dict[str, Any]]:
    """One row per worker who took this pool: outcomes, golden accuracy, fast submits, stored aggregated
    quality per method, skills, restrictions. Outcomes are the counts kept per (pool, worker)
    (`services.pool_counters`), golden and fast counts the sums kept per submission
    (`services.worker_stats`); the pool's workers, read from those rows, are then one list parameter
    (`store.lists.one_of`)."""
    with db.read() as conn:
        pool = pools.load(conn, pool_id)
        empty = {"golden_right": 0, "golden_total": 0, "fast": 0}
        stats: dict[int, dict[str, Any]] = {
            worker_id: {**empty, **outcomes} for worker_id, outcomes in pool_counters.of_workers(conn, pool_id).items()}
        w = pool_worker_stats.c
        for row in conn.execute(select(w.worker_id, w.golden_right, w.golden_total, w.fast_submits)
                                .where(w.pool_id == pool_id)):
            stats.setdefault(row.worker_id, dict(empty)).update(
                golden_right=row.golden_right, golden_total=row.golden_total, fast=row.fast_submits)
        # the pool's workers are the keys just read: one list parameter, not three passes over the
        # pool's assignments to find them again
        in_pool = select(workers.c.id).where(one_of(workers.c.id, sorted(stats)))
        logins = _logins(conn, in_pool)
        aggregated = desk_aggregates.qualities(conn, pool_id)
        skill_rows: dict[int, dict[str, float]] = defaultdict(dict)
        for s in conn.execute(select(worker_skills.c.worker_id, skills.c.name, worker_skills.c.value)
                              .join(skills, skills.c.id == worker_skills.c.skill_id)
                              .where(worker_skills.c.worker_id.in_(in_pool))):
            skill_rows[s.worker_id][s.name] = round(s.value, 1)
        r = user_restrictions.c
        restricted: dict[int, list[str]] = defaultdict(list)
        for x in conn.execute(select(r.worker_id, r.scope, r.private_comment).where(
                active_condition(r.worker_id, pool.project_id, pool_id), r.worker_id.in_(in_pool))
                .order_by(r.id)):
            restricted[x.worker_id].append(f"{x.scope}: {x.private_comment or ''}".strip(": "))
        result = []
        for worker_id, counted in sorted(stats.items()):
            total = counted["golden_total"]
            result.append({
                "id": format_id(worker_id), "login": logins.get(worker_id, "?"),
                "submitted": counted.get("SUBMITTED", 0), "accepted": counted.get("ACCEPTED", 0),
                "rejected": counted.get("REJECTED", 0), "skipped": counted.get("SKIPPED", 0),
                "golden": f"{counted['golden_right']}/{total}" if total else "",
                "golden_accuracy": round(100.0 * counted["golden_right"] / total, 1) if total else None,
                "fast_submits": counted["fast"], "aggregated_quality": aggregated.get(worker_id, []),
                "skills": skill_rows.get(worker_id, {}), "restrictions": restricted.get(worker_id, []),
            })
        return result


def skill_names(db: Database, pool: dict[str, Any]) -> dict[str, str]:
    """Names of the skills a pool's filter refers to, by the key as the filter writes it."""
    keys = {key: parse_id(key) for key in skill_ids(pool.get("filter"))}
    ids = sorted({i for i in keys.values() if i is not None})
    if not ids:
        return {}
    with db.read() as conn:
        names = {r.id: r.name for r in conn.execute(select(skills.c.id, skills.c.name).where(one_of(skills.c.id, ids)))}
    return {key: names[i] for key, i in keys.items() if i in names}
