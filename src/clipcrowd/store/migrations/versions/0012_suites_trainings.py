"""task suites made by the requester, training pools

Revision ID: 0012_suites_trainings
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_suites_trainings"
down_revision = "0011"  # the brief names it "0011_bonuses_messages"; this branch's 0011 is "0011"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "task_suites",
        sa.Column("id", PK, autoincrement=True, nullable=False),
        sa.Column("pool_id", PK, nullable=False),
        sa.Column("issuing_order_override", sa.Integer(), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["pool_id"], ["pools.id"], name=op.f("fk_task_suites_pool_id_pools")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_suites")),
    )
    op.create_index("ix_task_suites_pool_id", "task_suites", ["pool_id", "id"])
    op.add_column("tasks", sa.Column("suite_id", PK, nullable=True))
    if op.get_bind().dialect.name != "sqlite":  # SQLite cannot add a constraint to a table in place
        op.create_foreign_key("fk_tasks_suite_id_task_suites", "tasks", "task_suites", ["suite_id"], ["id"])
    op.create_index("ix_tasks_suite_id", "tasks", ["suite_id"])
    op.add_column("pools", sa.Column("type", sa.String(length=20), nullable=False, server_default="REGULAR"))


def downgrade() -> None:
    op.drop_column("pools", "type")
    op.drop_index("ix_tasks_suite_id", table_name="tasks")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_tasks_suite_id_task_suites", "tasks", type_="foreignkey")
    op.drop_column("tasks", "suite_id")  # SQLite 3.35+ drops a column without a constraint in place
    op.drop_index("ix_task_suites_pool_id", table_name="task_suites")
    op.drop_table("task_suites")
