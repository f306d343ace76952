"""asset_tasks: which tasks point at which asset, for assets' labelling status

Revision ID: 0018_asset_status
Revises: 0011

Existing tasks are linked by reading their input values once, here; new tasks are linked as they
are written (services/asset_status.link).
"""

import sqlalchemy as sa
from alembic import op

from clipcrowd.domain.assets import asset_pointers

revision = "0018_asset_status"
down_revision = "0017_upload_duration"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_tasks = sa.table("tasks", sa.column("id", PK), sa.column("pool_id", PK), sa.column("data", sa.JSON))
_pools = sa.table("pools", sa.column("id", PK), sa.column("project_id", PK))
_assets = sa.table("assets", sa.column("id", PK), sa.column("project_id", PK))
_links = sa.table("asset_tasks", sa.column("asset_id", PK), sa.column("task_id", PK))


def upgrade() -> None:
    op.create_table(
        "asset_tasks",
        sa.Column("asset_id", PK, nullable=False),
        sa.Column("task_id", PK, nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"], name=op.f("fk_asset_tasks_asset_id_assets"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_asset_tasks_task_id_tasks"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("asset_id", "task_id", name=op.f("pk_asset_tasks")),
    )
    op.create_index("ix_asset_tasks_task_id", "asset_tasks", ["task_id"])
    conn = op.get_bind()
    owner = {a.id: a.project_id for a in conn.execute(sa.select(_assets.c.id, _assets.c.project_id))}
    if not owner:
        return
    project_of = {p.id: p.project_id for p in conn.execute(sa.select(_pools.c.id, _pools.c.project_id))}
    rows = []
    for task in conn.execute(sa.select(_tasks.c.id, _tasks.c.pool_id, _tasks.c.data)
                             .where(sa.cast(_tasks.c.data, sa.Text).like("%/api/v1/assets/%"))):
        data = task.data if isinstance(task.data, dict) else {}
        rows += [{"asset_id": a, "task_id": task.id} for a in sorted(asset_pointers(data.get("input_values")))
                 if owner.get(a) is not None and owner[a] == project_of.get(task.pool_id)]
    for start in range(0, len(rows), 5000):
        conn.execute(sa.insert(_links), rows[start:start + 5000])


def downgrade() -> None:
    op.drop_index("ix_asset_tasks_task_id", table_name="asset_tasks")
    op.drop_table("asset_tasks")
