"""Skill values of workers, set by the requester or by quality rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from clipcrowd.domain.errors import NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id, parse_id
from clipcrowd.domain.models.base import checked
from clipcrowd.domain.models.people import UserSkillSet
from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.services import events
from clipcrowd.services.workers import load as load_worker
from clipcrowd.store.db import Database
from clipcrowd.store.tables import skills, worker_skills


def present(row: Any) -> dict[str, Any]:
    return {
        "id": format_id(row.id), "user_id": format_id(row.worker_id), "skill_id": format_id(row.skill_id),
        "value": round(row.value), "exact_value": row.value, "created": format_time(row.created),
        "modified": format_time(row.modified),
    }


def set_in(conn: Connection, worker_id: int, skill_id: int, value: float, *, pool_id: int | None = None) -> int:
    now = utcnow()
    existing = conn.execute(select(worker_skills.c.id).where(
        worker_skills.c.worker_id == worker_id, worker_skills.c.skill_id == skill_id)).first()
    if existing is not None:
        conn.execute(update(worker_skills).where(worker_skills.c.id == existing.id).values(value=value, modified=now))
        row_id = int(existing.id)
    else:
        row_id = int(conn.execute(insert(worker_skills).values(
            worker_id=worker_id, skill_id=skill_id, value=value, created=now, modified=now,
        ).returning(worker_skills.c.id)).scalar_one())
    events.record(conn, "SKILL_SET", pool_id=pool_id, worker_id=worker_id, skill_id=skill_id, value=value)
    return row_id


def expire(db: Database, now: datetime) -> int:
    """Remove the values of skills with a `skill_ttl_hours` that have not changed for that long, as
    Toloka does; how many were removed. Only a skill with a TTL costs a query, and a write is opened
    only when something is due."""
    with db.read() as conn:
        ttl = skills.c.data["skill_ttl_hours"].as_integer()
        lives = conn.execute(select(skills.c.id, ttl.label("hours")).where(ttl.is_not(None))).all()
        due = [row for skill in lives for row in conn.execute(select(worker_skills).where(
            worker_skills.c.skill_id == skill.id, worker_skills.c.modified <= now - timedelta(hours=skill.hours)))]
    if not due:
        return 0
    removed = 0
    with db.write() as conn:
        for row in due:  # removed only if not set again meanwhile
            if conn.execute(delete(worker_skills).where(worker_skills.c.id == row.id,
                                                        worker_skills.c.modified == row.modified)).rowcount:
                events.record(conn, "SKILL_REMOVED", worker_id=row.worker_id, skill_id=row.skill_id)
                removed += 1
    return removed


def set_value(db: Database, body: Any) -> dict[str, Any]:
    wanted = checked(UserSkillSet, body, "user_skill")
    worker_id, skill_id = parse_id(wanted.user_id), parse_id(wanted.skill_id)
    if worker_id is None:
        raise ValidationFailed.field("user_id", "is required and must be a user id")
    if skill_id is None:
        raise ValidationFailed.field("skill_id", "is required and must be a skill id")
    value = wanted.value
    with db.write() as conn:
        try:
            load_worker(conn, worker_id)
        except NotFound as exc:
            raise ValidationFailed.field("user_id", exc.message, "DOES_NOT_EXIST") from None
        if conn.execute(select(skills.c.id).where(skills.c.id == skill_id)).first() is None:
            raise ValidationFailed.field("skill_id", f"skill {skill_id} does not exist", "DOES_NOT_EXIST")
        row_id = set_in(conn, worker_id, skill_id, float(value))
        return present(conn.execute(select(worker_skills).where(worker_skills.c.id == row_id)).one())


def get(db: Database, user_skill_id: int) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute(select(worker_skills).where(worker_skills.c.id == user_skill_id)).one_or_none()
    if row is None:
        raise NotFound(f"user skill {user_skill_id} does not exist")
    return present(row)


def remove(db: Database, user_skill_id: int) -> None:
    with db.write() as conn:
        row = conn.execute(select(worker_skills).where(worker_skills.c.id == user_skill_id)).one_or_none()
        if row is None:
            raise NotFound(f"user skill {user_skill_id} does not exist")
        conn.execute(delete(worker_skills).where(worker_skills.c.id == user_skill_id))
        events.record(conn, "SKILL_REMOVED", worker_id=row.worker_id, skill_id=row.skill_id)
