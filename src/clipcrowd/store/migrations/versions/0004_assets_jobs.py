"""assets and jobs for media ingest

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('assets',
    sa.Column('id', PK, autoincrement=True, nullable=False),
    sa.Column('project_id', PK, nullable=False),
    sa.Column('external_id', sa.String(length=500), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('updated', sa.DateTime(), nullable=False),
    sa.Column('source', sa.JSON(), nullable=False),
    sa.Column('json_metadata', sa.JSON(), nullable=False),
    sa.Column('json_content', sa.JSON(), nullable=True),
    sa.Column('content_key', sa.String(length=500), nullable=True),
    sa.Column('proxy_key', sa.String(length=500), nullable=True),
    sa.Column('cover_key', sa.String(length=500), nullable=True),
    sa.Column('frames_key', sa.String(length=500), nullable=True),
    sa.Column('info', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_assets_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assets')),
    sa.UniqueConstraint('project_id', 'external_id', name='uq_assets_project_external_id')
    )
    op.create_table('jobs',
    sa.Column('id', PK, autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('project_id', PK, nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=200), nullable=True),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('started', sa.DateTime(), nullable=True),
    sa.Column('finished', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_jobs_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    op.create_index('ix_jobs_status_id', 'jobs', ['status', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_jobs_status_id', table_name='jobs')
    op.drop_table('jobs')
    op.drop_table('assets')
