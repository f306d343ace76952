"""Tasks: batch creation (see `services.batch_create`: a ``tasks.batch_create`` job behind a
``TASK.BATCH_CREATE`` operation when asynchronous), reading, overlap changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert, select, update

from clipcrowd.domain import bounds
from clipcrowd.domain.errors import ConflictState, NotFound, NotSupported, ValidationFailed
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.models.base import checked
from clipcrowd.domain.models.projects import ProjectData
from clipcrowd.domain.models.tasks import TaskCreate, TaskPatch, TaskUpdate
from clipcrowd.domain.specs import check_values
from clipcrowd.jobs import register
from clipcrowd.services import asset_status, batch_create, pools, present
from clipcrowd.services.batch_create import READ_ONLY, BatchHandler, BatchKind, PoolCache, PreparedBatch
from clipcrowd.services.projects import load as load_project
from clipcrowd.store.db import Database
from clipcrowd.store.tables import tasks

BATCH_OPERATION = "TASK.BATCH_CREATE"
BATCH_KIND = "tasks.batch_create"


#: who may get a task, by worker id or trait: stored and ignored they would hand it to anyone
TARGETING = ("reserved_for", "unavailable_for", "traits_all_of", "traits_any_of", "traits_none_of_any")
#: a point on the map for field tasks near the worker: no map here, so stored they would mean nothing
LOCATION = ("latitude", "longitude")


def refuse_targeting(item: Mapping[str, Any]) -> None:
    """A task (or suite) reserved for some workers, or kept from some, is refused naming the field:
    the issuing of work does not read these lists, so they would not hold."""
    for name in TARGETING:
        if item.get(name):
            raise NotSupported.field(name, "is not supported: clipcrowd does not reserve tasks for workers or "
                                               "keep them from some (leave it out; a pool filter or a restriction "
                                               "decides who works on a pool)")
    for name in LOCATION:
        if item.get(name) is not None:
            raise NotSupported.field(name, "is not supported: clipcrowd has no map of field tasks, so work is "
                                               "never handed out by where a worker is (leave it out)")


def prepare_item(item: Any, cache: PoolCache, allow_defaults: bool) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise ValidationFailed.field("task", "must be a JSON object")
    refuse_targeting(item)
    task = checked(TaskCreate, {k: v for k, v in item.items() if k not in READ_ONLY}, "task")
    pool_id, pool, rules, spec = cache.of(item, "task")
    check_values(spec.input_spec, task.input_values, "input_values")
    known = task.known_solutions
    for i, solution in enumerate(known or []):
        check_values(spec.output_spec, solution.output_values, f"known_solutions[{i}].output_values",
                     enforce_required=False)
    infinite, overlap = task.infinite_overlap, task.overlap
    if infinite:
        if overlap is not None:
            raise ValidationFailed.field("overlap", "must be null when infinite_overlap is true")
    elif overlap is None:
        if not allow_defaults and pool.type != "TRAINING":  # a training's tasks are answered by everyone
            raise ValidationFailed.field("overlap", "is required (or pass allow_defaults=true)")
        overlap = rules.default_overlap
    else:
        bounds.check_number(overlap, "overlap", minimum=1, maximum=bounds.MAX_OVERLAP, integer=True)
    data = {k: v for k, v in item.items() if k not in READ_ONLY}
    data["pool_id"] = format_id(pool_id)
    data["overlap"] = overlap
    data["infinite_overlap"] = infinite
    return {
        "pool_id": pool_id, "overlap": overlap, "infinite_overlap": infinite,
        "golden": bool(known), "assigned_count": 0, "answered_count": 0, "data": data,
    }


def _check(item: Any, cache: PoolCache, allow_defaults: bool) -> tuple[int, dict[str, Any]]:
    row = prepare_item(item, cache, allow_defaults)
    return int(row["pool_id"]), row


def _insert(conn: Connection, rows: list[dict[str, Any]], now: Any) -> list[int]:
    result = conn.execute(insert(tasks).returning(tasks.c.id, sort_by_parameter_order=True),
                          [{**row, "created": now} for row in rows])
    ids = [r.id for r in result]
    asset_status.link(conn, ids, rows)
    return ids


def _present(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    return {task_id: present.task(row) for task_id, row in present.tasks_by_id(conn, set(ids)).items()}


KIND = BatchKind(noun="task", operation=BATCH_OPERATION, job=BATCH_KIND, log_type="TASK_CREATE",
                 output_id="task_id", check=_check, insert=_insert, present=_present)


def prepare(db: Database, items: list[Any], *, allow_defaults: bool, skip_invalid: bool) -> PreparedBatch:
    return batch_create.prepare(KIND, db, items, allow_defaults=allow_defaults, skip_invalid=skip_invalid)


def write(conn: Connection, batch: PreparedBatch, *, open_pool: bool = False) -> list[int]:
    """Write a prepared batch in the caller's transaction."""
    return batch_create.write(KIND, conn, batch, open_pool=open_pool)


