"""Training pools: tasks with known solutions (and a hint for a wrong answer) that teach, and the
skill passing them grants; pools whose `quality_control.training_requirement` names a training.

A training is a row of `pools` with type TRAINING, stored with the pool settings that make the
shared lifecycle and issuing code run it: no reward, accepted at once, never expiring, and a mixer
of `training_tasks_in_task_suite_count` known-solution tasks the worker has not seen. Once she has
submitted `task_suites_required_to_pass` suites, her share of right answers over her last that
many suites becomes the value of the training's own skill (created with it). A pool that requires
the training hands her a training suite first while she has no value; with a value under
`training_passing_skill_value` she is refused, until `retry_training_after_days` have passed since
her value was set: then she gets training suites again (tasks she has not seen yet).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from clipcrowd.domain.errors import AccessDenied, NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id, parse_id
from clipcrowd.domain.models.base import checked
from clipcrowd.domain.models.trainings import TrainingCreate, TrainingRequirement
from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.services import pool_copies, pools, user_skills
from clipcrowd.services.projects import load as load_project
from clipcrowd.store.db import Database
from clipcrowd.store.tables import events, skills, worker_skills

TRAINING = "TRAINING"
#: pool settings a training is stored with, never shown as its own fields
_AS_POOL = ("reward_per_assignment", "will_expire", "auto_accept_solutions", "mixer_config", "defaults")
_READ_ONLY = {"id", "status", "created", "last_started", "last_stopped", "last_close_reason", "training_skill_id"}
_FAR = "2999-12-31T00:00:00"


def present(row: Any) -> dict[str, Any]:
    body = {k: v for k, v in row.data.items() if k not in _AS_POOL}
    return {**body, "id": format_id(row.id), "project_id": format_id(row.project_id), "status": row.status,
            "created": format_time(row.created), "last_started": format_time(row.last_started),
            "last_stopped": format_time(row.last_stopped), "last_close_reason": row.last_close_reason}


def _stored(body: Any, skill_id: int) -> tuple[int, dict[str, Any]]:
    if not isinstance(body, dict):
        raise ValidationFailed.field("training", "must be a JSON object")
    training = checked(TrainingCreate, {k: v for k, v in body.items() if k not in _READ_ONLY}, "training")
    project_id = parse_id(training.project_id)
    if project_id is None:
        raise ValidationFailed.field("project_id", f"{training.project_id!r} is not an id")
    data = {k: v for k, v in body.items() if k not in _READ_ONLY and k not in _AS_POOL}
    data.update(project_id=format_id(project_id), training_skill_id=format_id(skill_id), reward_per_assignment=0,
                will_expire=_FAR, auto_accept_solutions=True, defaults={"default_overlap_for_new_tasks": 1},
                mixer_config={"real_tasks_count": 0, "training_tasks_count": 0,
                              "golden_tasks_count": training.training_tasks_in_task_suite_count})
    return project_id, data


def load(conn: Connection, training_id: int, *, for_update: bool = False) -> Any:
    row = pools.load(conn, training_id, for_update=for_update)
    if row.type != TRAINING:
        raise NotFound(f"training {training_id} does not exist")
    return row


def create(db: Database, body: Any) -> dict[str, Any]:
    with db.write() as conn:
        name = str(body.get("private_name", "")) if isinstance(body, dict) else ""
        skill_id = conn.execute(insert(skills).values(
            name=f"training: {name}"[:500], created=utcnow(),
            data={"name": f"training: {name}"[:500], "hidden": True,
                  "private_comment": "granted by a training: the share of right answers"}).returning(skills.c.id)
        ).scalar_one()
        project_id, data = _stored(body, skill_id)
        try:
            load_project(conn, project_id)
        except NotFound:
            raise ValidationFailed.field("project_id", f"project {format_id(project_id)} does not exist") from None
        new_id = conn.execute(insert(pools.pools).values(
            project_id=project_id, status="CLOSED", created=utcnow(), last_close_reason="NOT_STARTED",
            data=data, type=TRAINING).returning(pools.pools.c.id)).scalar_one()
        return present(load(conn, new_id))


def get(db: Database, training_id: int) -> dict[str, Any]:
    with db.read() as conn:
        return present(load(conn, training_id))


def replace(db: Database, training_id: int, body: Any) -> dict[str, Any]:
    with db.write() as conn:
        row = load(conn, training_id, for_update=True)
        if row.status == "ARCHIVED":
            raise pools.PoolInappropriateStatus(f"training {training_id} is archived and cannot be changed")
        project_id, data = _stored(body, parse_id(row.data["training_skill_id"]) or 0)
        if project_id != row.project_id:
            raise ValidationFailed.field("project_id", "a training cannot move to another project")
        conn.execute(update(pools.pools).where(pools.pools.c.id == training_id).values(data=data))
        return present(load(conn, training_id))


def change_status(db: Database, training_id: int, action: str) -> dict[str, Any] | None:
    """open / close / archive, as for a pool, reported as TRAINING.* operations."""
    with db.read() as conn:
        load(conn, training_id)
    run = {"open": pools.open_pool, "close": pools.close_pool, "archive": pools.archive_pool}[action]
    return run(db, training_id, TRAINING)


def clone(db: Database, training_id: int) -> dict[str, Any]:
    with db.read() as conn:
        load(conn, training_id)
    return pool_copies.clone(db, training_id, TRAINING)


def requirement(qc: Any) -> TrainingRequirement | None:
    raw = qc.get("training_requirement") if isinstance(qc, dict) else None
    return None if raw is None else checked(TrainingRequirement, raw, "quality_control.training_requirement")


def check_requirement(conn: Connection, qc: Any) -> None:
    """A pool's training_requirement names a training that exists."""
    wanted = requirement(qc)
    if wanted is None:
        return
    training_id = parse_id(wanted.training_pool_id)
    try:
        load(conn, training_id or 0)
    except NotFound:
        raise ValidationFailed.field("quality_control.training_requirement.training_pool_id",
                                     f"training {wanted.training_pool_id} does not exist") from None


