"""Skills: named numbers (0-100) attached to workers, set by hand or by quality rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from clipcrowd.domain.errors import NotFound
from clipcrowd.domain.models.base import checked
from clipcrowd.domain.models.skills import SkillCreate
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.services import present
from clipcrowd.store.db import Database
from clipcrowd.store.tables import skills


def _validate(body: Any) -> dict[str, Any]:
    checked(SkillCreate, body, "skill")
    return {k: v for k, v in body.items() if k not in ("id", "created")}


def create(db: Database, body: Any) -> dict[str, Any]:
    data = _validate(body)
    with db.write() as conn:
        new_id = conn.execute(
            insert(skills).values(name=data["name"], created=utcnow(), data=data).returning(skills.c.id)
        ).scalar_one()
        return present.skill(conn.execute(select(skills).where(skills.c.id == new_id)).one())


def get(db: Database, skill_id: int) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute(select(skills).where(skills.c.id == skill_id)).one_or_none()
        if row is None:
            raise NotFound(f"skill {skill_id} does not exist")
        return present.skill(row)


def replace(db: Database, skill_id: int, body: Any) -> dict[str, Any]:
    data = _validate(body)
    with db.write() as conn:
        changed = conn.execute(update(skills).where(skills.c.id == skill_id).values(name=data["name"], data=data))
        if changed.rowcount == 0:
            raise NotFound(f"skill {skill_id} does not exist")
    return get(db, skill_id)
