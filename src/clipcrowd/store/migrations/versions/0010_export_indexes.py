"""Indexes that keep exports and the desk's reads proportional to what they return.

`(pool_id, id)` on assignments lets an export read a pool's answers in keyset chunks in id order;
`task_id` on aggregated labels finds a chunk's stored labels without scanning the pool's.

Revision ID: 0010
Revises: 0005
"""

from alembic import op

revision = "0010"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_assignments_pool_id_id", "assignments", ["pool_id", "id"])
    op.create_index("ix_aggregated_labels_task_id", "aggregated_labels", ["task_id"])


def downgrade() -> None:
    op.drop_index("ix_aggregated_labels_task_id", table_name="aggregated_labels")
    op.drop_index("ix_assignments_pool_id_id", table_name="assignments")