def gate(conn: Connection, worker_id: int, qc: Any, ttl_days: int | None = None) -> int | None:
    """The training she must take before this pool's tasks, or None when she passed it (less than
    `ttl_days` ago, the pool's `training_config.training_skill_ttl_days`, when it sets one).

    Refused (FILTERED_OUT) when her value is under the passing one and she may not retry yet.
    """
    wanted = requirement(qc)
    if wanted is None:
        return None
    training = load(conn, parse_id(wanted.training_pool_id) or 0)
    skill_id = parse_id(training.data["training_skill_id"])
    have = conn.execute(select(worker_skills.c.value, worker_skills.c.modified).where(
        worker_skills.c.worker_id == worker_id, worker_skills.c.skill_id == skill_id)).first()
    if have is None:
        return int(training.id)
    if have.value >= wanted.training_passing_skill_value:
        expired = ttl_days is not None and have.modified + timedelta(days=ttl_days) <= utcnow()
        return int(training.id) if expired else None
    retry = training.data.get("retry_training_after_days")
    if retry is not None and have.modified + timedelta(days=int(retry)) <= utcnow():
        return int(training.id)
    raise AccessDenied(f"you did not pass training {format_id(training.id)} ({have.value:g} < "
                       f"{wanted.training_passing_skill_value})" +
                       (f"; it may be taken again {retry} days after" if retry is not None else ""),
                       code="FILTERED_OUT")


def on_submitted(conn: Connection, pool: Any, worker_id: int) -> None:
    """After a training suite: her value once she has done the suites it takes to pass."""
    if pool.type != TRAINING:
        return
    needed = int(pool.data.get("task_suites_required_to_pass") or 1)
    rows = conn.execute(select(events.c.data).where(
        events.c.pool_id == pool.id, events.c.worker_id == worker_id, events.c.type == "SUBMITTED")
        .order_by(events.c.id.desc()).limit(needed)).all()
    if len(rows) < needed:
        return
    outcomes = [bool(x) for r in rows for x in r.data.get("golden_outcomes", [])]
    if outcomes:
        value = round(100.0 * sum(outcomes) / len(outcomes), 2)
        user_skills.set_in(conn, worker_id, parse_id(pool.data["training_skill_id"]) or 0, value, pool_id=pool.id)
