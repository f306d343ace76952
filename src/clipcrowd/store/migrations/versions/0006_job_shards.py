"""Jobs split into shards (claimed under a lease) with per-item rows; earlier jobs become one-shard jobs.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_STATUS = {"QUEUED": ("queued", "queued"), "RUNNING": ("processing", "processing"),
           "DONE": ("complete", "complete"), "FAILED": ("failed", "failed")}


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("handler", sa.String(300), nullable=True))
        batch.add_column(sa.Column("operation_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("idempotency_key", sa.String(200), nullable=True))
        batch.add_column(sa.Column("updated", sa.DateTime(), nullable=True))
        batch.create_index("ix_jobs_operation_id", ["operation_id"])
        batch.create_unique_constraint("uq_jobs_kind_idempotency_key", ["kind", "idempotency_key"])
    op.create_table(
        "job_shards",
        sa.Column("id", PK, autoincrement=True, nullable=False),
        sa.Column("job_id", PK, nullable=False),
        sa.Column("shard_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim", sa.String(64), nullable=True),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started", sa.DateTime(), nullable=True),
        sa.Column("finished", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name="fk_job_shards_job_id_jobs", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_job_shards"),
        sa.UniqueConstraint("job_id", "shard_id", name="uq_job_shards_job_id_shard_id"),
    )
    op.create_index("ix_job_shards_status_id", "job_shards", ["status", "id"])
    op.create_table(
        "job_items",
        sa.Column("id", PK, autoincrement=True, nullable=False),
        sa.Column("job_id", PK, nullable=False),
        sa.Column("shard_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(500), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name="fk_job_items_job_id_jobs", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_job_items"),
        sa.UniqueConstraint("job_id", "key", name="uq_job_items_job_id_key"),
    )
    op.create_index("ix_job_items_job_status_id", "job_items", ["job_id", "status", "id"])
    op.create_index("ix_job_items_job_shard_id", "job_items", ["job_id", "shard_id", "id"])
    _convert_earlier_jobs()


def _convert_earlier_jobs() -> None:
    """Each earlier job (one asset to process) becomes a job with one shard holding that asset."""
    conn = op.get_bind()
    jobs = sa.table("jobs", sa.column("id"), sa.column("kind"), sa.column("status"), sa.column("payload", sa.JSON),
                    sa.column("attempts"), sa.column("lease_until"), sa.column("claimed_by"), sa.column("error"),
                    sa.column("started"), sa.column("finished"), sa.column("handler"), sa.column("created"),
                    sa.column("updated"))
    shards = sa.table("job_shards", *(sa.column(c) for c in (
        "job_id", "shard_id", "status", "item_count", "received", "done", "failed", "skipped", "attempts", "claimed_by",
        "lease_until", "error", "started", "finished")))
    items = sa.table("job_items", *(sa.column(c) for c in ("job_id", "shard_id", "key", "status", "error",
                                                          "updated")))
    for row in conn.execute(sa.select(jobs)).all():
        job_status, shard_status = _STATUS.get(row.status, ("failed", "failed"))
        asset = (row.payload or {}).get("asset_id")
        key = str(asset) if asset is not None else "0"
        item_status = {"complete": "done", "failed": "failed"}.get(shard_status, "pending")
        conn.execute(sa.update(jobs).where(jobs.c.id == row.id).values(
            status=job_status, payload={"asset_ids": [asset]} if asset is not None else row.payload,
            handler="clipcrowd.services.asset_import:ProcessAssets" if row.kind == "asset.process" else None,
            updated=row.finished or row.started or row.created))
        conn.execute(sa.insert(shards).values(
            job_id=row.id, shard_id=0, status=shard_status, item_count=1, received=1, done=int(item_status == "done"),
            failed=int(item_status == "failed"), skipped=0, attempts=row.attempts or 0, claimed_by=row.claimed_by,
            lease_until=row.lease_until, error=row.error, started=row.started, finished=row.finished))
        conn.execute(sa.insert(items).values(job_id=row.id, shard_id=0, key=key, status=item_status,
                                             error=row.error if item_status == "failed" else None,
                                             updated=row.finished))


def downgrade() -> None:
    op.drop_table("job_items")
    op.drop_table("job_shards")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_constraint("uq_jobs_kind_idempotency_key", type_="unique")
        batch.drop_index("ix_jobs_operation_id")
        for name in ("updated", "idempotency_key", "operation_id", "handler"):
            batch.drop_column(name)
