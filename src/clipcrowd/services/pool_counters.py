"""A pool's counts as the database keeps them: assignments by status, real tasks, answers wanted and in;
and what the desk's charts draw: answers per time bucket, suites per time taken, answers per worker.

Triggers on `assignments` and `tasks` (migration `0019_pool_counters`) add every change to
`pool_counts` and `pool_worker_counts` in the transaction that makes it, whichever code makes it, so
these reads cost a few rows however large the pool: up to 1,024 rows per pool on PostgreSQL (summed
here), one on SQLite, and one per worker who took the pool. They equal a fresh COUNT/SUM over the
pool at every commit (tests/test_desk_counters.py). The charts' counts are kept the same way by
migration `0022_chart_counters` (tests/test_chart_counters.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select

from clipcrowd.store.tables import (
    POOL_STATUS_COUNTS,
    POOL_TASK_COUNTS,
    pool_chart_counts,
    pool_counts,
    pool_worker_answers,
    pool_worker_counts,
)

STATUSES = tuple(name.upper() for name in POOL_STATUS_COUNTS)  # ACTIVE, SUBMITTED, … as assignments spell them
#: Bucket widths (seconds) `pool_chart_counts` keeps per chart: a reader takes the widest that
#: divides the width it draws. The same tuples as migration 0022_chart_counters' (a test holds them equal).
CHART_STEPS = {"completion": (1, 60, 3600, 86400), "submit-times": (1, 60, 3600)}


@dataclass(frozen=True)
class PoolCounts:
    """`statuses`: assignments by status; real tasks; over real tasks of finite overlap, answers
    `wanted` (their overlaps), `answered` (answered_count) and `got` (answered_count up to the overlap)."""

    statuses: dict[str, int]
    real_tasks: int = 0
    wanted: int = 0
    answered: int = 0
    got: int = 0

    @property
    def completion(self) -> float:
        """Share of the wanted answers that came in, 0 to 100 (2 decimals)."""
        return round(100.0 * self.got / self.wanted, 2) if self.wanted else 0.0

    @property
    def remaining(self) -> int:
        return max(self.wanted - self.answered, 0)


def _sums(table: Any, names: tuple[str, ...]) -> list[Any]:
    return [func.coalesce(func.sum(table.c[name]), 0).label(name) for name in names]


def _counts(row: Any) -> PoolCounts:
    return PoolCounts(statuses={s: int(row[c]) for s, c in zip(STATUSES, POOL_STATUS_COUNTS, strict=True)},
                      **{c: int(row[c]) for c in POOL_TASK_COUNTS})


def of_pool(conn: Connection, pool_id: int) -> PoolCounts:
    row = conn.execute(select(*_sums(pool_counts, POOL_STATUS_COUNTS + POOL_TASK_COUNTS))
                       .where(pool_counts.c.pool_id == pool_id)).mappings().one()
    return _counts(row)


def of_pools(conn: Connection) -> dict[int, PoolCounts]:
    """Every pool's counts in one grouped read; a pool without rows (no task, no assignment) is absent."""
    query = select(pool_counts.c.pool_id, *_sums(pool_counts, POOL_STATUS_COUNTS + POOL_TASK_COUNTS))
    return {row["pool_id"]: _counts(row) for row in conn.execute(query.group_by(pool_counts.c.pool_id)).mappings()}


def wanted(conn: Connection, where: ColumnElement[bool]) -> int:
    """Answers wanted over the pools `where` (a condition on `pool_counts.c.pool_id`) keeps."""
    return int(conn.execute(select(func.coalesce(func.sum(pool_counts.c.wanted), 0)).where(where)).scalar_one())


def of_workers(conn: Connection, pool_id: int) -> dict[int, dict[str, int]]:
    """Per worker who holds or held an assignment of the pool, her assignments by status."""
    w = pool_worker_counts.c
    return {row.worker_id: {s: int(getattr(row, c)) for s, c in zip(STATUSES, POOL_STATUS_COUNTS, strict=True)}
            for row in conn.execute(select(w.worker_id, *(w[c] for c in POOL_STATUS_COUNTS))
                                    .where(w.pool_id == pool_id, _any_assignment()))}


def workers_count(conn: Connection, pool_id: int) -> int:
    w = pool_worker_counts.c
    return int(conn.execute(select(func.count()).select_from(pool_worker_counts)
                            .where(w.pool_id == pool_id, _any_assignment())).scalar_one())


def _any_assignment() -> ColumnElement[bool]:
    """A worker row outlives her assignments when they are deleted; it counts while one is left."""
    w = pool_worker_counts.c
    total: Any = w[POOL_STATUS_COUNTS[0]]
    for name in POOL_STATUS_COUNTS[1:]:
        total = total + w[name]
    return total > 0


def chart_step(chart: str, width: int) -> int:
    """The widest kept step of `chart` that divides `width` seconds (1 s divides every width)."""
    return max(step for step in CHART_STEPS[chart] if width % step == 0)


def chart_buckets(conn: Connection, where: ColumnElement[bool], chart: str, step: int,
                  low: int | None = None, high: int | None = None) -> dict[int, int]:
    """First second of each bucket of `step` seconds -> its count, over the pools `where` (a
    condition on `pool_chart_counts.c.pool_id`) keeps, buckets from `low` to `high` if given; empty
    buckets left out."""
    c = pool_chart_counts.c
    query = select(c.bucket, func.sum(c.n)).where(where, c.chart == chart, c.step == step)
    if low is not None:
        query = query.where(c.bucket >= low)
    if high is not None:
        query = query.where(c.bucket <= high)
    return {int(b): int(n) for b, n in conn.execute(query.group_by(c.bucket)) if n}


def worker_answers(conn: Connection, where: ColumnElement[bool]) -> dict[int, int]:
    """Worker -> her answers to real tasks of answered suites, over the pools `where` (a condition on
    `pool_worker_answers.c.pool_id`) keeps; workers without one left out."""
    w = pool_worker_answers.c
    return {int(worker): int(n) for worker, n in conn.execute(
        select(w.worker_id, func.sum(w.answers)).where(where).group_by(w.worker_id)) if n}
