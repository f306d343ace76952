"""Partial indexes over tasks that still need work, and golden tasks (issuing stays an index lookup).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_tasks = sa.table(
    "tasks", sa.column("golden", sa.Boolean), sa.column("infinite_overlap", sa.Boolean),
    sa.column("assigned_count", sa.Integer), sa.column("answered_count", sa.Integer), sa.column("overlap", sa.Integer),
)
_OPEN = sa.and_(_tasks.c.golden == sa.false(), sa.or_(_tasks.c.infinite_overlap == sa.true(),
                                                      _tasks.c.assigned_count < _tasks.c.overlap))
_GOLDEN = _tasks.c.golden == sa.true()
_UNANSWERED = sa.and_(_tasks.c.golden == sa.false(), _tasks.c.infinite_overlap == sa.false(),
                      _tasks.c.answered_count < _tasks.c.overlap)


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_index("ix_tasks_pool_golden_id")
    op.create_index("ix_tasks_pool_id", "tasks", ["pool_id", "id"])
    op.create_index("ix_tasks_golden", "tasks", ["pool_id", "id"], postgresql_where=_GOLDEN,
                    sqlite_where=_GOLDEN)
    op.create_index("ix_tasks_open_real", "tasks", ["pool_id", "id"], postgresql_where=_OPEN, sqlite_where=_OPEN)
    op.create_index("ix_tasks_unanswered_real", "tasks", ["pool_id"], postgresql_where=_UNANSWERED,
                    sqlite_where=_UNANSWERED)


def downgrade() -> None:
    op.drop_index("ix_tasks_golden", table_name="tasks")
    op.drop_index("ix_tasks_pool_id", table_name="tasks")
    op.create_index("ix_tasks_pool_golden_id", "tasks", ["pool_id", "golden", "id"])
    op.drop_index("ix_tasks_unanswered_real", table_name="tasks")
    op.drop_index("ix_tasks_open_real", table_name="tasks")
