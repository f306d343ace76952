"""Applying quality rules: load a worker's pool history from events, evaluate, act.

Triggers: a worker's own event in the pool (`on_event`: submission, review, skip), a task of the
pool getting all its answers (`services.majority` records a MAJORITY event per answer), the worker
losing access to the pool (ACCESS_REVOKED, after a rule restricted her or changed a skill her
filter needs), and an aggregation run of the pool (`on_aggregated`: every worker the run rated,
reading the qualities the run stored in `worker_quality`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, exists, func, select, update

from clipcrowd.domain import bounds
from clipcrowd.domain.filters import matches, skill_ids
from clipcrowd.domain.ids import format_id, parse_id
from clipcrowd.domain.pool import PoolRules
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.quality import (
    TRIGGERS,
    AcceptAll,
    ChangeOverlap,
    Decision,
    Event,
    RejectAll,
    Restrict,
    SetSkill,
    evaluate,
)
from clipcrowd.services import events as event_log
from clipcrowd.services import restrictions, user_skills, workers
from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import (
    assignment_tasks,
    assignments,
    events,
    pools,
    skills,
    tasks,
    user_restrictions,
    worker_quality,
)

HISTORY_KINDS = ("SUBMITTED", "ACCEPTED", "REJECTED", "SKIPPED", "MAJORITY", "ACCESS_REVOKED")
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


def _uses(qc: Mapping[str, Any], collector: str) -> bool:
    return any((c.get("collector_config") or {}).get("type") == collector for c in qc.get("configs") or [])


def income_24h(conn: Connection, pool_id: int, worker_id: int) -> float:
    """What her submitted and accepted answers in the pool earned over the last 24 hours."""
    a = assignments.c
    total = conn.execute(select(func.coalesce(func.sum(a.reward), 0.0)).where(
        a.pool_id == pool_id, a.worker_id == worker_id, a.status.in_(("SUBMITTED", "ACCEPTED")),
        a.submitted >= utcnow() - timedelta(hours=24))).scalar()
    return float(total or 0.0)


def on_event(conn: Connection, pool: Any, worker_id: int, trigger: str) -> None:
    """Run the pool's rules for one worker after `trigger` happened, in the caller's transaction."""
    qc = PoolRules.of(pool.data).quality_control
    if not qc.get("configs"):
        return
    past = history(conn, pool.id, worker_id)
    if trigger == "SUBMITTED" and _uses(qc, "INCOME"):
        past.append(Event("INCOME", {"sum_24h": income_24h(conn, pool.id, worker_id)}))
    apply(conn, pool, worker_id, evaluate(qc, trigger, past))


def access_revoked(conn: Connection, pool: Any, worker_id: int, reason: str, skill_id: int | None = None) -> None:
    """She can no longer take the pool: recorded as an event, then USERS_ASSESSMENT rules run."""
    event_log.record(conn, "ACCESS_REVOKED", pool_id=pool.id, worker_id=worker_id, reason=reason,
                     skill_id=skill_id)
    on_event(conn, pool, worker_id, "ACCESS_REVOKED")


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


def restricted_by_hand(conn: Connection, worker_id: int, scope: str, project_id: int | None,
                       pool_id: int | None) -> None:
    """A requester restricted her (`/user-restrictions`): every pool she answered in that the
    restriction covers and whose rules watch for it (USERS_ASSESSMENT) hears that she lost access."""
    a = assignments.c
    covered = select(pools).where(pools.c.status != "ARCHIVED", exists().where(
        a.pool_id == pools.c.id, a.worker_id == worker_id, a.status.in_(("SUBMITTED", "ACCEPTED"))))
    if scope == "POOL":
        covered = covered.where(pools.c.id == pool_id)
    elif scope == "PROJECT":
        covered = covered.where(pools.c.project_id == project_id)
    for pool in conn.execute(covered.order_by(pools.c.id)).all():
        if _uses(PoolRules.of(pool.data).quality_control, "USERS_ASSESSMENT"):
            access_revoked(conn, pool, worker_id, "RESTRICTION")


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
            access_revoked(conn, pool, worker_id, "RESTRICTION")
        elif isinstance(decision, SetSkill):
            skill_id = parse_id(decision.skill_id)
            if skill_id is not None and conn.execute(select(skills.c.id).where(skills.c.id == skill_id)).first():
                user_skills.set_in(conn, worker_id, skill_id, decision.value, pool_id=pool.id)
                taken += 1
                _after_skill_change(conn, pool, worker_id, skill_id)
        elif isinstance(decision, (AcceptAll, RejectAll)):
            taken += _review_all(conn, pool, worker_id, decision)
        elif isinstance(decision, ChangeOverlap):
            taken += _change_overlap(conn, pool, worker_id, decision)
    return taken


def _after_skill_change(conn: Connection, pool: Any, worker_id: int, skill_id: int) -> None:
    """A skill the pool's filter reads changed and she no longer passes it: access revoked."""
    tree = PoolRules.of(pool.data).filter
    if not tree or format_id(skill_id) not in {format_id(parse_id(s) or 0) for s in skill_ids(tree)}:
        return
    if not matches(tree, workers.facts(conn, workers.load(conn, worker_id))):
        access_revoked(conn, pool, worker_id, "SKILL_CHANGE", skill_id)


