"""Creating objects of a pool in batches — tasks, task suites — one way for every kind.

Every item is checked before anything is written (any fault refuses the whole list unless
``skip_invalid_items``); the list is written in one transaction, synchronously or as an
operation backed by a one-shard job (the worker checks the items again, as the pool may have
changed since, and writes them in the transaction that also ends the operation, so a re-run after a
crash writes nothing twice). A `BatchKind` says what differs: how an item is checked, written and
shown, and the names of its operation, job and log entries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy import Connection, update

from clipcrowd.domain.errors import ClipcrowdError, ConflictState, NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id, parse_id
from clipcrowd.domain.models.projects import ProjectData, TaskSpec
from clipcrowd.domain.pool import PoolRules
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.jobs import Handler, ShardPlan, ShardRun, submit
from clipcrowd.services import operations, pools
from clipcrowd.services.projects import load as load_project
from clipcrowd.store.db import Database

READ_ONLY = {"id", "created", "__item_idx"}


class PoolCache:
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

    def of(self, item: Mapping[str, Any], noun: str) -> tuple[int, Any, PoolRules, TaskSpec]:
        """The pool an item names in `pool_id` (refused by name when there is none), open to new items."""
        raw = item.get("pool_id")
        pool_id = parse_id(raw)
        if pool_id is None:
            raise ValidationFailed.field("pool_id", f"is required and must be a pool id, got {raw!r}")
        try:
            pool, rules, spec = self.get(pool_id)
        except NotFound:
            raise ValidationFailed.field("pool_id", f"pool {raw} does not exist", "DOES_NOT_EXIST") from None
        if pool.status == "ARCHIVED":
            raise ConflictState(f"pool {pool_id} is archived: it takes no new {noun}s", {"pool_id": format_id(pool_id)})
        return pool_id, pool, rules, spec


@dataclass(frozen=True)
class BatchKind:
    noun: str  # "task": names the kind in messages and in a refused item's payload
    operation: str  # the operation type, e.g. TASK.BATCH_CREATE
    job: str  # the job kind that writes an asynchronous batch
    log_type: str  # the type of each operation log entry
    output_id: str  # the log entry's output field holding the new id
    #: (item, pools, allow_defaults) -> (pool id, what `insert` writes)
    check: Callable[[Any, PoolCache, bool], tuple[int, Any]]
    #: (connection, checked items, now) -> new ids in item order
    insert: Callable[[Connection, list[Any], Any], list[int]]
    #: (connection, new ids) -> each id's public object
    present: Callable[[Connection, list[int]], dict[int, dict[str, Any]]]


@dataclass
class PreparedBatch:
    """Items ready to write, with each item's index; failures already explained."""

    rows: list[Any] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed_inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[ClipcrowdError] = field(default_factory=list)  # the failures' errors, in item order
    pool_ids: set[int] = field(default_factory=set)
    row_pools: list[int] = field(default_factory=list)  # each row's pool
    unwritten: int = 0  # valid items left out because the batch fails whole

    def keep_nothing(self) -> None:
        """The batch fails whole: its valid items are not written either, nor their pools touched."""
        self.unwritten += len(self.rows)
        for kept in (self.rows, self.indexes, self.inputs, self.row_pools):
            kept.clear()
        self.pool_ids.clear()


def prepare(kind: BatchKind, db: Database, items: list[Any], *, allow_defaults: bool,
            skip_invalid: bool, in_operation: bool = False) -> PreparedBatch:
    """Check every item. Without skip_invalid any fault refuses the whole batch: at once (400), or, with
    `in_operation` (async_mode) and faults in the items' own data, as Toloka does, by an operation that
    fails, writes nothing and logs each invalid item's faults (`fails_whole`)."""
    batch = PreparedBatch()
    with db.read() as conn:
        cache = PoolCache(conn)
        for i, item in enumerate(items):
            idx = str(item.get("__item_idx", i)) if isinstance(item, Mapping) else str(i)
            try:
                pool_id, row = kind.check(item, cache, allow_defaults)
            except ClipcrowdError as exc:
                batch.errors.append(exc)
                batch.failures[idx] = exc.payload if isinstance(exc, ValidationFailed) and exc.payload else {
                    kind.noun.replace(" ", "_"): {"code": exc.code, "message": exc.message}}
                batch.failed_inputs[idx] = dict(item) if isinstance(item, Mapping) else {"value": item}
                continue
            batch.rows.append(row)
            batch.indexes.append(idx)
            batch.inputs.append(dict(item))
            batch.pool_ids.add(pool_id)
            batch.row_pools.append(pool_id)
    if in_operation and fails_whole(batch, skip_invalid):
        batch.keep_nothing()
        return batch
    if batch.failures and not skip_invalid:
        if len(items) == 1:
            raise batch.errors[0]
        payload = {f"[{idx}].{path}": fault for idx, faults in batch.failures.items() for path, fault in faults.items()}
        first = next(iter(payload.items()))
        raise ValidationFailed(
            f"{len(batch.failures)} of {len(items)} {kind.noun}s are invalid, nothing was created; "
            f"first: {first[0]}: {first[1].get('message')}", payload)
    return batch


