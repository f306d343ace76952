"""Tasks: batch creation (validated whole before anything is written), reading, overlap changes.

An asynchronous batch (``async_mode``) is an operation backed by a ``tasks.batch_create`` job: the
worker checks the items again (the pool may have changed since) and writes them in one transaction
that also ends the operation, so a re-run after a crash writes nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select, update

from clipcrowd.domain import bounds
from clipcrowd.domain.errors import ClipcrowdError, ConflictState, NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id, parse_id
from clipcrowd.domain.models.base import checked
from clipcrowd.domain.models.projects import ProjectData, TaskSpec
from clipcrowd.domain.models.tasks import TaskCreate, TaskUpdate
from clipcrowd.domain.pool import PoolRules
from clipcrowd.domain.specs import check_values
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.jobs import Handler, ShardPlan, ShardRun, register, submit
from clipcrowd.services import asset_status, operations, pools, present
from clipcrowd.services.projects import load as load_project
from clipcrowd.store.db import Database
from clipcrowd.store.tables import tasks

READ_ONLY = {"id", "created", "__item_idx"}
BATCH_OPERATION = "TASK.BATCH_CREATE"
BATCH_KIND = "tasks.batch_create"


@dataclass
class PreparedBatch:
    """Rows ready to insert, with each item's index; failures already explained."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed_inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    pool_ids: set[int] = field(default_factory=set)


class _PoolCache:
    def __init__(self, conn: Connection):
        self.conn = conn
        self.cache: dict[int, tuple[Any, PoolRules, TaskSpec]] = {}

    def get(self, pool_id: int) -> tuple[Any, PoolRules, TaskSpec]:
        """The pool, its rules and its project's task spec (read once per pool of the batch)."""
        if pool_id not in self.cache:
            pool = pools.load(self.conn, pool_id)
            project = load_project(self.conn, pool.project_id)
            self.cache[pool_id] = (pool, PoolRules.of(pool.data), ProjectData.of(project.data).task_spec)
        return self.cache[pool_id]


def _prepare_item(item: Any, cache: _PoolCache, allow_defaults: bool) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise ValidationFailed.field("task", "must be a JSON object")
    task = checked(TaskCreate, {k: v for k, v in item.items() if k not in READ_ONLY}, "task")
    pool_id = parse_id(task.pool_id)
    if pool_id is None:
        raise ValidationFailed.field("pool_id", f"is required and must be a pool id, got {item.get('pool_id')!r}")
    try:
        pool, rules, spec = cache.get(pool_id)
    except NotFound:
        raise ValidationFailed.field(
            "pool_id", f"pool {item.get('pool_id')} does not exist", "DOES_NOT_EXIST") from None
    if pool.status == "ARCHIVED":
        raise ConflictState(f"pool {pool_id} is archived: it takes no new tasks", {"pool_id": format_id(pool_id)})
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
        if not allow_defaults:
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


def prepare(db: Database, items: list[Any], *, allow_defaults: bool, skip_invalid: bool) -> PreparedBatch:
    """Validate every item. Without skip_invalid any fault refuses the whole batch."""
    batch = PreparedBatch()
    first_error: ClipcrowdError | None = None
    with db.read() as conn:
        cache = _PoolCache(conn)
        for i, item in enumerate(items):
            idx = str(item.get("__item_idx", i)) if isinstance(item, Mapping) else str(i)
            try:
                row = _prepare_item(item, cache, allow_defaults)
            except ClipcrowdError as exc:
                first_error = first_error or exc
                batch.failures[idx] = exc.payload if isinstance(exc, ValidationFailed) and exc.payload else {
                    "task": {"code": exc.code, "message": exc.message}}
                batch.failed_inputs[idx] = dict(item) if isinstance(item, Mapping) else {"value": item}
                continue
            batch.rows.append(row)
            batch.indexes.append(idx)
            batch.inputs.append(dict(item))
            batch.pool_ids.add(row["pool_id"])
    if batch.failures and not skip_invalid:
        if len(items) == 1 and first_error is not None:
            raise first_error
        payload = {f"[{idx}].{path}": fault for idx, faults in batch.failures.items() for path, fault in faults.items()}
        first = next(iter(payload.items()))
        raise ValidationFailed(
            f"{len(batch.failures)} of {len(items)} tasks are invalid, nothing was created; "
            f"first: {first[0]}: {first[1].get('message')}", payload)
    return batch


