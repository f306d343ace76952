"""Pool lifecycle: create, update, open, close (by hand, on completion, on expiry), archive."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, false, func, insert, select, update

from clipcrowd.domain.errors import ConflictState, NotFound, ValidationFailed
from clipcrowd.domain.filters import skill_ids
from clipcrowd.domain.ids import parse_id
from clipcrowd.domain.pool import validate_pool
from clipcrowd.domain.timeutil import parse_time, utcnow
from clipcrowd.services import events, operations, present
from clipcrowd.services.projects import load as load_project
from clipcrowd.store.db import Database
from clipcrowd.store.direct import Direct
from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import UNANSWERED_REAL_TASK, assignments, pools, skills, tasks


class PoolInappropriateStatus(ConflictState):
    code = "POOL_INAPPROPRIATE_STATUS"


def load(conn: Connection, pool_id: int, *, for_update: bool = False, kind: str | None = None) -> Any:
    """The pool's row (a training's too, unless `kind` is POOL: the requester API keeps the two apart,
    as Toloka does, so a training's id read as a pool's is not found)."""
    query = select(pools).where(pools.c.id == pool_id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update(key_share=True)
    row = conn.execute(query).one_or_none()
    if row is None or (kind == "POOL" and row.type == "TRAINING"):
        raise NotFound(f"pool {pool_id} does not exist" + (" (it is a training: read it under /trainings)"
                                                            if row is not None else ""))
    return row


#: the skills toloka-kit's `Languages.in_(..., verified=True)` adds to a filter (a language test passed
#: with value 100); clipcrowd has no such tests, so a filter naming one is refused saying so
VERIFIED_LANGUAGE_SKILLS = {
    26366: "EN", 26296: "RU", 26377: "DE", 26711: "FR", 26714: "PT", 26513: "JA", 30724: "AR", 32346: "ES",
    44954: "HE", 54378: "HU", 39821: "ID", 29789: "SV", 48836: "UK", 44742: "ZH-HANS",
}


def _unknown_skills(missing: list[int]) -> str:
    said = f"unknown skill id(s): {', '.join(str(s) for s in missing)}"
    tests = [f"{s} ({VERIFIED_LANGUAGE_SKILLS[s]})" for s in missing if s in VERIFIED_LANGUAGE_SKILLS]
    if tests:
        said += (f"; {', '.join(tests)} is a verified-language test of Languages.in_(..., verified=True), "
                 "which is not supported: clipcrowd has no language tests (leave out verified=True, or "
                 "filter on a skill of your own)")
    return said


def _check_references(conn: Connection, data: dict[str, Any]) -> int:
    project_id = parse_id(data.get("project_id"))
    if project_id is None:
        raise ValidationFailed.field("project_id", f"{data.get('project_id')!r} is not an id")
    try:
        project = load_project(conn, project_id)
    except NotFound:
        raise ValidationFailed.field("project_id", f"project {data.get('project_id')} does not exist") from None
    if project.status != "ACTIVE":
        raise ConflictState(f"project {project_id} is archived: it takes no new pools")
    wanted = {parse_id(s) for s in skill_ids(data.get("filter"))}
    weight = (data.get("dynamic_overlap_config") or {}).get("answer_weight_skill_id")
    if weight is not None:
        wanted.add(parse_id(weight))
    if None in wanted:
        raise ValidationFailed.field("filter", "a skill key is not a skill id")
    ids = sorted(w for w in wanted if w is not None)
    found = {r.id for r in conn.execute(select(skills.c.id).where(one_of(skills.c.id, ids)))}
    if wanted - found:
        missing = sorted(x for x in wanted - found if x is not None)
        raise ValidationFailed.field("filter" if weight is None else "filter or dynamic_overlap_config",
                                     _unknown_skills(missing))
    training = ((data.get("quality_control") or {}).get("training_requirement") or {}).get("training_pool_id")
    if training is not None and not conn.execute(select(exists().where(
            pools.c.id == (parse_id(training) or 0), pools.c.type == "TRAINING"))).scalar():
        raise ValidationFailed.field("quality_control.training_requirement.training_pool_id",
                                     f"training {training} does not exist", "DOES_NOT_EXIST")
    return project_id


def create(db: Database, body: Any) -> dict[str, Any]:
    data = validate_pool(body)
    with db.write() as conn:
        project_id = _check_references(conn, data)
        data["project_id"] = str(data["project_id"])
        new_id = conn.execute(insert(pools).values(
            project_id=project_id, status="CLOSED", created=utcnow(), last_close_reason="NOT_STARTED",
            will_expire=parse_time(data.get("will_expire"), "will_expire"), data=data,
        ).returning(pools.c.id)).scalar_one()
        return present.pool(load(conn, new_id))


def get(db: Database, pool_id: int) -> dict[str, Any]:
    with db.read() as conn:
        return present.pool(load(conn, pool_id, kind="POOL"))


def replace(db: Database, pool_id: int, body: Any) -> dict[str, Any]:
    data = validate_pool(body)
    with db.write() as conn:
        row = load(conn, pool_id, for_update=True, kind="POOL")
        if row.status == "ARCHIVED":
            raise PoolInappropriateStatus(f"pool {pool_id} is archived and cannot be changed")
        project_id = _check_references(conn, data)
        if project_id != row.project_id:
            raise ValidationFailed.field("project_id", "a pool cannot move to another project")
        data["project_id"] = str(data["project_id"])
        conn.execute(update(pools).where(pools.c.id == pool_id).values(
            data=data, will_expire=parse_time(data.get("will_expire"), "will_expire")))
        return present.pool(load(conn, pool_id))


def open_pool(db: Database, pool_id: int, kind: str = "POOL") -> dict[str, Any] | None:
    """Open a closed pool (or a training: `kind` TRAINING names its operation); None when it
    already was open (the API answers 204)."""
    with db.write() as conn:
        row = load(conn, pool_id, for_update=True, kind=kind)
        if row.status == "OPEN":
            return None
        if row.status == "ARCHIVED":
            raise PoolInappropriateStatus(f"pool {pool_id} is archived and cannot be opened")
        if load_project(conn, row.project_id).status != "ACTIVE":
            raise ConflictState(f"the project of pool {pool_id} is archived")
        if row.will_expire is not None and row.will_expire <= utcnow():
            raise PoolInappropriateStatus(f"pool {pool_id} expired at {row.will_expire}: move will_expire first")
        has_tasks = conn.execute(select(exists().where(tasks.c.pool_id == pool_id))).scalar()
        if not has_tasks:
            raise ConflictState(f"pool {pool_id} has no tasks", code="EMPTY_POOL")
        conn.execute(update(pools).where(pools.c.id == pool_id).values(
            status="OPEN", last_started=utcnow(), last_close_reason=None))
        events.record(conn, "POOL_OPENED", pool_id=pool_id)
        op_id = operations.start(conn, f"{kind}.OPEN", {f"{kind.lower()}_id": str(pool_id)})
        operations.finish(conn, op_id, success=True)
    return operations.get(db, op_id)


def close_in(conn: Connection, pool_id: int, reason: str) -> None:
    changed = conn.execute(update(pools).where(pools.c.id == pool_id, pools.c.status == "OPEN").values(
        status="CLOSED", last_stopped=utcnow(), last_close_reason=reason)).rowcount
    if changed:
        events.record(conn, "POOL_CLOSED", pool_id=pool_id, reason=reason)


def close_pool(db: Database, pool_id: int, kind: str = "POOL", reason: str = "MANUAL") -> dict[str, Any] | None:
    """Close an open pool; `reason` FOR_UPDATE records that the requester closed it to edit it."""
    with db.write() as conn:
        row = load(conn, pool_id, for_update=True, kind=kind)
        if row.status != "OPEN":
            return None
        close_in(conn, pool_id, reason)
        op_id = operations.start(conn, f"{kind}.CLOSE", {f"{kind.lower()}_id": str(pool_id)})
        operations.finish(conn, op_id, success=True)
    return operations.get(db, op_id)


def archive_pool(db: Database, pool_id: int, kind: str = "POOL") -> dict[str, Any] | None:
    with db.write() as conn:
        row = load(conn, pool_id, for_update=True, kind=kind)
        if row.status == "ARCHIVED":
            return None
        if row.status == "OPEN":
            raise PoolInappropriateStatus(f"pool {pool_id} is open: close it before archiving")
        conn.execute(update(pools).where(pools.c.id == pool_id).values(status="ARCHIVED"))
        op_id = operations.start(conn, f"{kind}.ARCHIVE", {f"{kind.lower()}_id": str(pool_id)})
        operations.finish(conn, op_id, success=True)
    return operations.get(db, op_id)


def _complete_condition(pool_id: Any) -> Any:
    """Every real task has as many answers as its overlap, none is out with a worker, and there is
    at least one real task (golden tasks never complete)."""
    return and_(
        ~exists().where(tasks.c.pool_id == pool_id, UNANSWERED_REAL_TASK),
        exists().where(tasks.c.pool_id == pool_id, tasks.c.golden == false()),
        ~exists().where(assignments.c.pool_id == pool_id, assignments.c.status == "ACTIVE"),
    )


def is_complete(conn: Connection, pool_id: int) -> bool:
    return bool(conn.execute(select(_complete_condition(pool_id))).scalar())


def close_if_complete(conn: Connection, pool_id: int) -> bool:
    """Close an open pool as COMPLETED when it is, in one guarded UPDATE.

    Two last submissions running side by side on PostgreSQL may each still see the other's suite
    out, and neither closes the pool; locking the pool row would prevent that but would queue
    every submission behind every other. The maintenance loop runs this same check every few
    seconds on committed data, so such a pool closes moments later instead.
    """
    changed = _CLOSE_IF_COMPLETE.run(conn, {"pool_id": pool_id, "now": utcnow()})[1]
    if changed:
        events.record(conn, "POOL_CLOSED", pool_id=pool_id, reason="COMPLETED")
    return bool(changed)


#: `auto_close_after_complete_delay_seconds` of a pool's stored body (0 when absent)
_CLOSE_DELAY = func.coalesce(pools.c.data["auto_close_after_complete_delay_seconds"].as_integer(), 0)

# built once: submissions that complete a task run it; a pool with a close delay is left to the
# maintenance loop, which closes it once the delay has passed
_CLOSE_IF_COMPLETE = Direct(update(pools).where(pools.c.id == bindparam("pool_id"), pools.c.status == "OPEN",
                                          _CLOSE_DELAY <= 0, _complete_condition(bindparam("pool_id")))
                      .values(status="CLOSED", last_stopped=bindparam("now", type_=pools.c.last_stopped.type),
                              last_close_reason="COMPLETED"))


def close_all_complete(conn: Connection) -> int:
    """The maintenance loop's safety net: every open pool that is complete, closed in one UPDATE; and a
    complete pool with a close delay once that long has passed since its last submission (a task added
    meanwhile keeps it open, as the delay is for)."""
    now = utcnow()
    closed = [row.id for row in conn.execute(
        update(pools).where(pools.c.status == "OPEN", _CLOSE_DELAY <= 0, _complete_condition(pools.c.id))
        .values(status="CLOSED", last_stopped=now, last_close_reason="COMPLETED").returning(pools.c.id))]
    waiting = conn.execute(select(pools.c.id, _CLOSE_DELAY.label("delay"), pools.c.last_started).where(
        pools.c.status == "OPEN", _CLOSE_DELAY > 0, _complete_condition(pools.c.id))).all()
    for row in waiting:
        last = conn.execute(select(func.max(assignments.c.submitted)).where(assignments.c.pool_id == row.id)).scalar()
        since = max(t for t in (last, row.last_started) if t is not None) if (last or row.last_started) else None
        if since is None or (now - since).total_seconds() >= row.delay:
            conn.execute(update(pools).where(pools.c.id == row.id, pools.c.status == "OPEN").values(
                status="CLOSED", last_stopped=now, last_close_reason="COMPLETED"))
            closed.append(row.id)
    for pool_id in closed:
        events.record(conn, "POOL_CLOSED", pool_id=pool_id, reason="COMPLETED")
    return len(closed)


def reopen_if_incomplete(conn: Connection, pool_id: int) -> None:
    """A pool closed as COMPLETED that needs answers again (a rejection, more overlap) reopens."""
    row = load(conn, pool_id)
    if (row.status == "CLOSED" and row.last_close_reason == "COMPLETED" and not is_complete(conn, pool_id)
            and (row.will_expire is None or row.will_expire > utcnow())):
        conn.execute(update(pools).where(pools.c.id == pool_id).values(
            status="OPEN", last_started=utcnow(), last_close_reason=None))
        events.record(conn, "POOL_OPENED", pool_id=pool_id, reason="NEEDS_ANSWERS")


def completion_percentage(conn: Connection, pool_id: int) -> float:
    """Share of wanted answers on real tasks that have come in, 0 to 100."""
    wanted, got = conn.execute(select(
        func.coalesce(func.sum(tasks.c.overlap), 0),
        func.coalesce(func.sum(func.min(tasks.c.answered_count, tasks.c.overlap)
                               if conn.dialect.name == "sqlite"
                               else func.least(tasks.c.answered_count, tasks.c.overlap)), 0),
    ).where(tasks.c.pool_id == pool_id, tasks.c.golden.is_(False), tasks.c.infinite_overlap.is_(False))).one()
    if not wanted:
        return 0.0
    return round(100.0 * float(got) / float(wanted), 2)
