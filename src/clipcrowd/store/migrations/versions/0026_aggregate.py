"""label_chunks in place of run_labels: a run's labels as packed arrays, 4,096 tasks a row

Storing a run of 100,000 labels as one row each cost as much as Dawid-Skene itself (a B-tree entry
per label, and per row work in the driver); packed, it is 25 rows (see services/label_runs.py).
Each chunk is three little-endian arrays — task ids (int64, ascending), indexes into the run's
labels (int32), confidences (float64) — under (run, its last task id). On PostgreSQL the arrays are
stored uncompressed (they hardly compress, and a page read would pay to decompress them). Stored
labels are carried over run by run, in both directions.

Revision ID: 0026_aggregate
Revises: 0025_auto_accepted
"""

from typing import Any

import numpy as np
import sqlalchemy as sa
from alembic import op

revision = "0026_aggregate"
down_revision = "0025_auto_accepted"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CHUNK = 4096  # services.label_runs.CHUNK when this was written
BATCH = 5000
_runs = sa.table("aggregation_runs", sa.column("id", PK))
_rows = sa.table("run_labels", sa.column("run_id", PK), sa.column("task_id", PK), sa.column("label", sa.Integer),
                 sa.column("confidence", sa.Float))
_chunks = sa.table("label_chunks", sa.column("run_id", PK), sa.column("last_task", PK),
                   sa.column("tasks", sa.LargeBinary), sa.column("labels", sa.LargeBinary),
                   sa.column("confidence", sa.LargeBinary))
LAYOUT = (("tasks", "<i8"), ("labels", "<i4"), ("confidence", "<f8"))


def _run_ids(conn: sa.Connection) -> list[int]:
    return list(conn.execute(sa.select(_runs.c.id).order_by(_runs.c.id)).scalars())


def upgrade() -> None:
    op.create_table(
        "label_chunks",
        sa.Column("run_id", PK, autoincrement=False, nullable=False),
        sa.Column("last_task", PK, autoincrement=False, nullable=False),
        sa.Column("tasks", sa.LargeBinary(), nullable=False),
        sa.Column("labels", sa.LargeBinary(), nullable=False),
        sa.Column("confidence", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "last_task", name=op.f("pk_label_chunks")),
    )
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for name, _ in LAYOUT:
            op.execute(f"ALTER TABLE label_chunks ALTER COLUMN {name} SET STORAGE EXTERNAL")
    for run_id in _run_ids(conn):
        stored = conn.execute(sa.select(_rows.c.task_id, _rows.c.label, _rows.c.confidence)
                              .where(_rows.c.run_id == run_id).order_by(_rows.c.task_id)).all()
        for start in range(0, len(stored), CHUNK):
            part = stored[start:start + CHUNK]
            packed: dict[str, Any] = {name: np.array([row[i] for row in part], dtype=layout).tobytes()
                                      for i, (name, layout) in enumerate(LAYOUT)}
            conn.execute(sa.insert(_chunks).values(run_id=run_id, last_task=part[-1].task_id, **packed))
    op.drop_table("run_labels")


def downgrade() -> None:
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
    c = _chunks.c
    for run_id in _run_ids(conn):
        rows: list[dict[str, Any]] = []
        for chunk in conn.execute(sa.select(c.tasks, c.labels, c.confidence).where(c.run_id == run_id)
                                  .order_by(c.last_task)):
            columns = [np.frombuffer(chunk[i], dtype=layout).tolist() for i, (_, layout) in enumerate(LAYOUT)]
            rows += [{"run_id": run_id, "task_id": t, "label": code, "confidence": share}
                     for t, code, share in zip(*columns, strict=True)]
        for start in range(0, len(rows), BATCH):
            conn.execute(sa.insert(_rows), rows[start:start + BATCH])
    op.drop_table("label_chunks")
