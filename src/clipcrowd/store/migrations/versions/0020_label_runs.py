"""aggregation_runs + run_labels in place of aggregated_labels: a run's labels as compact rows

One row per run of a method on a pool's field (pool, field, method, operation, time, the distinct
labels as a JSON list) and its labels as (run, task, index into that list, confidence) under one
key, so that storing a run of 100,000 labels is one bulk insert into one B-tree instead of 100,000
rows of repeated text under four indexes (see services/label_runs.py). Existing labels are carried
over run by run.

Revision ID: 0020_label_runs
Revises: 0018_asset_status
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0020_label_runs"
down_revision = "0019_pool_counters"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BATCH = 5000
_old = sa.table("aggregated_labels", sa.column("id", PK), sa.column("pool_id", PK), sa.column("task_id", PK),
                sa.column("field", sa.String), sa.column("method", sa.String), sa.column("label", sa.JSON),
                sa.column("confidence", sa.Float), sa.column("operation_id", sa.String),
                sa.column("created", sa.DateTime))
_runs = sa.table("aggregation_runs", sa.column("id", PK), sa.column("pool_id", PK), sa.column("field", sa.String),
                 sa.column("method", sa.String), sa.column("operation_id", sa.String),
                 sa.column("created", sa.DateTime), sa.column("labels", sa.JSON), sa.column("tasks", sa.Integer))
_rows = sa.table("run_labels", sa.column("run_id", PK), sa.column("task_id", PK), sa.column("label", sa.Integer),
                 sa.column("confidence", sa.Float))


def _insert(conn: sa.Connection, table: sa.TableClause, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        conn.execute(sa.insert(table), rows[start:start + BATCH])


def upgrade() -> None:
    op.create_table(
        "aggregation_runs",
        sa.Column("id", PK, autoincrement=True, nullable=False),
        sa.Column("pool_id", PK, nullable=False),
        sa.Column("field", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("operation_id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["pool_id"], ["pools.id"], name=op.f("fk_aggregation_runs_pool_id_pools")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aggregation_runs")),
        sa.UniqueConstraint("pool_id", "field", "method", name="uq_aggregation_runs_pool_field_method"),
    )
    op.create_index("ix_aggregation_runs_operation_id", "aggregation_runs", ["operation_id"])
    op.create_table(
        "run_labels",
        sa.Column("run_id", PK, autoincrement=False, nullable=False),
        sa.Column("task_id", PK, autoincrement=False, nullable=False),
        sa.Column("label", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "task_id", name=op.f("pk_run_labels")),
        sqlite_with_rowid=False,
    )
    conn = op.get_bind()
    o = _old.c
    scopes = conn.execute(sa.select(o.pool_id, o.field, o.method, sa.func.max(o.operation_id).label("op"),
                                    sa.func.max(o.created).label("created"))
                          .group_by(o.pool_id, o.field, o.method).order_by(sa.func.max(o.created))).all()
    for scope in scopes:
        stored = conn.execute(sa.select(o.task_id, o.label, o.confidence).where(
            o.pool_id == scope.pool_id, o.field == scope.field, o.method == scope.method).order_by(o.task_id)).all()
        codes: dict[str, int] = {}
        values: list[Any] = []
        for row in stored:
            key = json.dumps(row.label)
            if key not in codes:
                codes[key] = len(values)
                values.append(row.label)
        run_id = conn.execute(sa.insert(_runs).values(
            pool_id=scope.pool_id, field=scope.field, method=scope.method, operation_id=scope.op,
            created=scope.created, labels=values, tasks=len(stored)).returning(_runs.c.id)).scalar_one()
        _insert(conn, _rows, [{"run_id": run_id, "task_id": r.task_id, "label": codes[json.dumps(r.label)],
                               "confidence": r.confidence} for r in stored])
    op.drop_index("ix_aggregated_labels_task_id", table_name="aggregated_labels")
    op.drop_index("ix_aggregated_labels_operation_id", table_name="aggregated_labels")
    op.drop_table("aggregated_labels")


def downgrade() -> None:
    op.create_table(
        "aggregated_labels",
        sa.Column("id", PK, autoincrement=True, nullable=False),
        sa.Column("pool_id", PK, nullable=False),
        sa.Column("task_id", PK, nullable=False),
        sa.Column("field", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("label", sa.JSON(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("operation_id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["pool_id"], ["pools.id"], name=op.f("fk_aggregated_labels_pool_id_pools")),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_aggregated_labels_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aggregated_labels")),
        sa.UniqueConstraint("pool_id", "field", "method", "task_id", name="uq_aggregated_labels_pool_field_method_task"),
    )
    op.create_index("ix_aggregated_labels_operation_id", "aggregated_labels", ["operation_id", "id"])
    op.create_index("ix_aggregated_labels_task_id", "aggregated_labels", ["task_id"])
    conn = op.get_bind()
    for run in conn.execute(sa.select(_runs).order_by(_runs.c.created, _runs.c.id)).all():
        stored = conn.execute(sa.select(_rows.c.task_id, _rows.c.label, _rows.c.confidence)
                              .where(_rows.c.run_id == run.id).order_by(_rows.c.task_id)).all()
        _insert(conn, _old, [{"pool_id": run.pool_id, "task_id": r.task_id, "field": run.field, "method": run.method,
                              "label": run.labels[r.label], "confidence": r.confidence,
                              "operation_id": run.operation_id, "created": run.created} for r in stored])
    op.drop_table("run_labels")
    op.drop_index("ix_aggregation_runs_operation_id", table_name="aggregation_runs")
    op.drop_table("aggregation_runs")
