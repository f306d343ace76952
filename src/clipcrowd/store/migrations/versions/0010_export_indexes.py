"""Reads that stay proportional to what they return, however large a pool grows.

- `(pool_id, id)` on assignments: an export reads a pool's answers in keyset chunks in id order;
- `(pool_id, worker_id, status)` on assignments: the desk counts outcomes per worker from the index;
- `task_id` on aggregated labels: a chunk's stored labels without scanning the pool's;
- `pool_worker_stats`: per (pool, worker) sums of submissions (golden right / total, fast submits),
  kept as submissions come in; filled here from the SUBMITTED events already stored.

Revision ID: 0010
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None

_events = sa.table("events", sa.column("pool_id", sa.BigInteger), sa.column("worker_id", sa.BigInteger),
                   sa.column("type", sa.String), sa.column("data", sa.JSON))
_pools = sa.table("pools", sa.column("id", sa.BigInteger), sa.column("data", sa.JSON))


def _threshold(pool_data: dict) -> float:
    for config in ((pool_data or {}).get("quality_control") or {}).get("configs") or []:
        collector = config.get("collector_config") or {}
        if collector.get("type") == "ASSIGNMENT_SUBMIT_TIME":
            return float((collector.get("parameters") or {}).get("fast_submit_threshold_seconds", 10.0))
    return 10.0


def upgrade() -> None:
    op.create_index("ix_assignments_pool_id_id", "assignments", ["pool_id", "id"])
    op.create_index("ix_assignments_pool_worker_status", "assignments", ["pool_id", "worker_id", "status"])
    op.create_index("ix_aggregated_labels_task_id", "aggregated_labels", ["task_id"])
    stats = op.create_table(
        "pool_worker_stats",
        sa.Column("pool_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  sa.ForeignKey("pools.id", name="fk_pool_worker_stats_pool_id_pools"), primary_key=True),
        sa.Column("worker_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  sa.ForeignKey("workers.id", name="fk_pool_worker_stats_worker_id_workers", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("submitted", sa.Integer, nullable=False),
        sa.Column("golden_right", sa.Integer, nullable=False),
        sa.Column("golden_total", sa.Integer, nullable=False),
        sa.Column("fast_submits", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("pool_id", "worker_id", name="pk_pool_worker_stats"),
    )
    conn = op.get_bind()
    thresholds = {row.id: _threshold(row.data) for row in conn.execute(sa.select(_pools.c.id, _pools.c.data))}
    sums: dict[tuple[int, int], list[int]] = {}
    for row in conn.execute(sa.select(_events.c.pool_id, _events.c.worker_id, _events.c.data).where(
            _events.c.type == "SUBMITTED", _events.c.pool_id.is_not(None), _events.c.worker_id.is_not(None))):
        data = row.data or {}
        outcomes = data.get("golden_outcomes") or []
        fast = float(data.get("duration_seconds", 1e9)) < thresholds.get(row.pool_id, 10.0)
        entry = sums.setdefault((row.pool_id, row.worker_id), [0, 0, 0, 0])
        entry[0] += 1
        entry[1] += sum(1 for x in outcomes if x)
        entry[2] += len(outcomes)
        entry[3] += int(fast)
    if sums:
        op.bulk_insert(stats, [{"pool_id": p, "worker_id": w, "submitted": s[0], "golden_right": s[1],
                                "golden_total": s[2], "fast_submits": s[3]} for (p, w), s in sums.items()])


def downgrade() -> None:
    op.drop_table("pool_worker_stats")
    op.drop_index("ix_aggregated_labels_task_id", table_name="aggregated_labels")
    op.drop_index("ix_assignments_pool_worker_status", table_name="assignments")
    op.drop_index("ix_assignments_pool_id_id", table_name="assignments")
