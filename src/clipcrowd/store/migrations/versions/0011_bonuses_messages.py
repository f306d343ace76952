"""user bonuses, message threads and webhook subscriptions

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "user_bonuses",
        sa.Column("id", PK, autoincrement=True, nullable=False),
        sa.Column("worker_id", PK, nullable=False),
        sa.Column("assignment_id", PK, nullable=True),
        sa.Column("amount", sa.String(length=32), nullable=False),
        sa.Column("private_comment", sa.Text(), nullable=True),
        sa.Column("public_title", sa.JSON(), nullable=True),
        sa.Column("public_message", sa.JSON(), nullable=True),
        sa.Column("without_message", sa.Boolean(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], name=op.f("fk_user_bonuses_worker_id_workers"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"],
                                name=op.f("fk_user_bonuses_assignment_id_assignments"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_bonuses")),
    )
    op.create_index(op.f("ix_user_bonuses_worker_id"), "user_bonuses", ["worker_id"])
    op.create_table(
        "message_threads",
        sa.Column("id", PK, autoincrement=True, nullable=False),
        sa.Column("topic", sa.JSON(), nullable=False),
        sa.Column("text", sa.JSON(), nullable=False),
        sa.Column("answerable", sa.Boolean(), nullable=False),
        sa.Column("recipients_select_type", sa.String(length=20), nullable=False),
        sa.Column("recipient_ids", sa.JSON(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_threads")),
    )
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", PK, autoincrement=True, nullable=False),
        sa.Column("pool_id", PK, nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("webhook_url", sa.String(length=2000), nullable=False),
        sa.Column("secret_key", sa.String(length=200), nullable=True),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["pool_id"], ["pools.id"], name=op.f("fk_webhook_subscriptions_pool_id_pools"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
        sa.UniqueConstraint("pool_id", "event_type", "webhook_url", name="uq_webhook_subscriptions_pool_event_url"),
    )


def downgrade() -> None:
    op.drop_table("webhook_subscriptions")
    op.drop_table("message_threads")
    op.drop_index(op.f("ix_user_bonuses_worker_id"), table_name="user_bonuses")
    op.drop_table("user_bonuses")
