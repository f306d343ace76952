"""Time-driven changes: overdue suites expire, reviews time out into acceptance, pools expire, skill
values outlive their skill's `skill_ttl_hours`, and the stored files of task upload jobs that ended are
removed.

Every step is an idempotent UPDATE guarded by the old status, so several servers may run it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select

from clipcrowd.domain.pool import PoolRules
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.services import lifecycle, pools, task_upload_jobs, user_skills, webhooks
from clipcrowd.store.db import Database
from clipcrowd.store.tables import assignments
from clipcrowd.store.tables import pools as pools_table


@dataclass
class TickReport:
    expired: int = 0
    auto_accepted: int = 0
    pools_closed: int = 0
    webhook_events: int = 0
    upload_files_removed: int = 0
    skills_expired: int = 0


def _review_overdue(db: Database, now: datetime, batch: int) -> list[int]:
    """Up to `batch` submitted answers whose pool's review period has run out. Each pool's cutoff is
    applied in SQL, so answers still within their period never crowd the overdue ones out of a batch."""
    due: list[int] = []
    with db.read() as conn:
        reviewing = conn.execute(select(pools_table.c.id, pools_table.c.data).where(exists().where(
            assignments.c.pool_id == pools_table.c.id, assignments.c.status == "SUBMITTED"))).all()
        for pool_id, pool_data in reviewing:
            if len(due) >= batch:
                break
            cutoff = now - timedelta(days=PoolRules.of(pool_data).auto_accept_period_days)
            due += conn.execute(select(assignments.c.id).where(
                assignments.c.pool_id == pool_id, assignments.c.status == "SUBMITTED",
                assignments.c.submitted <= cutoff).order_by(assignments.c.id).limit(batch - len(due))).scalars()
    return due


def tick(db: Database, batch: int = 500, storage_url: str | None = None) -> TickReport:
    """One round of every time-driven change; upload files are looked at when `storage_url` is given."""
    report = TickReport()
    now = utcnow()
    with db.read() as conn:
        overdue = [r.id for r in conn.execute(select(assignments.c.id).where(
            assignments.c.status == "ACTIVE", assignments.c.deadline <= now).limit(batch))]
    for assignment_id in overdue:
        with db.write() as conn:
            row = lifecycle.load(conn, assignment_id, for_update=True)
            if row.status == "ACTIVE" and lifecycle.release(conn, row, "EXPIRED"):
                report.expired += 1
                pools.close_if_complete(conn, row.pool_id)
    for assignment_id in _review_overdue(db, now, batch):
        with db.write() as conn:
            row = lifecycle.load(conn, assignment_id, for_update=True)
            if row.status == "SUBMITTED":
                lifecycle.accept(conn, row, automatic=True)
                report.auto_accepted += 1
    with db.write() as conn:
        for pool_row in conn.execute(select(pools_table.c.id).where(
                pools_table.c.status == "OPEN", pools_table.c.will_expire <= now)).all():
            pools.close_in(conn, pool_row.id, "EXPIRED")
            report.pools_closed += 1
    with db.write() as conn:  # completion is normally noticed by the last submission; this is the net
        report.pools_closed += pools.close_all_complete(conn)
    report.skills_expired = user_skills.expire(db, now)
    report.webhook_events = webhooks.deliver_due(db)
    if storage_url is not None:
        report.upload_files_removed = task_upload_jobs.remove_ended_files(db, storage_url)
    return report
