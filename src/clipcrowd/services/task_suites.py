"""Task suites the requester makes: tasks written with their suite's id and handed out together.

A pool with suites issues them whole, highest `issuing_order_override` first (see
`services.issuing`); its tasks outside any suite are mixed as usual once no suite is left for the
worker. Each task of a suite carries the suite's overlap, so the counters of `services.lifecycle`
keep working task by task. Batches are written as `services.batch_create` writes every kind (a
``task_suites.batch_create`` job behind a ``TASK_SUITE.BATCH_CREATE`` operation when asynchronous).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from clipcrowd.domain.errors import ConflictState, NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.models.base import checked
from clipcrowd.domain.models.task_suites import TaskSuiteCreate, TaskSuiteOverlapPatch, TaskSuitePatch
from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.jobs import register
from clipcrowd.services import asset_status, batch_create, pools, present
from clipcrowd.services.batch_create import READ_ONLY, BatchHandler, BatchKind, PoolCache, PreparedBatch
from clipcrowd.services.tasks import prepare_item, refuse_targeting
from clipcrowd.store.db import Database
from clipcrowd.store.tables import task_suites, tasks

BATCH_OPERATION = "TASK_SUITE.BATCH_CREATE"
BATCH_KIND = "task_suites.batch_create"
#: task fields the suite decides
_SUITE_DECIDES = ("pool_id", "overlap", "infinite_overlap")
#: what a suite's tasks leave out when presented in it: the suite says it once
_SUITE_SAYS = ("pool_id", "overlap", "infinite_overlap", "created")


def _prefixed(exc: ValidationFailed, prefix: str) -> ValidationFailed:
    payload = {f"{prefix}{path}": fault for path, fault in (exc.payload or {}).items()}
    return type(exc)(f"{prefix}{exc.message}", payload)  # a refused feature stays one


def _prepare_suite(item: Any, cache: PoolCache, allow_defaults: bool) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if not isinstance(item, Mapping):
        raise ValidationFailed.field("task_suite", "must be a JSON object")
    refuse_targeting(item)
    suite = checked(TaskSuiteCreate, {k: v for k, v in item.items() if k not in READ_ONLY}, "task_suite")
    pool_id, pool, rules, _ = cache.of(item, "task suite")
    infinite, overlap = suite.infinite_overlap, suite.overlap
    if infinite and overlap is not None:
        raise ValidationFailed.field("overlap", "must be null when infinite_overlap is true")
    if not infinite and overlap is None:
        if not allow_defaults:
            raise ValidationFailed.field("overlap", "is required (or pass allow_defaults=true)")
        overlap = rules.default_overlap
    rows = []
    for j, task in enumerate(suite.tasks):
        where = f"tasks[{j}]."
        for name in _SUITE_DECIDES:
            if name in task and name != "pool_id" and task[name] not in (None, overlap, infinite):
                raise ValidationFailed.field(where + name, "is the suite's: leave it out of its tasks")
        try:
            rows.append(prepare_item({**task, "pool_id": pool_id, "overlap": overlap, "infinite_overlap": infinite},
                                     cache, allow_defaults=True))
        except ValidationFailed as exc:
            raise _prefixed(exc, where) from None
    if all(r["golden"] for r in rows) and pool.type != "TRAINING":
        raise ValidationFailed.field("tasks", "a suite needs a task without known_solutions (golden ones only "
                                              "check answers; nothing would ever complete it)")
    data = {k: v for k, v in item.items() if k not in READ_ONLY and k != "tasks"}
    data.update(pool_id=format_id(pool_id), overlap=overlap, infinite_overlap=infinite)
    return {"pool_id": pool_id, "issuing_order_override": suite.issuing_order_override, "data": data}, rows


def _check(item: Any, cache: PoolCache, allow_defaults: bool) -> tuple[int, Any]:
    suite, rows = _prepare_suite(item, cache, allow_defaults)
    return int(suite["pool_id"]), (suite, rows)


def _insert(conn: Connection, made: list[tuple[dict[str, Any], list[dict[str, Any]]]], now: Any) -> list[int]:
    ids: list[int] = []
    for suite, rows in made:
        suite_id = conn.execute(insert(task_suites).values(**suite, created=now)
                                .returning(task_suites.c.id)).scalar_one()
        task_ids = [r.id for r in conn.execute(insert(tasks).returning(tasks.c.id, sort_by_parameter_order=True),
                                               [{**row, "suite_id": suite_id, "created": now} for row in rows])]
        asset_status.link(conn, task_ids, rows)
        ids.append(int(suite_id))
    return ids


def start_batch(db: Database, batch: PreparedBatch, items: list[Any], op_id: str, *, allow_defaults: bool,
                skip_invalid: bool, open_pool: bool) -> dict[str, Any]:
    return batch_create.start_batch(KIND, db, batch, items, op_id, allow_defaults=allow_defaults,
                                    skip_invalid=skip_invalid, open_pool=open_pool)


def present_many(conn: Connection, suite_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Suites with their tasks in creation order and how many more times each may be issued."""
    if not suite_ids:
        return {}
    found = {r.id: r for r in conn.execute(select(task_suites).where(task_suites.c.id.in_(suite_ids)))}
    members: dict[int, list[Any]] = {s: [] for s in found}
    for row in conn.execute(select(tasks).where(tasks.c.suite_id.in_(list(found))).order_by(tasks.c.id)):
        members[row.suite_id].append(row)
    result = {}
    for suite_id, row in found.items():
        real = [t for t in members[suite_id] if not t.golden]
        lead = real[0] if real else (members[suite_id][0] if members[suite_id] else None)
        infinite = bool(lead.infinite_overlap) if lead is not None else False
        overlap = None if infinite or lead is None else lead.overlap
        body = {**row.data, "id": format_id(row.id), "pool_id": format_id(row.pool_id),
                "created": format_time(row.created), "issuing_order_override": row.issuing_order_override,
                "infinite_overlap": infinite, "overlap": overlap,
                "remaining_overlap": (None if overlap is None or lead is None
                                      else present.remaining_overlap(overlap, lead.assigned_count)),
                "tasks": [{k: v for k, v in present.task(t, remaining=False).items() if k not in _SUITE_SAYS}
                          for t in members[suite_id]]}
        if infinite:
            body.pop("overlap")
        result[suite_id] = body
    return result


