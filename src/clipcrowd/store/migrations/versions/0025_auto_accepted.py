"""assignments.auto_accepted: an answer accepted when its pool's review period ran out, not by a person

An asset's labelling status tells the two apart (LABELED, not REVIEWED). Answers accepted that way
before this migration cannot be told from a requester's late acceptance and stay as they are.
Adding (and dropping) the column rebuilds no table, so the triggers of 0019_pool_counters stay.

Revision ID: 0025_auto_accepted
Revises: 0024_toloka
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_auto_accepted"
down_revision = "0024_toloka"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("assignments", sa.Column("auto_accepted", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite 3.35+ has it): a batch rebuild would drop 0019's triggers
    op.execute("ALTER TABLE assignments DROP COLUMN auto_accepted")
