"""Applying quality rules: load a worker's pool history from events, evaluate, act.

Two kinds of trigger: a worker's own event in the pool (`on_event`: submission, review, skip),
and an aggregation run of the pool (`on_aggregated`: every worker the run rated, reading the
qualities the run stored in `worker_quality`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, exists, select

from clipcrowd.domain.ids import parse_id
from clipcrowd.domain.pool import PoolRules
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.quality import TRIGGERS, Decision, Event, Restrict, SetSkill, evaluate
from clipcrowd.services import restrictions, user_skills
from clipcrowd.store.tables import events, pools, skills, user_restrictions, worker_quality

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
    qc = PoolRules.of(pool.data).quality_control
    if not qc.get("configs"):
        return
    apply(conn, pool, worker_id, evaluate(qc, trigger, history(conn, pool.id, worker_id)))


def on_aggregated(conn: Connection, pool_id: int, method: str, field: str) -> int:
    """Run the pool's rules triggered by AGGREGATED for every worker one run rated.

    Called in the transaction that stored the run's `worker_quality` rows; each worker's history is
    her row of this run as one AGGREGATED event (``method``, ``field``, ``quality``, ``answers``).
    Returns how many decisions were taken (a restriction already in force is not counted).
    """
    pool = conn.execute(select(pools).where(pools.c.id == pool_id)).one()
    qc = PoolRules.of(pool.data).quality_control
    configs = qc.get("configs") or []
    kinds = {str((c.get("collector_config") or {}).get("type")) for c in configs}
    if not any("AGGREGATED" in TRIGGERS.get(kind, set()) for kind in kinds):
        return 0
    q = worker_quality.c
    rows = conn.execute(select(q.worker_id, q.quality, q.answers, q.operation_id).where(
        q.pool_id == pool_id, q.method == method, q.field == field).order_by(q.worker_id)).all()
    taken = 0
    for row in rows:
        event = Event("AGGREGATED", {"method": method, "field": field, "quality": row.quality,
                                     "answers": row.answers, "operation_id": row.operation_id})
        taken += apply(conn, pool, row.worker_id, evaluate(qc, "AGGREGATED", [event]))
    return taken


def apply(conn: Connection, pool: Any, worker_id: int, decisions: list[Decision]) -> int:
    """Carry out decisions for one worker of `pool`; returns how many changed something."""
    taken = 0
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
            taken += 1
        elif isinstance(decision, SetSkill):
            skill_id = parse_id(decision.skill_id)
            if skill_id is not None and conn.execute(select(skills.c.id).where(skills.c.id == skill_id)).first():
                user_skills.set_in(conn, worker_id, skill_id, decision.value, pool_id=pool.id)
                taken += 1
    return taken