def fails_whole(batch: PreparedBatch, skip_invalid: bool) -> bool:
    """Its operation fails: some item is invalid and none may be skipped (or none is valid), each on its own
    data (a refused feature, a pool's state or a missing pool is said at once, with a 400)."""
    return (bool(batch.errors) and (not skip_invalid or not batch.rows)
            and all(type(exc) is ValidationFailed for exc in batch.errors))


def write(kind: BatchKind, conn: Connection, batch: PreparedBatch, *, open_pool: bool = False) -> list[int]:
    now = utcnow()
    ids = kind.insert(conn, batch.rows, now) if batch.rows else []
    for pool_id in batch.pool_ids:
        pools.reopen_if_incomplete(conn, pool_id)
        if open_pool:
            conn.execute(update(pools.pools).where(pools.pools.c.id == pool_id, pools.pools.c.status == "CLOSED")
                         .values(status="OPEN", last_started=now, last_close_reason=None))
    return ids


def create_sync(kind: BatchKind, db: Database, batch: PreparedBatch, *, open_pool: bool = False) -> dict[str, Any]:
    with db.write() as conn:
        ids = write(kind, conn, batch, open_pool=open_pool)
        made = kind.present(conn, ids)
        return {"items": {idx: made[new_id] for idx, new_id in zip(batch.indexes, ids, strict=True)},
                "validation_errors": batch.failures}


def _write_logged(kind: BatchKind, conn: Connection, batch: PreparedBatch, op_id: str, *, open_pool: bool) -> None:
    """Insert the batch, log every item (made or refused) and finish the operation, in `conn`'s transaction."""
    ids = write(kind, conn, batch, open_pool=open_pool)
    pool_of = [format_id(p) for p in batch.row_pools]
    entries = [(True, {**inp, "__item_idx": idx, "pool_id": pool_id}, {kind.output_id: format_id(new_id)})
               for idx, inp, pool_id, new_id in zip(batch.indexes, batch.inputs, pool_of, ids, strict=True)]
    entries += [(False, {**batch.failed_inputs[idx], "__item_idx": idx}, faults)
                for idx, faults in batch.failures.items()]
    operations.log(conn, op_id, kind.log_type, entries)
    operations.finish(conn, op_id, success=bool(ids) or not batch.failures, details={
        "items_count": len(ids) + len(batch.failures) + batch.unwritten, "success_count": len(ids),
        "failed_count": len(batch.failures)})


def write_as_operation(kind: BatchKind, db: Database, batch: PreparedBatch, op_id: str, *,
                       open_pool: bool = False) -> None:
    """The deferred half of an async batch, in the job runner: the operation ends whatever goes wrong."""
    try:
        with db.write() as conn:
            _write_logged(kind, conn, batch, op_id, open_pool=open_pool)
    except Exception as exc:  # the operation must end, whatever went wrong; the error is reported in it
        with db.write() as conn:
            operations.finish(conn, op_id, success=False, details={"error": f"{type(exc).__name__}: {exc}"})
        raise


def _start(kind: BatchKind, conn: Connection, batch: PreparedBatch, op_id: str, skip_invalid: bool) -> None:
    operations.start(conn, kind.operation, {"pool_ids": sorted(format_id(p) for p in batch.pool_ids),
                                            "skip_invalid_items": skip_invalid}, op_id=op_id)


def write_now(kind: BatchKind, db: Database, batch: PreparedBatch, op_id: str, *, skip_invalid: bool,
              open_pool: bool) -> dict[str, Any]:
    """A small async batch: its operation started, written, logged and finished in one transaction (nothing
    is left half done if it fails), answered already ended."""
    with db.write() as conn:
        _start(kind, conn, batch, op_id, skip_invalid)
        _write_logged(kind, conn, batch, op_id, open_pool=open_pool)
    return operations.get(db, op_id)


def start_batch(kind: BatchKind, db: Database, batch: PreparedBatch, items: list[Any], op_id: str, *,
                allow_defaults: bool, skip_invalid: bool, open_pool: bool) -> dict[str, Any]:
    """The operation of an asynchronous batch and the job that writes it (the caller wakes the executor)."""
    request = {"operation_id": op_id, "items": items, "allow_defaults": allow_defaults,
               "skip_invalid": skip_invalid, "open_pool": open_pool}
    with db.write() as conn:
        _start(kind, conn, batch, op_id, skip_invalid)
        submit(conn, kind.job, request, operation_id=op_id)
    return operations.get(db, op_id)


class BatchHandler(Handler):
    """The job of an asynchronous batch: a subclass per kind sets `batch_kind` and registers."""

    batch_kind: ClassVar[BatchKind]

    def plan(self, request: Mapping[str, Any]) -> list[ShardPlan]:
        """One shard, one item: the operation."""
        return [ShardPlan([str(request["operation_id"])])]

    def run_shard(self, shard: ShardRun) -> None:
        run_shard(self.batch_kind, shard)


def run_shard(kind: BatchKind, shard: ShardRun) -> None:
    """A batch job's shard; nothing is done when the operation has already ended."""
    request = shard.request
    op_id = str(request["operation_id"])
    if operations.get(shard.db, op_id)["status"] not in ("PENDING", "RUNNING"):
        return
    batch = prepare(kind, shard.db, list(request["items"]), allow_defaults=bool(request["allow_defaults"]),
                    skip_invalid=bool(request["skip_invalid"]))
    write_as_operation(kind, shard.db, batch, op_id, open_pool=bool(request["open_pool"]))