def load(conn: Connection, suite_id: int) -> Any:
    row = conn.execute(select(task_suites).where(task_suites.c.id == suite_id)).one_or_none()
    if row is None:
        raise NotFound(f"task suite {format_id(suite_id)} does not exist")
    return row


def get(db: Database, suite_id: int) -> dict[str, Any]:
    with db.read() as conn:
        load(conn, suite_id)
        return present_many(conn, [suite_id])[suite_id]


def _set_overlap(conn: Connection, suite: Any, overlap: int | None, infinite: bool) -> None:
    data = {**suite.data, "overlap": None if infinite else overlap, "infinite_overlap": infinite}
    conn.execute(update(task_suites).where(task_suites.c.id == suite.id).values(data=data))
    for row in conn.execute(select(tasks.c.id, tasks.c.data).where(tasks.c.suite_id == suite.id)).all():
        conn.execute(update(tasks).where(tasks.c.id == row.id).values(
            overlap=None if infinite else overlap, infinite_overlap=infinite,
            data={**row.data, "overlap": None if infinite else overlap, "infinite_overlap": infinite}))


def _writable(conn: Connection, suite_id: int) -> Any:
    suite = load(conn, suite_id)
    if pools.load(conn, suite.pool_id).status == "ARCHIVED":
        raise ConflictState(f"the pool of task suite {format_id(suite_id)} is archived")
    return suite


def _after_change(conn: Connection, suite: Any, open_pool: bool) -> dict[str, Any]:
    pools.reopen_if_incomplete(conn, suite.pool_id)
    if open_pool:
        conn.execute(update(pools.pools).where(pools.pools.c.id == suite.pool_id, pools.pools.c.status == "CLOSED")
                     .values(status="OPEN", last_started=utcnow(), last_close_reason=None))
    return present_many(conn, [suite.id])[suite.id]


def patch(db: Database, suite_id: int, body: Any, *, open_pool: bool = False) -> dict[str, Any]:
    """Change the overlap (of every task of the suite), make it infinite, or move it in the issuing order."""
    change = checked(TaskSuitePatch, body, "task_suite")
    if change.infinite_overlap and change.overlap is not None:
        raise ValidationFailed.field("overlap", "must be null when infinite_overlap is true")
    with db.write() as conn:
        suite = _writable(conn, suite_id)
        if change.overlap is not None or change.infinite_overlap is not None:
            _set_overlap(conn, suite, change.overlap, bool(change.infinite_overlap))
        if "issuing_order_override" in change.model_fields_set:
            conn.execute(update(task_suites).where(task_suites.c.id == suite_id).values(
                issuing_order_override=change.issuing_order_override,
                data={**load(conn, suite_id).data, "issuing_order_override": change.issuing_order_override}))
        return _after_change(conn, load(conn, suite_id), open_pool)


def set_overlap_or_min(db: Database, suite_id: int, body: Any, *, open_pool: bool = False) -> dict[str, Any]:
    """The overlap asked for, or what the suite has already been handed out when that is more."""
    change = checked(TaskSuiteOverlapPatch, body, "task_suite")
    with db.write() as conn:
        suite = _writable(conn, suite_id)
        issued = conn.execute(select(func.coalesce(func.max(tasks.c.assigned_count), 0))
                              .where(tasks.c.suite_id == suite_id, tasks.c.golden.is_(False))).scalar()
        _set_overlap(conn, suite, max(change.overlap, int(issued or 0)), False)
        return _after_change(conn, load(conn, suite_id), open_pool)


KIND = BatchKind(noun="task suite", operation=BATCH_OPERATION, job=BATCH_KIND,
                 log_type="TASK_SUITE_CREATE", output_id="task_suite_id", check=_check, insert=_insert,
                 present=present_many)


@register(BATCH_KIND)
class CreateTaskSuiteBatch(BatchHandler):
    """An asynchronous batch of task suites."""

    batch_kind = KIND
