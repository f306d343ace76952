"""Per (pool, worker) sums of her submissions, kept as each one comes in.

The desk's worker table shows, per worker, how many golden answers she got right and how many
submissions were faster than the pool's fast-submit threshold. Summing those over the events at
every page view costs a pass over all of a pool's answers; one upsert per submission keeps the sums
in `pool_worker_stats` instead. A submission counts as fast against the threshold in force when it
came in.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from clipcrowd.domain.pool import PoolRules
from clipcrowd.store.direct import Direct
from clipcrowd.store.tables import pool_worker_stats

DEFAULT_FAST_SECONDS = 10.0


def fast_threshold(pool_data: Mapping[str, Any]) -> float:
    """Seconds under which a submission is fast: the pool's ASSIGNMENT_SUBMIT_TIME rule, or 10."""
    for config in (PoolRules.of(pool_data).quality_control.get("configs") or []):
        collector = config.get("collector_config") or {}
        if collector.get("type") == "ASSIGNMENT_SUBMIT_TIME":
            return float((collector.get("parameters") or {}).get("fast_submit_threshold_seconds", DEFAULT_FAST_SECONDS))
    return DEFAULT_FAST_SECONDS


@functools.cache
def add_statement(postgresql_: bool) -> Direct:
    """The upsert that adds one submission's numbers (built once per dialect: it runs per submission)."""
    statement = (postgresql if postgresql_ else sqlite).insert(pool_worker_stats)
    t, new = pool_worker_stats.c, statement.excluded
    return Direct(statement.on_conflict_do_update(index_elements=[t.pool_id, t.worker_id], set_={
        "submitted": t.submitted + new.submitted, "golden_right": t.golden_right + new.golden_right,
        "golden_total": t.golden_total + new.golden_total, "fast_submits": t.fast_submits + new.fast_submits}))


def on_submitted(conn: Connection, pool: Any, worker_id: int, seconds: float, golden_outcomes: Sequence[bool]) -> None:
    """Add one submission to the worker's sums for the pool (one statement)."""
    add_statement(conn.dialect.name == "postgresql").run(conn, submitted_values(pool, worker_id, seconds,
                                                                                golden_outcomes))


def submitted_values(pool: Any, worker_id: int, seconds: float, golden_outcomes: Sequence[bool]) -> dict[str, Any]:
    """The values of `add_statement` for one submission."""
    return {"pool_id": pool.id, "worker_id": worker_id, "submitted": 1,
            "golden_right": sum(1 for x in golden_outcomes if x), "golden_total": len(golden_outcomes),
            "fast_submits": 1 if seconds < fast_threshold(pool.data) else 0}
