"""Issuing work: the next task suite of a pool for one worker, decided in one transaction.

The worker must pass the pool's filter and carry no active restriction. A pool with suites the
requester made hands out the first of them (highest `issuing_order_override`, then oldest) with a
task still open that this worker never saw, whole; otherwise the mixer builds a suite from real
tasks outside suites whose overlap is not yet reached and that this worker never saw, plus golden
tasks as the pool says. On PostgreSQL the chosen rows are locked with `FOR UPDATE SKIP LOCKED` so concurrent
workers take different tasks; on SQLite the write transaction holds the database's write lock.
The (task, worker) unique key makes a second copy for the same worker impossible either way.
"""

from __future__ import annotations

import functools
import random
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import BigInteger, Connection, bindparam, exists, func, insert, literal_column, select, true, update
from sqlalchemy.dialects import postgresql

from clipcrowd.domain.errors import AccessDenied, ConflictState, NotFound
from clipcrowd.domain.filters import matches, skill_ids
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.models.pools import PoolData
from clipcrowd.domain.models.projects import ProjectData, localized
from clipcrowd.domain.pool import PoolRules
from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.services import lifecycle, pools, present, refusals, restrictions, trainings, workers
from clipcrowd.services.projects import load as load_project
from clipcrowd.store.db import Database
from clipcrowd.store.direct import Direct
from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import (
    GOLDEN_TASK,
    OPEN_REAL_TASK,
    assignment_tasks,
    assignments,
    projects,
    task_suites,
    tasks,
)

#: below every issuing_order_override a requester may set: suites without one come last
_NO_ORDER = -(10**9)
#: suites tried in one issuing whose last copy another worker took meanwhile (PostgreSQL), before giving up
_PICKS = 8


def worker_task_id(assignment_id: int, position: int) -> str:
    """The id a worker sees for a task: its place in her suite, never the task's own id.

    Task ids follow upload order, so golden tasks uploaded in their own batch would stand out by
    id; a suite's tasks are shuffled when issued, so the place tells nothing either.
    """
    return f"{format_id(assignment_id)}-{position + 1}"


def worker_view(row: Any, task_rows: dict[int, Any]) -> dict[str, Any]:
    """An assignment as its worker sees it: inputs only, never known solutions, golden flags or task ids."""
    body = {
        "id": format_id(row.id), "pool_id": format_id(row.pool_id), "status": row.status,
        "reward": row.reward, "created": format_time(row.created), "deadline": format_time(row.deadline),
        "tasks": [{**present.task(task_rows[tid], for_worker=True), "id": worker_task_id(row.id, i)}
                  for i, tid in enumerate(row.task_ids)],
    }
    if row.solutions is not None:
        body["solutions"] = [{"output_values": v} for v in row.solutions]
    return body


def _not_seen_by(worker_id: Any) -> Any:
    return ~exists().where(assignment_tasks.c.task_id == tasks.c.id, assignment_tasks.c.worker_id == worker_id)


# The statements of every suite issued are built once (per dialect, and per suite size) with named
# parameters: building and hashing a statement of this size costs more than running it.
_WORKER: Any = bindparam("worker_id")
_POOL: Any = bindparam("pool_id")
_NOW: Any = bindparam("now")


@functools.cache
def _admission_query(postgresql: bool) -> Any:
    """One statement reads the worker (locked on PostgreSQL: one issuing transaction per worker at a
    time), the pool, whether a restriction applies and whether a suite is already open."""
    w, p = workers.workers, pools.pools
    restricted = exists().where(restrictions.active_condition(_WORKER, p.c.project_id, p.c.id, now=_NOW))
    open_suite = (select(assignments.c.id).where(
        assignments.c.worker_id == _WORKER, assignments.c.pool_id == _POOL,
        assignments.c.status == "ACTIVE", assignments.c.deadline > _NOW).limit(1).scalar_subquery())
    has_suites = exists().where(task_suites.c.pool_id == _POOL)
    # the project's limit alone, read out of its JSON by the database (its task spec may be large)
    most_active = (select(projects.c.data["max_active_assignments_count"].as_integer())
                   .where(projects.c.id == p.c.project_id).scalar_subquery())
    query = (select(w, p.c.status.label("pool_status"), p.c.project_id, p.c.data.label("pool_data"),
                    p.c.last_close_reason, restricted.label("restricted"), open_suite.label("open_suite"),
                    has_suites.label("has_suites"), most_active.label("most_active"))
             .select_from(w.join(p, p.c.id == _POOL)).where(w.c.id == _WORKER))
    return Direct(query.with_for_update(of=w, key_share=True) if postgresql else query)


