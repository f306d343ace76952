"""attachments.duration_us: how long an uploaded recording lasts (filled when it is stored)

Revision ID: 0017_upload_duration
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_upload_duration"
down_revision = "0016_desk_charts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("duration_us", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("duration_us")
