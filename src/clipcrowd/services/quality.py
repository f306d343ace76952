"""Applying quality rules: load a worker's pool history from events, evaluate, act."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, exists, select

from clipcrowd.domain.ids import parse_id
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.quality import Event, Restrict, SetSkill, evaluate
from clipcrowd.services import restrictions, user_skills
from clipcrowd.store.tables import events, skills, user_restrictions

HISTORY_KINDS = ("SUBMITTED", "ACCEPTED", "REJECTED", "SKIPPED")
HISTORY_LIMIT = 1000


def history(conn: Connection, pool_id: int, worker_id: int) -> list[Event]:
    rows = conn.execute(
        select(events.c.type, events.c.data)
        .where(events.c.pool_id == pool_id, events.c.worker_id == worker_id, events.c.type.in_(HISTORY_KINDS))
        .order_by(events.c.id.desc()).limit(HISTORY_LIMIT)
    ).all()
    return [Event(kind=r.type, data=r.data) for r in reversed(rows)]


def _already_restricted(conn: Connection, worker_id: int, scope: str, project_id: int, pool_id: int) -> bool:
    r = user_restrictions.c
    scoped = {"POOL": r.pool_id == pool_id, "PROJECT": r.project_id == project_id}.get(scope, r.scope == scope)
    return bool(conn.execute(select(exists().where(
        r.worker_id == worker_id, r.scope == scope, scoped,
        (r.will_expire.is_(None)) | (r.will_expire > utcnow()),
    ))).scalar())


def on_event(conn: Connection, pool: Any, worker_id: int, trigger: str) -> None:
    """Run the pool's rules for one worker after `trigger` happened, in the caller's transaction."""
    qc = pool.data.get("quality_control") or {}
    if not qc.get("configs"):
        return
    decisions = evaluate(qc, trigger, history(conn, pool.id, worker_id))
    for decision in decisions:
        if isinstance(decision, Restrict):
            if _already_restricted(conn, worker_id, decision.scope, pool.project_id, pool.id):
                continue
            until = utcnow() + decision.duration if decision.duration else None
            restrictions.add(
                conn, worker_id, decision.scope,
                project_id=pool.project_id if decision.scope == "PROJECT" else None,
                pool_id=pool.id if decision.scope == "POOL" else None,
                comment=decision.comment, until=until,
            )
        elif isinstance(decision, SetSkill):
            skill_id = parse_id(decision.skill_id)
            if skill_id is not None and conn.execute(select(skills.c.id).where(skills.c.id == skill_id)).first():
                user_skills.set_in(conn, worker_id, skill_id, decision.value, pool_id=pool.id)