def write(conn: Connection, batch: PreparedBatch, *, open_pool: bool = False) -> list[int]:
    now = utcnow()
    ids: list[int] = []
    if batch.rows:
        result = conn.execute(
            insert(tasks).returning(tasks.c.id, sort_by_parameter_order=True),
            [{**row, "created": now} for row in batch.rows],
        )
        ids = [r.id for r in result]
        asset_status.link(conn, ids, batch.rows)
    for pool_id in batch.pool_ids:
        pools.reopen_if_incomplete(conn, pool_id)
        if open_pool:
            conn.execute(update(pools.pools).where(pools.pools.c.id == pool_id, pools.pools.c.status == "CLOSED")
                         .values(status="OPEN", last_started=now, last_close_reason=None))
    return ids


def write_as_operation(db: Database, batch: PreparedBatch, op_id: str, *, open_pool: bool = False) -> None:
    """The deferred half of an async batch: insert, log every item, finish the operation."""
    try:
        with db.write() as conn:
            ids = write(conn, batch, open_pool=open_pool)
            entries = [(True, {**inp, "__item_idx": idx, "pool_id": format_id(row["pool_id"])},
                        {"task_id": format_id(task_id)})
                       for idx, inp, row, task_id in zip(batch.indexes, batch.inputs, batch.rows, ids, strict=True)]
            entries += [(False, {**batch.failed_inputs[idx], "__item_idx": idx}, faults)
                        for idx, faults in batch.failures.items()]
            operations.log(conn, op_id, "TASK_CREATE", entries)
            operations.finish(conn, op_id, success=bool(ids) or not batch.failures, details={
                "items_count": len(ids) + len(batch.failures), "success_count": len(ids),
                "failed_count": len(batch.failures)})
    except Exception as exc:  # the operation must end, whatever went wrong; the error is reported in it
        with db.write() as conn:
            operations.finish(conn, op_id, success=False, details={"error": f"{type(exc).__name__}: {exc}"})
        raise


def start_batch(db: Database, batch: PreparedBatch, items: list[Any], op_id: str, *, allow_defaults: bool,
                skip_invalid: bool, open_pool: bool) -> dict[str, Any]:
    """The operation of an asynchronous batch and the job that writes it (the caller wakes the executor)."""
    request = {"operation_id": op_id, "items": items, "allow_defaults": allow_defaults,
               "skip_invalid": skip_invalid, "open_pool": open_pool}
    with db.write() as conn:
        operations.start(conn, BATCH_OPERATION, {"pool_ids": sorted(format_id(p) for p in batch.pool_ids),
                                                 "skip_invalid_items": skip_invalid}, op_id=op_id)
        submit(conn, BATCH_KIND, request, operation_id=op_id)
    return operations.get(db, op_id)


@register(BATCH_KIND)
class CreateTaskBatch(Handler):
    """One shard, one item (the operation); nothing is done when the operation has already ended."""

    def plan(self, request: Mapping[str, Any]) -> list[ShardPlan]:
        return [ShardPlan([str(request["operation_id"])])]

    def run_shard(self, shard: ShardRun) -> None:
        request = shard.request
        op_id = str(request["operation_id"])
        if operations.get(shard.db, op_id)["status"] not in ("PENDING", "RUNNING"):
            return
        batch = prepare(shard.db, list(request["items"]), allow_defaults=bool(request["allow_defaults"]),
                        skip_invalid=bool(request["skip_invalid"]))
        write_as_operation(shard.db, batch, op_id, open_pool=bool(request["open_pool"]))


def create_sync(db: Database, batch: PreparedBatch, *, open_pool: bool = False) -> dict[str, Any]:
    with db.write() as conn:
        ids = write(conn, batch, open_pool=open_pool)
        rows = present.tasks_by_id(conn, set(ids))
        return {
            "items": {idx: present.task(rows[task_id]) for idx, task_id in zip(batch.indexes, ids, strict=True)},
            "validation_errors": batch.failures,
        }


def load(conn: Connection, task_id: int) -> Any:
    row = conn.execute(select(tasks).where(tasks.c.id == task_id)).one_or_none()
    if row is None:
        raise NotFound(f"task {task_id} does not exist")
    return row


def get(db: Database, task_id: int) -> dict[str, Any]:
    with db.read() as conn:
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
