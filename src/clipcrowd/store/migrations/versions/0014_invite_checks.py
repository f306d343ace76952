"""invites carry the profile facts a pool's filter asks of the invitee (country, region, ...)

Revision ID: 0014_invite_checks
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_invite_checks"
down_revision = "0012_suites_trainings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invites") as batch:
        batch.add_column(sa.Column("profile", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invites") as batch:
        batch.drop_column("profile")
