"""sign_in_failures: failed sign-ins kept in the database, so every server process counts the same ones

Revision ID: 0023_sign_in_limits
Revises: 0022_chart_counters
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_sign_in_limits"
down_revision = "0022_chart_counters"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", PK, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failed_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index("ix_sign_in_failures_key_failed_at", "sign_in_failures", ["key", "failed_at"])
    op.create_index("ix_sign_in_failures_failed_at", "sign_in_failures", ["failed_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_failed_at", table_name="sign_in_failures")
    op.drop_index("ix_sign_in_failures_key_failed_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
