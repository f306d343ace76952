"""The desk's charts read a pool's submission times from an index alone.

`(pool_id, submitted, created)` on assignments: completion over time buckets a pool's answered
suites by `submitted`, the submit-time chart by `submitted - created`, both without reading the
wide rows (answers, task ids) of 300k assignments.

Revision ID: 0016_desk_charts
Revises: 0011
"""

from alembic import op

revision = "0016_desk_charts"
down_revision = "0014_invite_checks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_assignments_pool_submitted", "assignments", ["pool_id", "submitted", "created"])


def downgrade() -> None:
    op.drop_index("ix_assignments_pool_submitted", table_name="assignments")
