"""The figures behind the desk's charts, for one pool or for every pool of a project.

Everything is counted by the database (GROUP BY over buckets computed in SQL); Python receives at
most one row per bucket or per worker, never an answer. An *answer* is one real task of a submitted
suite (golden tasks are checks, not answers), the unit the pool page's "answers still wanted" and
"answers per minute" use too. Durations and bucket keys are computed per dialect (`julianday` on
SQLite, `extract(epoch …)` on PostgreSQL) because the two share no date arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Float, Integer, case, cast, func, literal, select

from clipcrowd.aggregation import method_name
from clipcrowd.domain.errors import NotFound
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.models.pools import PoolData
from clipcrowd.domain.models.projects import ProjectData
from clipcrowd.domain.pool import PoolRules
from clipcrowd.store.db import Database
from clipcrowd.store.tables import (
    assignment_tasks,
    assignments,
    pool_worker_stats,
    pools,
    projects,
    tasks,
    worker_quality,
    workers,
)

CHARTS = ("completion", "answers-per-worker", "quality", "submit-times")
MAX_BUCKETS = 24  # bars or points per chart: enough to see a shape, few enough to read at 375 px
NAMED_WORKERS = 24  # up to this many workers get a bar each (named); more, a histogram of counts
QUALITY_BINS = 10  # 0-10 %, 10-20 %, …, 90-100 %
# widths a time axis may step by, in seconds (1 s … 1 week)
NICE_SECONDS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
                172800, 604800)


@dataclass(frozen=True)
class Scope:
    """One pool, or every pool of one project; `where(column)` keeps the rows of its pools."""

    kind: str  # "pool" | "project"
    id: int
    name: str

    def where(self, pool_column: Any) -> ColumnElement[bool]:
        if self.kind == "pool":
            return pool_column == self.id  # type: ignore[no-any-return]
        return pool_column.in_(select(pools.c.id).where(pools.c.project_id == self.id))  # type: ignore[no-any-return]


def scope(db: Database, kind: str, number: int) -> Scope:
    """The scope of pool `number` (kind "pool") or of project `number` (kind "project"), named."""
    table, read = (pools, lambda d: PoolData.of(d).private_name) if kind == "pool" else \
        (projects, lambda d: ProjectData.of(d).public_name)
    with db.read() as conn:
        row = conn.execute(select(table.c.data).where(table.c.id == number)).first()
    if row is None:
        raise NotFound(f"{kind} {format_id(number)} not found")
    return Scope(kind, number, read(row.data) or f"{kind} {format_id(number)}")


def nice_width(span_seconds: float, buckets: int = MAX_BUCKETS) -> int:
    """The smallest step of NICE_SECONDS that covers `span_seconds` in at most `buckets` steps."""
    for width in NICE_SECONDS:
        if span_seconds / width < buckets:
            return width
    return math.ceil(span_seconds / buckets / NICE_SECONDS[-1]) * NICE_SECONDS[-1]


def _epoch(conn: Connection, column: Any) -> ColumnElement[float]:
    """Seconds since 1970 of a naive UTC datetime column, in SQL."""
    if conn.dialect.name == "sqlite":
        return (func.julianday(column) - 2440587.5) * 86400.0  # type: ignore[no-any-return]
    return cast(func.extract("epoch", column), Float)


def _floor(conn: Connection, value: Any) -> ColumnElement[int]:
    """floor() for values >= 0 (SQLite's CAST truncates; PostgreSQL's rounds, so floor there)."""
    if conn.dialect.name == "sqlite":
        return cast(value, Integer)
    return cast(func.floor(value), Integer)


def _least(conn: Connection, a: Any, b: Any) -> Any:
    return (func.min if conn.dialect.name == "sqlite" else func.least)(a, b)


def _answers(scope: Scope) -> Any:
    """(assignment, real task) pairs of the scope's submitted suites: one row per answer."""
    return (select().select_from(assignments)
            .join(assignment_tasks, assignment_tasks.c.assignment_id == assignments.c.id)
            .join(tasks, tasks.c.id == assignment_tasks.c.task_id)
            .where(scope.where(assignments.c.pool_id), assignments.c.submitted.is_not(None),
                   tasks.c.golden.is_(False)))


def _wanted(conn: Connection, scope: Scope) -> int:
    finite = tasks.c.infinite_overlap.is_(False)
    return int(conn.execute(select(func.coalesce(func.sum(case((finite, tasks.c.overlap), else_=0)), 0))
                            .where(scope.where(tasks.c.pool_id), tasks.c.golden.is_(False))).scalar_one())


