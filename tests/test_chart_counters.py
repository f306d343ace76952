"""The desk charts' counts the database keeps (migration 0022_chart_counters's triggers) equal a fresh
count after every kind of change, and the charts drawn from them equal the charts counted from the
answers themselves (the queries the desk ran before, kept here as the oracle), on SQLite and
PostgreSQL: suites issued, submitted (with golden tasks), skipped, expired, accepted, rejected,
submission and start times moved, a task made golden and back, a pair and a suite deleted, a task
deleted, a pool filled in bulk; per pool and per project; and the migration's backfill.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, func, literal, select, text, union_all, update

from clipcrowd.services import bulk_fill, desk_charts, maintenance, pool_counters
from clipcrowd.services.desk_charts import Scope, nice_width
from clipcrowd.store.db import Database
from clipcrowd.store.tables import (
    GOLDEN_TASK,
    assignment_tasks,
    assignments,
    events,
    pool_chart_counts,
    pool_worker_answers,
    pools,
    tasks,
)
from tests.apiclient import Api, add_tasks, make_pool, worker
from tests.support import ManualClock, migrate

ANSWERED = ("SUBMITTED", "ACCEPTED", "REJECTED")
EPOCH = datetime(1970, 1, 1)
TEXT_PROJECT = {"public_name": "chart counters", "task_spec": {
    "input_spec": {"text": {"type": "string"}}, "output_spec": {"result": {"type": "string"}}}}
BULK_POOL = {"private_name": "bulk", "reward_per_assignment": 0.01, "assignment_max_duration_seconds": 600,
             "will_expire": "2099-01-01T00:00:00"}


# --- the oracle: what the desk counted from the answers before the counters (services/desk_charts.py
# at 4c915f1), for one scope -------------------------------------------------------------------------

def _answered(scope: Scope) -> Any:
    return and_(scope.where(assignments.c.pool_id), assignments.c.submitted.is_not(None))


def _pairs(scope: Scope) -> Any:
    return (select().select_from(assignments)
            .join(assignment_tasks, assignment_tasks.c.assignment_id == assignments.c.id).where(_answered(scope)))


def _golden_counts(conn: Connection, scope: Scope, key: Any) -> dict[Any, int]:
    golden = (select().select_from(tasks).join(assignment_tasks, assignment_tasks.c.task_id == tasks.c.id)
              .join(assignments, assignments.c.id == assignment_tasks.c.assignment_id)
              .where(scope.where(tasks.c.pool_id), GOLDEN_TASK, assignments.c.submitted.is_not(None)))
    return {k: int(n) for k, n in conn.execute(golden.add_columns(key, func.count()).group_by(key))}


def old_completion(conn: Connection, scope: Scope) -> dict[str, Any]:
    """Answers per bucket by exact ranges of `submitted` (the SQLite path before; PostgreSQL grouped
    the same pairs by a computed bucket), golden tasks left out."""
    wanted = pool_counters.wanted(conn, scope.where(pool_counters.pool_counts.c.pool_id))
    first, last = conn.execute(select(func.min(assignments.c.submitted), func.max(assignments.c.submitted))
                               .where(_answered(scope))).one()
    if first is None:
        return {"wanted": wanted, "width": 0, "buckets": [], "answers": 0}
    width = nice_width((last - first).total_seconds() + 1)
    start = EPOCH + timedelta(seconds=(first - EPOCH).total_seconds() // width * width)
    edges = [start + timedelta(seconds=i * width) for i in range(int((last - start).total_seconds() // width) + 2)]
    submitted = assignments.c.submitted
    real = _pairs(scope).join(tasks, tasks.c.id == assignment_tasks.c.task_id).where(tasks.c.golden.is_(False))
    # each branch says which bucket it counts: UNION ALL promises no order of its rows
    counts = [int(n) for _, n in sorted(conn.execute(union_all(*[
        real.add_columns(literal(i).label("bucket"), func.count()).where(submitted >= low, submitted < high)
        for i, (low, high) in enumerate(itertools.pairwise(edges))])).all())]
    return {"wanted": wanted, "width": width, "buckets": [(edges[i], n) for i, n in enumerate(counts)],
            "answers": sum(counts)}


def old_answer_counts(conn: Connection, scope: Scope) -> dict[int, int]:
    at = assignment_tasks.c
    counts = {w: int(n) for w, n in conn.execute(
        select(at.worker_id, func.count()).select_from(tasks).join(assignment_tasks, at.task_id == tasks.c.id)
        .where(scope.where(tasks.c.pool_id)).group_by(at.worker_id))}
    for w, n in conn.execute(select(at.worker_id, func.count()).select_from(assignments)
                             .join(assignment_tasks, at.assignment_id == assignments.c.id)
                             .where(scope.where(assignments.c.pool_id), assignments.c.status.not_in(ANSWERED))
                             .group_by(at.worker_id)):
        counts[w] = counts.get(w, 0) - int(n)
    for w, n in _golden_counts(conn, scope, at.worker_id).items():
        counts[w] = counts.get(w, 0) - n
    return {w: n for w, n in counts.items() if n > 0}


def old_answers_per_worker(conn: Connection, scope: Scope) -> dict[str, Any]:
    return desk_charts.worker_figure(conn, old_answer_counts(conn, scope))


def _taken(submitted: datetime, created: datetime) -> int:
    """Whole seconds from `created` to `submitted` (>= 0), exactly."""
    return max((submitted - created) // timedelta(seconds=1), 0)


def old_submit_times(conn: Connection, scope: Scope) -> dict[str, Any]:
    from clipcrowd.domain.models.pools import PoolData

    thresholds: set[float] = set()
    longest = 1.0
    for (data,) in conn.execute(select(pools.c.data).where(scope.where(pools.c.id))):
        thresholds.update(desk_charts.fast_thresholds(data))
        longest = max(longest, float(PoolData.of(data).assignment_max_duration_seconds or 0))
    fine_width = nice_width(longest, desk_charts.FINE_BUCKETS)
    fine: dict[int, int] = {}
    for submitted, created in conn.execute(select(assignments.c.submitted, assignments.c.created)
                                           .where(_answered(scope))):
        b = _taken(submitted, created) // fine_width
        fine[b] = fine.get(b, 0) + 1
    if not fine:
        return {"width": 0, "bins": [], "thresholds": sorted(thresholds), "suites": 0}
    for edge in (0, int(max(thresholds, default=0.0) // fine_width)):
        fine.setdefault(edge, 0)
    width, _, counts = desk_charts._merge(fine, fine_width, 0.0)
    return {"width": width, "bins": [(i * width, (i + 1) * width, n) for i, n in enumerate(counts)],
            "thresholds": sorted(thresholds), "suites": sum(counts)}


# --- the kept rows against a fresh count ------------------------------------------------------------

def fresh(conn: Connection, pool_id: int) -> dict[str, Any]:
    """Every kept figure of one pool, counted from its suites: answers per (step, first second of the
    bucket of submission), suites per (step, whole seconds taken), answers per worker."""
    a = assignments.c
    real = (select(func.count()).select_from(assignment_tasks).join(tasks, tasks.c.id == assignment_tasks.c.task_id)
            .where(assignment_tasks.c.assignment_id == a.id, tasks.c.golden.is_(False)).scalar_subquery())
    rows = [(worker_id, status, submitted, None if submitted is None else _taken(submitted, created), n)
            for worker_id, status, submitted, created, n in conn.execute(
                select(a.worker_id, a.status, a.submitted, a.created, real).where(a.pool_id == pool_id))]
    charts: dict[tuple[str, int, int], int] = {}
    answers: dict[int, int] = {}
    for worker_id, status, submitted, taken, n in rows:
        if status in ANSWERED and n:
            answers[worker_id] = answers.get(worker_id, 0) + n
        if submitted is None:
            continue
        second = int((submitted - EPOCH) // timedelta(seconds=1))
        for chart, value, count in (("completion", second, n), ("submit-times", int(taken), 1)):
            for step in pool_counters.CHART_STEPS[chart]:
                k = (chart, step, value // step * step)
                charts[k] = charts.get(k, 0) + count
    return {"charts": {k: n for k, n in charts.items() if n}, "answers": answers}


def kept(conn: Connection, pool_id: int) -> dict[str, Any]:
    c = pool_chart_counts.c
    charts = {(chart, step, bucket): int(n) for chart, step, bucket, n in conn.execute(
        select(c.chart, c.step, c.bucket, func.sum(c.n)).where(c.pool_id == pool_id)
        .group_by(c.chart, c.step, c.bucket)) if n}
    return {"charts": charts, "answers": pool_counters.worker_answers(conn, pool_worker_answers.c.pool_id == pool_id)}


def check(db: Database, pool_id: int | str, project_id: int | str | None = None) -> dict[str, Any]:
    """Kept == fresh for the pool; each chart's figures == the oracle's, for the pool and its project."""
    with db.read() as conn:
        expected = fresh(conn, int(pool_id))
        assert kept(conn, int(pool_id)) == expected
        project = project_id or conn.execute(select(pools.c.project_id).where(pools.c.id == int(pool_id))).scalar_one()
        scopes = [Scope("pool", int(pool_id), "p"), Scope("project", int(project), "q")]
        old = [(old_completion(conn, s), old_answers_per_worker(conn, s), old_submit_times(conn, s)) for s in scopes]
    for scope, (completion, per_worker, taken) in zip(scopes, old, strict=True):
        assert desk_charts.completion(db, scope) == completion
        assert desk_charts.answers_per_worker(db, scope) == per_worker
        assert desk_charts.submit_times(db, scope) == taken
    return expected


def _next(api: Api, person: dict[str, Any], pool_id: str) -> dict[str, Any]:
    return api.ok("POST", f"/api/v1/worker/pools/{pool_id}/next", headers=person["headers"])


def _submit(api: Api, person: dict[str, Any], suite: dict[str, Any]) -> None:
    api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=person["headers"],
           json={"solutions": [{"output_values": {"result": "a"}} for _ in suite["tasks"]]})


def _total(expected: dict[str, Any], chart: str = "completion", step: int = 1) -> int:
    return sum(n for (c, s, _), n in expected["charts"].items() if c == chart and s == step)


def test_the_chart_counts_equal_a_fresh_count_after_every_kind_of_change(api: Api, db: Database,
                                                                       clock: ManualClock) -> None:
    pool = make_pool(api, auto_accept_solutions=False, defaults={"default_overlap_for_new_task_suites": 2},
                     mixer_config={"real_tasks_count": 2, "golden_tasks_count": 1, "training_tasks_count": 0})
    pool_id = pool["id"]
    made = add_tasks(api, pool_id, 8)
    add_tasks(api, pool_id, 3, infinite_overlap=True, known_solutions=[{"output_values": {"result": "a"}}])
    api.call("POST", f"/api/v1/pools/{pool_id}/open", expect=202)
    ann, bob, cid, dan = (worker(api, name) for name in ("ann", "bob", "cid", "dan"))

    first = _next(api, ann, pool_id)
    assert check(db, pool_id) == {"charts": {}, "answers": {}}  # issued: nothing answered yet
    clock.advance(7)
    _submit(api, ann, first)
    assert _total(check(db, pool_id)) == 2  # two real tasks; the golden one is a check, not an answer
    skipped = _next(api, bob, pool_id)
    api.ok("POST", f"/api/v1/worker/assignments/{skipped['id']}/skip", headers=bob["headers"])
    check(db, pool_id)
    _next(api, cid, pool_id)
    clock.advance(601)
    assert maintenance.tick(db).expired == 1
    check(db, pool_id)
    api.ok("PATCH", f"/api/v1/assignments/{first['id']}", json={"status": "ACCEPTED", "public_comment": "fine"})
    second = _next(api, bob, pool_id)
    clock.advance(75)
    _submit(api, bob, second)
    api.ok("PATCH", f"/api/v1/assignments/{second['id']}", json={"status": "REJECTED", "public_comment": "no"})
    for _ in range(2):
        suite = _next(api, dan, pool_id)
        clock.advance(3)
        _submit(api, dan, suite)
    counted = check(db, pool_id)
    assert counted["answers"] == {int(ann["id"]): 2, int(bob["id"]): 2, int(dan["id"]): 4}

    with db.write() as conn:  # by hand: times moved (a day back, minutes taken), a task made golden
        submitted = conn.execute(select(assignments.c.submitted).where(assignments.c.id == int(first["id"]))
                                 ).scalar_one()
        conn.execute(update(assignments).where(assignments.c.id == int(first["id"])).values(
            submitted=submitted - timedelta(days=1, seconds=13), created=submitted - timedelta(days=1, seconds=400)))
    assert check(db, pool_id)["charts"] != counted["charts"]
    answered_task = made[0]["id"]
    with db.write() as conn:
        holders = conn.execute(select(func.count()).select_from(assignment_tasks).join(
            assignments, assignments.c.id == assignment_tasks.c.assignment_id).where(
            assignment_tasks.c.task_id == int(answered_task), assignments.c.submitted.is_not(None))).scalar_one()
        conn.execute(update(tasks).where(tasks.c.id == int(answered_task)).values(golden=True))
    assert holders and _total(check(db, pool_id)) == 8 - holders
    with db.write() as conn:
        conn.execute(update(tasks).where(tasks.c.id == int(answered_task)).values(golden=False))
    assert _total(check(db, pool_id)) == 8
    with db.write() as conn:  # a pair, then a whole suite (its pairs by cascade) deleted
        at = assignment_tasks.c
        position = conn.execute(select(at.position).join(tasks, tasks.c.id == at.task_id).where(
            at.assignment_id == int(second["id"]), tasks.c.golden.is_(False)).order_by(at.position)).scalars().first()
        conn.execute(delete(assignment_tasks).where(at.assignment_id == int(second["id"]), at.position == position))
    after_pair = check(db, pool_id)
    with db.write() as conn:  # its events first (they keep the suite's id)
        conn.execute(delete(events).where(events.c.assignment_id == int(first["id"])))
        conn.execute(delete(assignments).where(assignments.c.id == int(first["id"])))
    after_suite = check(db, pool_id)
    assert _total(after_suite) < _total(after_pair) < 8 and int(ann["id"]) not in after_suite["answers"]
    with db.write() as conn:  # a task nobody took
        # golden tasks keep no counters (assigned_count stays 0) and are in suites: not one of them
        unanswered = conn.execute(select(tasks.c.id).where(
            tasks.c.pool_id == int(pool_id), tasks.c.golden.is_(False), tasks.c.assigned_count == 0,
            ~select(assignment_tasks.c.task_id).where(assignment_tasks.c.task_id == tasks.c.id).exists(),
        ).order_by(tasks.c.id)).scalars().first()
        assert unanswered is not None
        conn.execute(delete(tasks).where(tasks.c.id == unanswered))
    check(db, pool_id)

    # a pool filled in bulk (COPY on PostgreSQL), then spread over hours as the desk bench does
    filled = bulk_fill.fill(db, TEXT_PROJECT, BULK_POOL, count=120, overlap=3, suite=2, crowd=30, status="SUBMITTED")
    bulk = check(db, filled.pool_id)
    assert _total(bulk) == 360 and _total(bulk, "submit-times") == 180 and len(bulk["answers"]) == 30
    with db.write() as conn:
        a = assignments.c
        for row_id, submitted in conn.execute(select(a.id, a.submitted).where(a.pool_id == int(filled.pool_id))).all():
            later = submitted - timedelta(seconds=row_id * 97 % 20000, microseconds=row_id * 7919 % 1000000)
            conn.execute(update(assignments).where(a.id == row_id).values(
                submitted=later, created=later - timedelta(seconds=2 + row_id % 50)))
    spread = check(db, filled.pool_id)
    assert len({b for (c, s, b) in spread["charts"] if c == "completion" and s == 60}) > 50
    check(db, pool_id)  # the first pool untouched by the second's changes


def test_whole_seconds_are_exact_at_the_edges(db: Database) -> None:
    """A suite of exactly 30 s is in the 30 s bin and a submission at .9996 s in its own second, on
    both databases and one of 30.9996 s in the 30 s bin (float arithmetic on dates put them a second off)."""
    filled = bulk_fill.fill(db, TEXT_PROJECT, BULK_POOL, count=4, overlap=1, suite=1, crowd=2, status="SUBMITTED")
    edge = datetime(2026, 3, 1, 12, 0, 7, 999600)
    with db.write() as conn:
        ids = conn.execute(select(assignments.c.id).where(assignments.c.pool_id == int(filled.pool_id))
                           .order_by(assignments.c.id)).scalars().all()
        for n, (row_id, taken) in enumerate(zip(ids, (30, 30, 29, 31), strict=True)):
            submitted = edge + timedelta(seconds=n)
            conn.execute(update(assignments).where(assignments.c.id == row_id).values(
                submitted=submitted,
                created=submitted - timedelta(seconds=taken) + timedelta(microseconds=400 * (n == 3))))
    counted = check(db, filled.pool_id)
    first = int((edge - datetime(1970, 1, 1)).total_seconds() // 1)
    assert {b for (c, s, b) in counted["charts"] if c == "completion" and s == 1} == {first + n for n in range(4)}
    assert {b: k for (c, s, b), k in counted["charts"].items() if c == "submit-times" and s == 1} == {29: 1, 30: 3}


def test_a_project_across_pools_with_a_big_crowd(db: Database) -> None:
    """More than NAMED_WORKERS workers: the histogram; a second pool of the project summed in."""
    one = bulk_fill.fill(db, TEXT_PROJECT, BULK_POOL, count=60, overlap=2, crowd=40, status="ACCEPTED")
    second = bulk_fill.fill(db, TEXT_PROJECT, {**BULK_POOL, "assignment_max_duration_seconds": 90000},
                            count=30, overlap=1, crowd=5, status="SUBMITTED")
    with db.write() as conn:  # the second pool into the first's project
        conn.execute(update(pools).where(pools.c.id == int(second.pool_id)).values(project_id=int(one.project_id)))
        conn.execute(text("UPDATE assignments SET created = submitted WHERE pool_id = :p"), {"p": int(second.pool_id)})
    check(db, one.pool_id, one.project_id)
    with db.read() as conn:
        assert "bins" in old_answers_per_worker(conn, Scope("project", int(one.project_id), "q"))


def test_the_steps_read_are_the_steps_kept() -> None:
    from importlib import import_module

    migration = import_module("clipcrowd.store.migrations.versions.0022_chart_counters")
    assert pool_counters.CHART_STEPS == {"completion": migration.COMPLETION_STEPS,
                                         "submit-times": migration.SUBMIT_TIME_STEPS}
    for chart, steps in pool_counters.CHART_STEPS.items():
        for width in (*desk_charts.NICE_SECONDS, 604800 * 3):
            step = pool_counters.chart_step(chart, width)
            assert width % step == 0 and step in steps


def test_migration_counts_the_rows_already_there(db: Database) -> None:
    """Down to 0020 (counts and triggers gone), a pool filled and changed, up again: the backfill's sums."""
    from alembic import command

    migrate(db, command.downgrade, "0020_label_runs")
    filled = bulk_fill.fill(db, TEXT_PROJECT, BULK_POOL, count=40, overlap=2, crowd=5, status="ACCEPTED")
    with db.write() as conn:  # one suite back to SKIPPED (no submission), one task golden
        conn.execute(text("UPDATE assignments SET status = 'SKIPPED', submitted = NULL "
                          "WHERE id = (SELECT min(id) FROM assignments)"))
        conn.execute(text("UPDATE tasks SET golden = :t WHERE id = (SELECT max(id) FROM tasks)"), {"t": True})
    migrate(db, command.upgrade, "head")
    counted = check(db, filled.pool_id)
    assert _total(counted) == 77 and sum(counted["answers"].values()) == 77
    with db.write() as conn:  # and the triggers are there
        conn.execute(text("UPDATE assignments SET status = 'REJECTED' WHERE id = (SELECT max(id) FROM assignments)"))
        conn.execute(text("UPDATE tasks SET golden = :f WHERE id = (SELECT max(id) FROM tasks)"), {"f": False})
    assert _total(check(db, filled.pool_id)) == 79