def _review_all(conn: Connection, pool: Any, worker_id: int, decision: AcceptAll | RejectAll) -> int:
    """Accept or reject every answer of hers in the pool that waits for review."""
    # lifecycle runs these rules after each transition it makes, so it imports this module
    from clipcrowd.services import lifecycle

    waiting = conn.execute(select(assignments).where(
        assignments.c.pool_id == pool.id, assignments.c.worker_id == worker_id,
        assignments.c.status == "SUBMITTED").order_by(assignments.c.id)).all()
    for row in waiting:
        if isinstance(decision, AcceptAll):
            lifecycle.accept(conn, row)
        else:
            lifecycle.reject(conn, row, decision.comment)
    return len(waiting)


def _change_overlap(conn: Connection, pool: Any, worker_id: int, decision: ChangeOverlap) -> int:
    """Raise the overlap of the real tasks she answered in the pool, so other workers redo them."""
    answered = (select(assignment_tasks.c.task_id)
                .join(assignments, assignments.c.id == assignment_tasks.c.assignment_id)
                .where(assignments.c.pool_id == pool.id, assignment_tasks.c.worker_id == worker_id,
                       assignments.c.status.in_(("SUBMITTED", "ACCEPTED"))))
    task_ids = [r.task_id for r in conn.execute(answered)]
    if not task_ids:
        return 0
    changed = conn.execute(update(tasks).where(
        one_of(tasks.c.id, task_ids), tasks.c.golden.is_(False), tasks.c.infinite_overlap.is_(False),
        tasks.c.overlap + decision.delta <= bounds.MAX_OVERLAP,
    ).values(overlap=tasks.c.overlap + decision.delta)).rowcount
    event_log.record(conn, "OVERLAP_CHANGED", pool_id=pool.id, worker_id=worker_id, delta=decision.delta,
                     tasks=changed)
    if decision.open_pool:
        _open_again(conn, pool.id)
    return 1 if changed else 0


def _open_again(conn: Connection, pool_id: int) -> None:
    """CHANGE_OVERLAP's open_pool: a closed pool that has not expired opens again."""
    row = conn.execute(select(pools).where(pools.c.id == pool_id)).one()
    if row.status == "CLOSED" and (row.will_expire is None or row.will_expire > utcnow()):
        conn.execute(update(pools).where(pools.c.id == pool_id, pools.c.status == "CLOSED").values(
            status="OPEN", last_started=utcnow(), last_close_reason=None))
        event_log.record(conn, "POOL_OPENED", pool_id=pool_id, reason="CHANGE_OVERLAP")