def create_sync(db: Database, batch: PreparedBatch, *, open_pool: bool = False) -> dict[str, Any]:
    return batch_create.create_sync(KIND, db, batch, open_pool=open_pool)


def start_batch(db: Database, batch: PreparedBatch, items: list[Any], op_id: str, *, allow_defaults: bool,
                skip_invalid: bool, open_pool: bool) -> dict[str, Any]:
    return batch_create.start_batch(KIND, db, batch, items, op_id, allow_defaults=allow_defaults,
                                    skip_invalid=skip_invalid, open_pool=open_pool)


@register(BATCH_KIND)
class CreateTaskBatch(BatchHandler):
    """An asynchronous batch of tasks."""

    batch_kind = KIND


def load(conn: Connection, task_id: int) -> Any:
    row = conn.execute(select(tasks).where(tasks.c.id == task_id)).one_or_none()
    if row is None:
        raise NotFound(f"task {task_id} does not exist")
    return row


def get(db: Database, task_id: int) -> dict[str, Any]:
    with db.read() as conn:
        return present.task(load(conn, task_id))


#: what a PATCH may change besides the overlap
PATCHABLE = ("baseline_solutions", "known_solutions", "message_on_unknown_solution")


def patch(db: Database, task_id: int, body: Any) -> dict[str, Any]:
    """Change the fields `body` sends (a TaskPatch); without an overlap field the overlap is kept."""
    change = checked(TaskPatch, body, "task")
    sent = change.model_fields_set
    if sent & {"overlap", "infinite_overlap"}:
        set_overlap(db, task_id, {k: v for k, v in change.model_dump().items() if k in ("overlap", "infinite_overlap")})
    if not sent & set(PATCHABLE):
        return get(db, task_id)
    with db.write() as conn:
        row = load(conn, task_id)
        pool = pools.load(conn, row.pool_id)
        if pool.status == "ARCHIVED":
            raise ConflictState(f"the pool of task {task_id} is archived")
        spec = ProjectData.of(load_project(conn, pool.project_id).data).task_spec
        data = dict(row.data)
        for name in PATCHABLE:
            if name in sent:
                value = getattr(change, name)
                if name != "message_on_unknown_solution" and value is not None:
                    for i, solution in enumerate(value):
                        check_values(spec.output_spec, solution.output_values, f"{name}[{i}].output_values",
                                     enforce_required=False)
                    value = [solution.model_dump() for solution in value]
                data[name] = value
        conn.execute(update(tasks).where(tasks.c.id == task_id).values(
            data=data, golden=bool(data.get("known_solutions"))))
        pools.reopen_if_incomplete(conn, row.pool_id)
        return present.task(load(conn, task_id))


def set_overlap(db: Database, task_id: int, body: Any) -> dict[str, Any]:
    change = checked(TaskUpdate, body, "task")
    infinite, overlap = change.infinite_overlap, change.overlap
    if not infinite and overlap is None:
        raise ValidationFailed.field("overlap", "is required unless infinite_overlap is true")
    with db.write() as conn:
        row = load(conn, task_id)
        if pools.load(conn, row.pool_id).status == "ARCHIVED":
            raise ConflictState(f"the pool of task {task_id} is archived")
        data = {**row.data, "overlap": None if infinite else overlap, "infinite_overlap": infinite}
        conn.execute(update(tasks).where(tasks.c.id == task_id).values(
            overlap=None if infinite else overlap, infinite_overlap=infinite, data=data))
        pools.reopen_if_incomplete(conn, row.pool_id)
        return present.task(load(conn, task_id))
