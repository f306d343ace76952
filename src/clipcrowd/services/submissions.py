"""What a worker sends back: answers checked against the output spec, skips, golden scoring."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from sqlalchemy import JSON, BigInteger, bindparam, func, select, update

from clipcrowd.domain.errors import AccessDenied, ConflictState, NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id, parse_id
from clipcrowd.domain.models.projects import ProjectData
from clipcrowd.domain.models.tasks import KnownSolution, TaskData
from clipcrowd.domain.pool import PoolRules
from clipcrowd.domain.specs import check_values, file_fields
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.services import (
    dynamic_overlap,
    events,
    lifecycle,
    majority,
    pools,
    present,
    quality,
    trainings,
    worker_stats,
)
from clipcrowd.services.issuing import worker_task_id, worker_view
from clipcrowd.store.db import Database
from clipcrowd.store.direct import Direct
from clipcrowd.store.tables import assignments, attachments, projects, tasks


def _same(expected: Any, given: Any) -> bool:
    if isinstance(expected, (int, float)) and isinstance(given, (int, float)) and not isinstance(given, bool):
        return float(expected) == float(given)
    return bool(expected == given)


def golden_correct(known_solutions: list[KnownSolution], output: Mapping[str, Any]) -> bool:
    """Correct when some known solution agrees on every field it names."""
    return any(all(_same(v, output.get(k)) for k, v in ks.output_values.items()) for ks in known_solutions)


def _normalise(solutions: Any, count: int) -> list[dict[str, Any]]:
    if not isinstance(solutions, list):
        raise ValidationFailed.field("solutions", "must be a list with one {output_values} per task")
    if len(solutions) != count:
        raise ValidationFailed.field("solutions", f"expected {count} solutions (one per task), got {len(solutions)}")
    values = []
    for i, solution in enumerate(solutions):
        if not isinstance(solution, Mapping) or not isinstance(solution.get("output_values"), Mapping):
            raise ValidationFailed.field(f"solutions[{i}].output_values", "is required and must be an object")
        values.append(dict(solution["output_values"]))
    return values


def _check_owned_active(conn: Any, worker_id: int, row: Any) -> None:
    if row.worker_id != worker_id:
        raise AccessDenied(f"assignment {format_id(row.id)} is not yours")
    if row.status == "ACTIVE" and row.deadline <= utcnow():
        lifecycle.release(conn, row, "EXPIRED")
        raise ConflictState(f"assignment {format_id(row.id)} expired at {row.deadline.isoformat()}",
                            code="ASSIGNMENT_EXPIRED")
    if row.status != "ACTIVE":
        raise ConflictState(f"assignment {format_id(row.id)} is {row.status}, not ACTIVE")


def _owned_active(conn: Any, worker_id: int, assignment_id: int) -> Any:
    row = lifecycle.load(conn, assignment_id, for_update=True)
    _check_owned_active(conn, worker_id, row)
    return row


_POOL_PREFIX = "pool__"


@functools.cache
def _submission_query(postgresql: bool) -> Any:
    """The assignment (locked on PostgreSQL, like `lifecycle.load(for_update=True)`), its pool and
    its project's data in one statement: built once, run for every submission."""
    p = pools.pools
    columns: list[Any] = [assignments, *(c.label(_POOL_PREFIX + c.name) for c in p.c),
                          projects.c.data.label("project_data")]
    if postgresql:  # and its tasks (id, data, golden) as one JSON array: one trip to the server fewer
        members = select(func.json_array_elements_text(assignments.c.task_ids).column_valued().cast(BigInteger))
        columns.append(select(func.json_agg(func.json_build_object(
            "id", tasks.c.id, "data", tasks.c.data, "golden", tasks.c.golden), type_=JSON))
            .where(tasks.c.id.in_(members)).scalar_subquery().label("suite_tasks"))
    query = (select(*columns)
             .join(p, p.c.id == assignments.c.pool_id).join(projects, projects.c.id == p.c.project_id)
             .where(assignments.c.id == bindparam("assignment_id")))
    return Direct(query.with_for_update(of=assignments, key_share=True) if postgresql else query)


def _suite_tasks(conn: Any, row: Any) -> dict[int, Any]:
    """The assignment's tasks by id: read along with it on PostgreSQL, by a statement of their own elsewhere."""
    if conn.dialect.name != "postgresql":
        return present.tasks_by_id(conn, set(row.task_ids))
    return {t["id"]: SimpleNamespace(**t) for t in row.suite_tasks or []}


def _owned_active_with_pool(conn: Any, worker_id: int, assignment_id: int) -> tuple[Any, Any, dict[str, Any]]:
    """`_owned_active`, plus the assignment's pool (its columns by name) and output spec."""
    found = _submission_query(conn.dialect.name == "postgresql").one_or_none(conn, {"assignment_id": assignment_id})
    if found is None:
        raise NotFound(f"assignment {assignment_id} does not exist")
    _check_owned_active(conn, worker_id, found)
    pool = SimpleNamespace(**{c.name: getattr(found, _POOL_PREFIX + c.name) for c in pools.pools.c})
    return found, pool, ProjectData.of(found.project_data).task_spec.output_spec


_ANSWER = Direct(update(assignments).where(assignments.c.id == bindparam("assignment_id")).values(
    status=bindparam("new_status"), submitted=bindparam("new_submitted"), accepted=bindparam("new_accepted"),
    solutions=bindparam("new_solutions")))