@functools.lru_cache(maxsize=64)
def _real_tasks_query(postgresql: bool, count: int, at_random: bool = False) -> Any:
    """The oldest `count` real tasks outside suites still open and never seen by the worker (any `count`
    of them `at_random`: every open task is read and sorted, so only a pool that asks for it pays that)."""
    query = (select(*_TASK_COLUMNS)
             .where(tasks.c.pool_id == _POOL, OPEN_REAL_TASK, _not_seen_by(_WORKER), tasks.c.suite_id.is_(None))
             .order_by(func.random() if at_random else tasks.c.id).limit(count))
    return Direct(query.with_for_update(skip_locked=True, key_share=True) if postgresql else query)


_INSERT_ASSIGNMENT = insert(assignments).returning(*assignments.c)
_INSERT_ASSIGNMENT_TASKS = insert(assignment_tasks)
_BUMP_ASSIGNED = (update(tasks).where(one_of(tasks.c.id, "real_ids"))
                  .values(assigned_count=tasks.c.assigned_count + 1))


def _record_at_once() -> Any:
    """PostgreSQL: the assignment, its (task, worker) rows and the counters in ONE statement (data-
    modifying CTEs), three trips to the server fewer for every suite issued. The rows are those the
    three statements of SQLite write; the RETURNING is the new assignment."""
    # Constants are written as SQL (an anonymous bound value inside a CTE's DML is lost when a cached
    # statement is run), and parameters are named after no column (the UPDATE would set that column).
    one: Any = literal_column("1")
    issued = (insert(assignments).values(
        pool_id=bindparam("new_pool"), worker_id=bindparam("new_worker"), status=literal_column("'ACTIVE'"),
        created=bindparam("new_created"), deadline=bindparam("new_deadline"), reward=bindparam("new_reward"),
        task_ids=bindparam("new_task_ids"),
    ).returning(*assignments.c).cte("issued"))
    members = (func.unnest(bindparam("new_ids", type_=postgresql.ARRAY(BigInteger())))
               .table_valued("task_id", with_ordinality="place").render_derived())
    linked = insert(assignment_tasks).from_select(
        ["assignment_id", "position", "task_id", "worker_id"],
        select(issued.c.id, members.c.place - one, members.c.task_id, issued.c.worker_id)
        .select_from(issued.join(members, true()))).cte("linked")
    bumped = (update(tasks).where(one_of(tasks.c.id, "new_real_ids"))
              .values(assigned_count=tasks.c.assigned_count + one)).cte("bumped")
    return select(issued).add_cte(linked, bumped)


_RECORD_AT_ONCE = Direct(_record_at_once())


def admit(conn: Connection, worker: Any, pool: Any, tree: Any, restricted: bool) -> None:
    """The one admission rule: the pool is open, no restriction applies, the worker passes its filter.

    `pool` has the pool's `id`, `status`, `project_id` and `last_close_reason`; each refusal says why and
    what to do (services/refusals.py).
    """
    if pool.status != "OPEN":
        raise refusals.closed(pool.id, pool.status, pool.last_close_reason)
    if restricted:
        raise refusals.restricted(conn, worker.id, pool.project_id, pool.id)
    if tree:
        facts = workers.facts(conn, worker, with_skills=bool(skill_ids(tree)))
        if not matches(tree, facts):
            raise refusals.filtered_out(pool.id, tree, facts)


def check_access(conn: Connection, worker: Any, pool: Any) -> None:
    """`admit` for a pool row (the restriction looked up on its own)."""
    admit(conn, worker, pool, PoolRules.of(pool.data).filter,
          restrictions.is_restricted(conn, worker.id, pool.project_id, pool.id))


def next_suite(db: Database, worker_id: int, pool_id: int) -> dict[str, Any]:
    with db.write() as conn:
        row, task_rows = _issue(conn, worker_id, pool_id)
        return worker_view(row, task_rows)


_TASK_COLUMNS = (tasks.c.id, tasks.c.pool_id, tasks.c.data, tasks.c.golden)