def completion(db: Database, scope: Scope) -> dict[str, Any]:
    """Answers received per time bucket (by submission time) and the answers wanted in all.

    `buckets` are `(start, answers)` with `start` a naive UTC datetime, `width` seconds apart; the
    share complete after a bucket is the running sum over `wanted` (capped at 100 %)."""
    with db.read() as conn:
        wanted = _wanted(conn, scope)
        first, last = conn.execute(select(func.min(assignments.c.submitted), func.max(assignments.c.submitted))
                                   .where(scope.where(assignments.c.pool_id),
                                          assignments.c.submitted.is_not(None))).one()
        if first is None:
            return {"wanted": wanted, "width": 0, "buckets": [], "answers": 0}
        width = nice_width((last - first).total_seconds() + 1)
        origin = _from_utc_seconds(_utc_seconds(first) // width * width)
        key = _floor(conn, (_epoch(conn, assignments.c.submitted) - literal(_utc_seconds(origin))) / width)
        rows = conn.execute(_answers(scope).add_columns(key.label("b"), func.count().label("n"))
                            .group_by(key).order_by(key)).all()
    counts = {int(r.b): int(r.n) for r in rows}
    buckets = [(origin + timedelta(seconds=b * width), counts.get(b, 0)) for b in range(max(counts, default=0) + 1)]
    return {"wanted": wanted, "width": width, "buckets": buckets, "answers": sum(counts.values())}


def _utc_seconds(value: datetime) -> float:
    return (value - datetime(1970, 1, 1)).total_seconds()


def _from_utc_seconds(seconds: float) -> datetime:
    return datetime(1970, 1, 1) + timedelta(seconds=seconds)


def answers_per_worker(db: Database, scope: Scope) -> dict[str, Any]:
    """Answers per worker: named bars (most first) for a small crowd, else how many workers gave how
    many answers (`bins`: `(low, high, workers)`, answer counts low <= n < high)."""
    with db.read() as conn:
        per_worker = (_answers(scope).add_columns(assignments.c.worker_id.label("w"), func.count().label("n"))
                      .group_by(assignments.c.worker_id).subquery())
        crowd, most = conn.execute(select(func.count(), func.coalesce(func.max(per_worker.c.n), 0))).one()
        if crowd <= NAMED_WORKERS:
            rows = conn.execute(select(per_worker.c.n, workers.c.login, workers.c.id)
                                .join(workers, workers.c.id == per_worker.c.w)
                                .order_by(per_worker.c.n.desc(), workers.c.id)).all()
            return {"workers": int(crowd), "named": [(r.login, int(r.n)) for r in rows]}
        width = max(1, math.ceil((int(most) + 1) / MAX_BUCKETS))
        key = _floor(conn, per_worker.c.n / float(width))
        rows = conn.execute(select(key.label("b"), func.count().label("k")).group_by(key).order_by(key)).all()
    return {"workers": int(crowd), "bins": [(int(r.b) * width, (int(r.b) + 1) * width, int(r.k)) for r in rows]}


def quality(db: Database, scope: Scope) -> dict[str, Any]:
    """Workers per tenth of quality: golden accuracy (from the sums kept per submission) and, where
    an aggregation run stored them, the latest run's worker qualities (method and field named)."""
    with db.read() as conn:
        s = pool_worker_stats.c
        key = _least(conn, s.golden_right * QUALITY_BINS / s.golden_total, QUALITY_BINS - 1)
        golden = [0] * QUALITY_BINS
        for b, k in conn.execute(select(key, func.count()).where(scope.where(s.pool_id), s.golden_total > 0)
                                 .group_by(key)):
            golden[int(b)] = int(k)
        q = worker_quality.c
        latest = conn.execute(select(q.method, q.field).where(scope.where(q.pool_id))
                              .order_by(q.created.desc(), q.id.desc()).limit(1)).first()
        aggregated: list[int] | None = None
        if latest is not None:
            aggregated = [0] * QUALITY_BINS
            qkey = _least(conn, _floor(conn, q.quality * QUALITY_BINS), QUALITY_BINS - 1)
            for b, k in conn.execute(select(qkey, func.count()).where(
                    scope.where(q.pool_id), q.method == latest.method, q.field == latest.field,
                    q.quality.is_not(None)).group_by(qkey)):
                aggregated[max(0, int(b))] += int(k)
    return {"golden": golden, "aggregated": aggregated,
            "method": None if latest is None else method_name(latest.method),
            "field": None if latest is None else latest.field}


def fast_thresholds(pool_data: Mapping[str, Any]) -> list[float]:
    """Fast-submit thresholds of a pool's ASSIGNMENT_SUBMIT_TIME rules (none when it has no such rule)."""
    found = []
    for config in PoolRules.of(pool_data).quality_control.get("configs") or []:
        collector = config.get("collector_config") or {}
        if collector.get("type") == "ASSIGNMENT_SUBMIT_TIME":
            seconds = (collector.get("parameters") or {}).get("fast_submit_threshold_seconds")
            if isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds > 0:
                found.append(float(seconds))
    return found


def submit_times(db: Database, scope: Scope) -> dict[str, Any]:
    """How long submitted suites took (taken to submitted), in buckets of `width` seconds, and the
    fast-submit thresholds of the scope's pools' quality rules."""
    with db.read() as conn:
        thresholds = sorted({t for (data,) in conn.execute(select(pools.c.data).where(scope.where(pools.c.id)))
                             for t in fast_thresholds(data)})
        seconds = _epoch(conn, assignments.c.submitted) - _epoch(conn, assignments.c.created)
        done = (scope.where(assignments.c.pool_id), assignments.c.submitted.is_not(None))
        longest = conn.execute(select(func.max(seconds)).where(*done)).scalar_one()
        if longest is None:
            return {"width": 0, "bins": [], "thresholds": thresholds, "suites": 0}
        span = max(float(longest), max(thresholds, default=0.0)) + 1
        width = nice_width(span)
        key = _floor(conn, func.max(seconds, 0.0) / width) if conn.dialect.name == "sqlite" else \
            _floor(conn, func.greatest(seconds, 0.0) / width)
        rows = conn.execute(select(key.label("b"), func.count().label("n")).where(*done).group_by(key)
                            .order_by(key)).all()
    counts = {int(r.b): int(r.n) for r in rows}
    last = max(counts, default=0)
    bins = [(b * width, (b + 1) * width, counts.get(b, 0)) for b in range(last + 1)]
    return {"width": width, "bins": bins, "thresholds": thresholds, "suites": sum(counts.values())}


FIGURES = {"completion": completion, "answers-per-worker": answers_per_worker, "quality": quality,
           "submit-times": submit_times}