# PostgreSQL sends a submission's writes as two statements, the earlier writes of each data-modifying
# CTEs of the last (SQLite has none: it runs them one by one). Each is built once from the statements
# SQLite runs alone, so their SQL is defined in one place.
@functools.cache
def _answer_and_count(pay: bool) -> Direct:
    """The answer stored (and with `pay`, an auto-accepted one, the reward: `lifecycle.PAY`; nothing
    before the acceptance rules reads the balance), then its tasks' answered counts (`lifecycle.ANSWERED`)."""
    statement = lifecycle.ANSWERED.statement.add_cte(_ANSWER.statement.cte("answer"))
    return Direct(statement.add_cte(lifecycle.PAY.statement.cte("pay")) if pay else statement)


@functools.cache
def _log_and_sum(kinds: int) -> Direct:
    """The submission's events (`events.many`), then the worker's sums (`worker_stats.add_statement`)."""
    return Direct(worker_stats.add_statement(True).statement.add_cte(events.many(kinds).statement.cte("logged")))


def submit(db: Database, worker_id: int, assignment_id: int, body: Any) -> dict[str, Any]:
    """Check and store answers; auto-accept when the pool says so; run quality rules; maybe close."""
    solutions = body.get("solutions") if isinstance(body, Mapping) else None
    with db.write() as conn:
        row, pool, spec = _owned_active_with_pool(conn, worker_id, assignment_id)
        values = _normalise(solutions, len(row.task_ids))
        for i, output in enumerate(values):
            check_values(spec, output, f"solutions[{i}].output_values")
        _check_files(conn, spec, values, row)
        task_rows = _suite_tasks(conn, row)
        golden_outcomes = [golden_correct(TaskData.of(task_rows[tid].data).known_solutions or [], out)
                           for tid, out in zip(row.task_ids, values, strict=True) if task_rows[tid].golden]
        now = utcnow()
        auto = PoolRules.of(pool.data).auto_accept
        status = "ACCEPTED" if auto else "SUBMITTED"
        answer = {"assignment_id": row.id, "new_status": status, "new_submitted": now,
                  "new_accepted": now if auto else None, "new_solutions": values}
        postgresql = conn.dialect.name == "postgresql"
        if postgresql:
            paying = {"worker_id": row.worker_id, "reward": row.reward} if auto else {}
            completes = lifecycle.mark_answered(conn, row, _answer_and_count(auto), {**answer, **paying})
        else:
            _ANSWER.run(conn, answer)
            completes = lifecycle.mark_answered(conn, row)
        unsettled = set(dynamic_overlap.on_tasks_complete(conn, pool, completes))
        completes = [t for t in completes if t not in unsettled]
        seconds = (now - row.created).total_seconds()
        kinds = ["SUBMITTED", "ACCEPTED"] if auto else ["SUBMITTED"]
        logged: dict[str, Any] = {"pool_id": row.pool_id, "worker_id": worker_id, "assignment_id": row.id, "data": {
            "duration_seconds": seconds, "tasks": len(row.task_ids), "golden_outcomes": golden_outcomes}}
        if postgresql:
            _log_and_sum(len(kinds)).run(conn, {**events.many_values(kinds, **logged),
                                                **worker_stats.submitted_values(pool, worker_id, seconds,
                                                                                golden_outcomes)})
        else:
            events.record_many(conn, kinds, **logged)
            worker_stats.on_submitted(conn, pool, worker_id, seconds, golden_outcomes)
        quality.on_event(conn, pool, worker_id, "SUBMITTED")
        if auto:
            lifecycle.paid(conn, row, pool, reward_sent=postgresql)
        majority.on_tasks_complete(conn, pool, completes)
        trainings.on_submitted(conn, pool, worker_id)
        if completes:
            pools.close_if_complete(conn, row.pool_id)
        body = worker_view(SimpleNamespace(id=row.id, pool_id=row.pool_id, reward=row.reward, created=row.created,
                                           deadline=row.deadline, task_ids=row.task_ids, status=status,
                                           solutions=values), task_rows)
        if pool.type == trainings.TRAINING:
            body["hints"] = _hints(row, task_rows, values)
        return body


def _hints(row: Any, task_rows: dict[int, Any], values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A training teaches: each wrong answer gets its task's hint (never the known solution itself)."""
    hints = []
    for i, (tid, output) in enumerate(zip(row.task_ids, values, strict=True)):
        data = TaskData.of(task_rows[tid].data)
        if not golden_correct(data.known_solutions or [], output):
            hints.append({"task_id": worker_task_id(row.id, i), "correct": False,
                          "message": data.message_on_unknown_solution or ""})
    return hints


def _check_files(conn: Any, spec: Mapping[str, Any], values: list[dict[str, Any]], row: Any) -> None:
    names = file_fields(spec)
    if not names:
        return
    mine = {r.id for r in conn.execute(select(attachments.c.id).where(attachments.c.assignment_id == row.id))}
    for i, output in enumerate(values):
        for name in names:
            given = output.get(name)
            refs = given if isinstance(given, list) else ([given] if given is not None else [])
            for ref in refs:
                if parse_id(ref) not in mine:
                    raise ValidationFailed.field(
                        f"solutions[{i}].output_values.{name}",
                        f"{ref!r} is not a file uploaded for this assignment")


def skip(db: Database, worker_id: int, assignment_id: int) -> dict[str, Any]:
    with db.write() as conn:
        row = _owned_active(conn, worker_id, assignment_id)
        lifecycle.release(conn, row, "SKIPPED")
        final = lifecycle.load(conn, row.id)
        return worker_view(final, present.tasks_by_id(conn, set(row.task_ids)))


def get_for_worker(db: Database, worker_id: int, assignment_id: int) -> dict[str, Any]:
    with db.read() as conn:
        row = lifecycle.load(conn, assignment_id)
        if row.worker_id != worker_id:
            raise AccessDenied(f"assignment {format_id(assignment_id)} is not yours")
        return worker_view(row, present.tasks_by_id(conn, set(row.task_ids)))