def _issue(conn: Connection, worker_id: int, pool_id: int) -> tuple[Any, dict[int, Any]]:
    """Choose and record a suite in about eight statements: this runs for every suite issued."""
    query = _admission_query(conn.dialect.name == "postgresql")
    found = query.one_or_none(conn, {"worker_id": worker_id, "pool_id": pool_id, "now": utcnow()})
    if found is None:
        workers.load(conn, worker_id)  # names what is missing: the worker ...
        pools.load(conn, pool_id)  # ... or the pool
        raise NotFound(f"pool {format_id(pool_id)} does not exist")
    # An open pool always belongs to an active project: archiving a project needs its pools closed.
    rules = PoolRules.of(found.pool_data)
    pool = SimpleNamespace(id=pool_id, status=found.pool_status, project_id=found.project_id,
                           last_close_reason=found.last_close_reason)
    admit(conn, found, pool, rules.filter, bool(found.restricted))
    if found.open_suite is not None:
        active = lifecycle.load(conn, found.open_suite)
        return active, present.tasks_by_id(conn, set(active.task_ids))
    training_id = trainings.gate(conn, worker_id, rules.quality_control, rules.training_skill_ttl_days)
    if training_id is not None:  # she has not passed the pool's training: it comes first (her open suite of it too)
        return _issue(conn, worker_id, training_id)
    if found.most_active is not None:
        _within_active_limit(conn, worker_id, found.project_id, found.most_active)
    chosen = _prepared_suite(conn, worker_id, pool_id, in_order=rules.suites_in_creation_order) \
        if found.has_suites else []
    if not chosen:
        chosen = _mixed_suite(conn, worker_id, pool_id, rules)
    return _record(conn, worker_id, pool_id, rules, chosen)


def _within_active_limit(conn: Connection, worker_id: int, project_id: int, most: int) -> None:
    """The project's `max_active_assignments_count`: she holds at most that many unexpired suites of its
    pools at once (she has none in this pool: that one would have been handed back)."""
    held = conn.execute(select(func.count()).select_from(assignments.join(
        pools.pools, pools.pools.c.id == assignments.c.pool_id)).where(
        assignments.c.worker_id == worker_id, assignments.c.status == "ACTIVE", assignments.c.deadline > utcnow(),
        pools.pools.c.project_id == project_id)).scalar_one()
    if held >= most:
        raise refusals.too_many_active(project_id, most)


def _prepared_suite(conn: Connection, worker_id: int, pool_id: int, *, in_order: bool = True) -> list[Any]:
    """The tasks of the first suite she may take (or of one at random, unless `in_order`), in the order
    the requester gave them.

    The suite's row is locked (`SKIP LOCKED` on PostgreSQL), so two workers never take the last
    copy of one suite at once; its tasks' counters then move together.
    """
    open_for_her = exists().where(tasks.c.suite_id == task_suites.c.id, OPEN_REAL_TASK, _not_seen_by(worker_id))
    order = ((func.coalesce(task_suites.c.issuing_order_override, _NO_ORDER).desc(), task_suites.c.id)
             if in_order else (func.random(),))
    pick = (select(task_suites.c.id).where(task_suites.c.pool_id == pool_id, open_for_her)
            .order_by(*order).limit(1))
    postgresql = conn.dialect.name == "postgresql"
    if postgresql:
        pick = pick.with_for_update(skip_locked=True, of=task_suites)
    for _ in range(_PICKS):
        suite_id = conn.execute(pick).scalar()
        if suite_id is None:
            return []
        # PostgreSQL: the pick read the tasks as they were when it began. A worker who took the
        # suite's last copy and committed after that, but before the pick locked the suite's row,
        # left the row free and unchanged, so the lock was granted without a second look; only a
        # statement begun after the lock sees her suite out. Several times over, a free suite wins.
        if not postgresql or conn.execute(select(task_suites.c.id).where(task_suites.c.id == suite_id,
                                                                         open_for_her)).scalar() is not None:
            break
    else:
        return []
    members = select(*_TASK_COLUMNS).where(tasks.c.suite_id == suite_id).order_by(tasks.c.id)
    if postgresql:  # in id order, as every other transaction locks tasks
        members = members.with_for_update(key_share=True)
    return list(conn.execute(members))


