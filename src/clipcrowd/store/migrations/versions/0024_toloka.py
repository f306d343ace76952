"""message_threads.folders and .replies: threads a requester files and answers

`folders` holds the thread's folders as ",OUTBOX,IMPORTANT," so that a search for a folder is a
LIKE on both databases; `replies` the requester's later messages in the thread.

Revision ID: 0024_toloka
Revises: 0023_sign_in_limits
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_toloka"
down_revision = "0023_sign_in_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message_threads") as batch:
        batch.add_column(sa.Column("folders", sa.String(length=200), nullable=False, server_default=",OUTBOX,"))
        batch.add_column(sa.Column("replies", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("message_threads") as batch:
        batch.drop_column("replies")
        batch.drop_column("folders")
