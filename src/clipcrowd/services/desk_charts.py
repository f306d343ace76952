"""The figures behind the desk's charts, for one pool or for every pool of a project.

Nothing here counts a pool's answers: the database keeps the counts at every change (migration
0022_chart_counters, read through `services.pool_counters`) per bucket of time and per worker, so a
chart reads a few hundred rows at most however large the pool. An *answer* is one real task of a
submitted suite (golden tasks are checks, not answers), the unit the pool page's "answers still
wanted" and "answers per minute" use too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Integer, cast, func, select

from clipcrowd.aggregation import method_name
from clipcrowd.domain.errors import NotFound
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.models.pools import PoolData
from clipcrowd.domain.models.projects import ProjectData
from clipcrowd.domain.pool import PoolRules
from clipcrowd.services import pool_counters
from clipcrowd.store.db import Database
from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import (
    assignments,
    pool_chart_counts,
    pool_counts,
    pool_worker_answers,
    pool_worker_stats,
    pools,
    projects,
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
            return pool_column == self.id
        return pool_column.in_(select(pools.c.id).where(pools.c.project_id == self.id))


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


def _floor(conn: Connection, value: Any) -> ColumnElement[int]:
    """floor() for values >= 0 (SQLite's CAST truncates; PostgreSQL's rounds, so floor there)."""
    if conn.dialect.name == "sqlite":
        return cast(value, Integer)
    return cast(func.floor(value), Integer)


def _least(conn: Connection, a: Any, b: Any) -> Any:
    return (func.min if conn.dialect.name == "sqlite" else func.least)(a, b)


FINE_BUCKETS = 2000  # fine bins of the submit-time chart before Python merges them into MAX_BUCKETS


def _wanted(conn: Connection, scope: Scope) -> int:
    """Answers wanted (overlaps of the real tasks of finite overlap): the sums kept per pool."""
    return pool_counters.wanted(conn, scope.where(pool_counts.c.pool_id))


def _merge(fine: dict[int, int], fine_width: int, origin: float) -> tuple[int, float, list[int]]:
    """Fine buckets (index -> count, `fine_width` seconds from `origin`) merged into at most
    MAX_BUCKETS of a nice width covering the first to the last: (width, new origin, counts)."""
    first, last = min(fine), max(fine)
    span = (last - first + 1) * fine_width
    width = max(nice_width(span), fine_width)
    width -= width % fine_width  # a whole number of fine buckets (NICE_SECONDS are multiples)
    start = (origin + first * fine_width) // width * width
    counts = [0] * (int((origin + (last + 1) * fine_width - start - 1) // width) + 1)
    for b, n in fine.items():
        counts[int((origin + b * fine_width - start) // width)] += n
    return width, start, counts


def _first_last(conn: Connection, scope: Scope) -> tuple[datetime | None, datetime | None]:
    """The scope's first and last submission: per pool, one look-up at each end of the index on
    `(pool_id, submitted)` (SQLite reads a range when one query asks for both min and max)."""
    a = assignments.c

    def end(fn: Any) -> Any:
        return select(fn(a.submitted)).where(a.pool_id == pools.c.id, a.submitted.is_not(None)).scalar_subquery()

    row = conn.execute(select(func.min(end(func.min)), func.max(end(func.max))).where(scope.where(pools.c.id))).one()
    return row[0], row[1]


def completion(db: Database, scope: Scope) -> dict[str, Any]:
    """Answers received per time bucket (by submission time) and the answers wanted in all.

    `buckets` are `(start, answers)` with `start` a naive UTC datetime, `width` seconds apart; the
    share complete after a bucket is the running sum over `wanted` (capped at 100 %). The first and
    last submissions are index look-ups; the answers per bucket are sums of the counts kept per
    second, minute, hour or day of submission (the widest that divides `width`: a few hundred rows
    at most, whatever the pool's size)."""
    with db.read() as conn:
        wanted = _wanted(conn, scope)
        first, last = _first_last(conn, scope)
        if first is None or last is None:
            return {"wanted": wanted, "width": 0, "buckets": [], "answers": 0}
        width = nice_width((last - first).total_seconds() + 1)
        start = int(_utc_seconds(first) // width * width)
        step = pool_counters.chart_step("completion", width)
        kept = pool_counters.chart_buckets(conn, scope.where(pool_chart_counts.c.pool_id), "completion", step,
                                           start, int(_utc_seconds(last)))
    counts = [0] * (int((_utc_seconds(last) - start) // width) + 1)
    for second, n in kept.items():
        counts[(second - start) // width] += n
    buckets = [(_from_utc_seconds(start + i * width), n) for i, n in enumerate(counts)]
    return {"wanted": wanted, "width": width, "buckets": buckets, "answers": sum(counts)}


def _utc_seconds(value: datetime) -> float:
    return (value - datetime(1970, 1, 1)).total_seconds()


def _from_utc_seconds(seconds: float) -> datetime:
    return datetime(1970, 1, 1) + timedelta(seconds=seconds)


def answers_per_worker(db: Database, scope: Scope) -> dict[str, Any]:
    """Answers per worker (`worker_figure`), read from the answers kept per (pool, worker): one row per worker."""
    with db.read() as conn:
        counts = pool_counters.worker_answers(conn, scope.where(pool_worker_answers.c.pool_id))
        return worker_figure(conn, counts)


def worker_figure(conn: Connection, counts: dict[int, int]) -> dict[str, Any]:
    """Named bars (most first) for a small crowd, else how many workers gave how many answers
    (`bins`: `(low, high, workers)`, answer counts low <= n < high); `counts`: worker -> answers."""
    if len(counts) <= NAMED_WORKERS:
        logins = {r.id: r.login for r in conn.execute(select(workers.c.id, workers.c.login)
                                                      .where(one_of(workers.c.id, sorted(counts))))}
        named = sorted(((logins.get(w, "?"), n, w) for w, n in counts.items()), key=lambda x: (-x[1], x[2]))
        return {"workers": len(counts), "named": [(login, n) for login, n, _ in named]}
    most = max(counts.values())
    width = max(1, math.ceil((most + 1) / MAX_BUCKETS))
    bins = [0] * (most // width + 1)
    for n in counts.values():
        bins[n // width] += 1
    return {"workers": len(counts), "bins": [(b * width, (b + 1) * width, k) for b, k in enumerate(bins) if k]}


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
    """How long answered suites took (taken to submitted), in at most MAX_BUCKETS bins of `width`
    seconds from 0, and the fast-submit thresholds of the scope's pools' quality rules. Fine bins
    (at most FINE_BUCKETS up to the pools' longest assignment duration) are sums of the suites kept
    per whole second, minute or hour taken (the widest that divides the fine width)."""
    with db.read() as conn:
        thresholds: set[float] = set()
        longest_allowed = 1.0
        for (data,) in conn.execute(select(pools.c.data).where(scope.where(pools.c.id))):
            thresholds.update(fast_thresholds(data))
            longest_allowed = max(longest_allowed, float(PoolData.of(data).assignment_max_duration_seconds or 0))
        fine_width = nice_width(longest_allowed, FINE_BUCKETS)
        kept = pool_counters.chart_buckets(conn, scope.where(pool_chart_counts.c.pool_id), "submit-times",
                                           pool_counters.chart_step("submit-times", fine_width))
    fine: dict[int, int] = {}
    for second, n in kept.items():
        fine[second // fine_width] = fine.get(second // fine_width, 0) + n
    fine = {b: n for b, n in fine.items() if n}
    if not fine:
        return {"width": 0, "bins": [], "thresholds": sorted(thresholds), "suites": 0}
    for edge in (0, int(max(thresholds, default=0.0) // fine_width)):  # from 0 s, past the threshold
        fine.setdefault(edge, 0)
    width, _, counts = _merge(fine, fine_width, 0.0)
    return {"width": width, "bins": [(i * width, (i + 1) * width, n) for i, n in enumerate(counts)],
            "thresholds": sorted(thresholds), "suites": sum(counts)}


FIGURES = {"completion": completion, "answers-per-worker": answers_per_worker, "quality": quality,
           "submit-times": submit_times}