def _mixed_suite(conn: Connection, worker_id: int, pool_id: int, rules: PoolRules) -> list[Any]:
    """The mixer: real tasks outside suites, oldest first (at random when the mixer's
    `mix_tasks_in_creation_order` is false), and golden ones at random (oldest first when it is true),
    shuffled unless `shuffle_tasks_in_task_suite` is false; none when fewer are left for her than the
    mixer's minimums."""
    real_query = _real_tasks_query(conn.dialect.name == "postgresql", rules.real_per_suite,
                                   rules.in_creation_order is False)
    chosen = real_query.all(conn, {"worker_id": worker_id, "pool_id": pool_id})
    if len(chosen) < rules.least_real:
        raise refusals.no_tasks(pool_id)
    if rules.golden_per_suite:
        golden = list(conn.execute(
            select(*_TASK_COLUMNS).where(tasks.c.pool_id == pool_id, GOLDEN_TASK, _not_seen_by(worker_id),
                                         tasks.c.suite_id.is_(None))
            .order_by(tasks.c.id if rules.in_creation_order else func.random())  # spread over the golden set
            .limit(rules.golden_per_suite)
        ))
        if len(golden) < rules.least_golden:
            raise refusals.no_tasks(pool_id)
        chosen += golden
        if not chosen:
            raise refusals.no_tasks(pool_id)
    if rules.shuffle:
        random.shuffle(chosen)  # golden tasks must not sit at a guessable place
    else:
        chosen.sort(key=lambda task: task.id)  # in creation order, as the requester asked
    return chosen


def _record(conn: Connection, worker_id: int, pool_id: int, rules: PoolRules,
            chosen: list[Any]) -> tuple[Any, dict[int, Any]]:
    """The assignment of the chosen tasks and its counters, in the issuing transaction."""
    task_ids = [t.id for t in chosen]
    # The real tasks' rows are already locked (in id order, by the SELECTs above); golden tasks keep
    # no counters (see services.lifecycle), so this waits for nobody.
    real_ids = [t.id for t in chosen if not t.golden]
    now = utcnow()
    deadline = now + timedelta(seconds=rules.max_duration_seconds)
    if conn.dialect.name == "postgresql":
        row = _RECORD_AT_ONCE.one(conn, {
            "new_pool": pool_id, "new_worker": worker_id, "new_created": now, "new_deadline": deadline,
            "new_reward": rules.reward, "new_task_ids": task_ids, "new_ids": task_ids, "new_real_ids": real_ids,
        })
        return row, {t.id: t for t in chosen}
    row = conn.execute(_INSERT_ASSIGNMENT, {
        "pool_id": pool_id, "worker_id": worker_id, "status": "ACTIVE", "created": now, "deadline": deadline,
        "reward": rules.reward, "task_ids": task_ids}).one()
    conn.execute(_INSERT_ASSIGNMENT_TASKS, [
        {"assignment_id": row.id, "position": i, "task_id": tid, "worker_id": worker_id}
        for i, tid in enumerate(task_ids)])
    if real_ids:
        conn.execute(_BUMP_ASSIGNED, {"real_ids": real_ids})
    return row, {t.id: t for t in chosen}


def available_pools(db: Database, worker_id: int) -> list[dict[str, Any]]:
    """Open pools this worker may take now (filters and restrictions applied), the highest `priority`
    first (as Toloka hands out the work of a higher-priority pool first), then oldest."""
    with db.read() as conn:
        worker = workers.load(conn, worker_id)
        result: list[tuple[int, dict[str, Any]]] = []
        for pool in conn.execute(select(pools.pools).where(pools.pools.c.status == "OPEN").order_by(pools.pools.c.id)):
            try:
                check_access(conn, worker, pool)
            except (AccessDenied, ConflictState):
                continue
            project, data = ProjectData.of(load_project(conn, pool.project_id).data), PoolData.of(pool.data)
            title, description, _ = localized(project, worker.languages)
            result.append((data.priority or 0, {
                "id": format_id(pool.id), "project_id": format_id(pool.project_id),
                "title": title, "description": data.public_description or description,
                "reward_per_assignment": data.reward_per_assignment,
                "assignment_max_duration_seconds": data.assignment_max_duration_seconds,
            }))
        result.sort(key=lambda ranked: -ranked[0])  # stable: equal priorities stay oldest first
        return [listed for _, listed in result]
