"""aggregation results: aggregated labels and worker quality per pool, field and method

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 12:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('aggregated_labels',
    sa.Column('id', PK, autoincrement=True, nullable=False),
    sa.Column('pool_id', PK, nullable=False),
    sa.Column('task_id', PK, nullable=False),
    sa.Column('field', sa.String(length=200), nullable=False),
    sa.Column('method', sa.String(length=40), nullable=False),
    sa.Column('label', sa.JSON(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('operation_id', sa.String(length=64), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['pool_id'], ['pools.id'], name=op.f('fk_aggregated_labels_pool_id_pools')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_aggregated_labels_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aggregated_labels')),
    sa.UniqueConstraint('pool_id', 'field', 'method', 'task_id', name='uq_aggregated_labels_pool_field_method_task')
    )
    op.create_index('ix_aggregated_labels_operation_id', 'aggregated_labels', ['operation_id', 'id'], unique=False)
    op.create_table('worker_quality',
    sa.Column('id', PK, autoincrement=True, nullable=False),
    sa.Column('pool_id', PK, nullable=False),
    sa.Column('worker_id', PK, nullable=False),
    sa.Column('field', sa.String(length=200), nullable=False),
    sa.Column('method', sa.String(length=40), nullable=False),
    sa.Column('quality', sa.Float(), nullable=True),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('operation_id', sa.String(length=64), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['pool_id'], ['pools.id'], name=op.f('fk_worker_quality_pool_id_pools')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_worker_quality_worker_id_workers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_quality')),
    sa.UniqueConstraint('pool_id', 'field', 'method', 'worker_id', name='uq_worker_quality_pool_field_method_worker')
    )
    op.create_index('ix_worker_quality_worker_id', 'worker_quality', ['worker_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_worker_quality_worker_id', table_name='worker_quality')
    op.drop_table('worker_quality')
    op.drop_index('ix_aggregated_labels_operation_id', table_name='aggregated_labels')
    op.drop_table('aggregated_labels')
