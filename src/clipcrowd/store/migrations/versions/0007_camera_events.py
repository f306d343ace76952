"""cameras, files received by camera imports, motion events

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cameras",
        sa.Column("id", PK, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("local_camera_id", sa.String(64), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cameras"),
        sa.UniqueConstraint("name", name="uq_cameras_name"),
    )
    op.create_table(
        "camera_files",
        sa.Column("id", PK, autoincrement=True, nullable=False),
        sa.Column("job_id", PK, nullable=False),
        sa.Column("shard_id", sa.Integer(), nullable=False),
        sa.Column("sha1", sa.String(40), nullable=False),
        sa.Column("camera_id", PK, nullable=False),
        sa.Column("asset_id", PK, nullable=True),
        sa.Column("filename", sa.String(1000), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name="fk_camera_files_job_id_jobs", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"], name="fk_camera_files_camera_id_cameras"),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"], name="fk_camera_files_asset_id_assets",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_camera_files"),
        sa.UniqueConstraint("job_id", "sha1", name="uq_camera_files_job_id_sha1"),
    )
    op.create_index("ix_camera_files_job_shard", "camera_files", ["job_id", "shard_id"])
    op.create_table(
        "camera_events",
        sa.Column("id", PK, autoincrement=True, nullable=False),
        sa.Column("job_id", PK, nullable=False),
        sa.Column("file_id", PK, nullable=False),
        sa.Column("camera_id", PK, nullable=False),
        sa.Column("asset_id", PK, nullable=True),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("offset_ms", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("task_id", PK, nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name="fk_camera_events_job_id_jobs", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["file_id"], ["camera_files.id"], name="fk_camera_events_file_id_camera_files",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"], name="fk_camera_events_camera_id_cameras"),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"], name="fk_camera_events_asset_id_assets",
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name="fk_camera_events_task_id_tasks",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_camera_events"),
        sa.UniqueConstraint("file_id", "offset_ms", name="uq_camera_events_file_id_offset_ms"),
    )
    op.create_index("ix_camera_events_job_start", "camera_events", ["job_id", "start", "id"])
    op.create_index("ix_camera_events_camera_start", "camera_events", ["camera_id", "start", "id"])


def downgrade() -> None:
    op.drop_index("ix_camera_events_camera_start", table_name="camera_events")
    op.drop_index("ix_camera_events_job_start", table_name="camera_events")
    op.drop_table("camera_events")
    op.drop_index("ix_camera_files_job_shard", table_name="camera_files")
    op.drop_table("camera_files")
    op.drop_table("cameras")
