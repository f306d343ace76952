"""The counts the database keeps per pool (migration 0019's triggers, read by `services.pool_counters`)
equal a fresh COUNT/SUM after every kind of change, on SQLite and PostgreSQL: tasks created in a
batch, suites issued, submitted, skipped, expired, accepted, rejected, overlaps changed by hand and
by a CHANGE_OVERLAP rule, a task deleted, and a pool filled in bulk (`COPY` on PostgreSQL).
"""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import Connection, case, delete, func, select, text

from clipcrowd.services import bulk_fill, maintenance, pool_counters, pools, web_desk
from clipcrowd.store.db import Database
from clipcrowd.store.tables import assignments, pool_counts, tasks
from tests.apiclient import Api, add_tasks, make_pool, worker
from tests.factories import text_project
from tests.support import ManualClock, migrate

# a worker who earns over 0.015 in a day is restricted, and losing access raises the overlap of the
# tasks she answered (CHANGE_OVERLAP): the income test of test_quality_actions.py, here for its counts
QUALITY = {"configs": [
    {"collector_config": {"type": "INCOME"},
     "rules": [{"conditions": [{"key": "income_sum_for_last_24_hours", "operator": "GT", "value": 0.015}],
                "action": {"type": "RESTRICTION_V2", "parameters": {"scope": "POOL", "duration": 1,
                                                                     "duration_unit": "DAYS"}}}]},
    {"collector_config": {"type": "USERS_ASSESSMENT"},
     "rules": [{"conditions": [{"key": "pool_access_revoked_reason", "operator": "EQ", "value": "RESTRICTION"}],
                "action": {"type": "CHANGE_OVERLAP", "parameters": {"delta": 1, "open_pool": True}}}]},
]}


def fresh(conn: Connection, pool_id: int) -> dict[str, Any]:
    """What the counters must equal, counted from scratch."""
    statuses = {s: 0 for s in pool_counters.STATUSES}
    statuses.update({s: int(n) for s, n in conn.execute(
        select(assignments.c.status, func.count()).where(assignments.c.pool_id == pool_id)
        .group_by(assignments.c.status))})
    per_worker: dict[int, dict[str, int]] = {}
    for w, s, n in conn.execute(select(assignments.c.worker_id, assignments.c.status, func.count())
                                .where(assignments.c.pool_id == pool_id)
                                .group_by(assignments.c.worker_id, assignments.c.status)):
        per_worker.setdefault(w, {x: 0 for x in pool_counters.STATUSES})[s] = int(n)
    finite = (tasks.c.golden.is_(False)) & (tasks.c.infinite_overlap.is_(False))
    least = func.min if conn.dialect.name == "sqlite" else func.least
    real, wanted, answered, got = conn.execute(select(
        func.coalesce(func.sum(case((tasks.c.golden.is_(False), 1), else_=0)), 0),
        func.coalesce(func.sum(case((finite, tasks.c.overlap), else_=0)), 0),
        func.coalesce(func.sum(case((finite, tasks.c.answered_count), else_=0)), 0),
        func.coalesce(func.sum(case((finite, least(tasks.c.answered_count, tasks.c.overlap)), else_=0)), 0),
    ).where(tasks.c.pool_id == pool_id)).one()
    return {"statuses": statuses, "real_tasks": int(real), "wanted": int(wanted), "answered": int(answered),
            "got": int(got), "workers": per_worker}


def kept(conn: Connection, pool_id: int) -> dict[str, Any]:
    c = pool_counters.of_pool(conn, pool_id)
    return {"statuses": c.statuses, "real_tasks": c.real_tasks, "wanted": c.wanted, "answered": c.answered,
            "got": c.got, "workers": pool_counters.of_workers(conn, pool_id)}


def check(db: Database, pool_id: int | str) -> dict[str, Any]:
    with db.read() as conn:
        expected = fresh(conn, int(pool_id))
        assert kept(conn, int(pool_id)) == expected
        assert pool_counters.workers_count(conn, int(pool_id)) == len(expected["workers"])
    return expected


def _next(api: Api, person: dict[str, Any], pool_id: str) -> str:
    return str(api.ok("POST", f"/api/v1/worker/pools/{pool_id}/next", headers=person["headers"])["id"])


def _submit(api: Api, person: dict[str, Any], assignment_id: str) -> None:
    api.ok("POST", f"/api/v1/worker/assignments/{assignment_id}/submit", headers=person["headers"],
           json={"solutions": [{"output_values": {"result": "a"}}]})


def test_the_counters_equal_a_fresh_count_after_every_kind_of_change(api: Api, db: Database,
                                                                     clock: ManualClock) -> None:
    pool = make_pool(api, quality_control=QUALITY, auto_accept_solutions=False,
                     defaults={"default_overlap_for_new_task_suites": 2})
    pool_id = pool["id"]
    made = add_tasks(api, pool_id, 6)
    add_tasks(api, pool_id, 1, infinite_overlap=True)  # real, but wants no fixed number of answers
    add_tasks(api, pool_id, 2, infinite_overlap=True, known_solutions=[{"output_values": {"result": "a"}}])
    assert check(db, pool_id)["real_tasks"] == 7
    api.call("POST", f"/api/v1/pools/{pool_id}/open", expect=202)
    ann, bob, cid, dan = (worker(api, name) for name in ("ann", "bob", "cid", "dan"))

    first = _next(api, ann, pool_id)
    assert check(db, pool_id)["statuses"]["ACTIVE"] == 1  # issued
    _submit(api, ann, first)
    assert check(db, pool_id)["statuses"]["SUBMITTED"] == 1
    skipped = _next(api, bob, pool_id)
    api.ok("POST", f"/api/v1/worker/assignments/{skipped}/skip", headers=bob["headers"])
    assert check(db, pool_id)["statuses"]["SKIPPED"] == 1
    _next(api, cid, pool_id)
    clock.advance(601)  # past assignment_max_duration_seconds
    assert maintenance.tick(db).expired == 1
    assert check(db, pool_id)["statuses"]["EXPIRED"] == 1
    api.ok("PATCH", f"/api/v1/assignments/{first}", json={"status": "ACCEPTED", "public_comment": "fine"})
    assert check(db, pool_id)["statuses"]["ACCEPTED"] == 1
    second = _next(api, bob, pool_id)
    _submit(api, bob, second)
    api.ok("PATCH", f"/api/v1/assignments/{second}", json={"status": "REJECTED", "public_comment": "no"})
    assert check(db, pool_id)["statuses"]["REJECTED"] == 1
    before = check(db, pool_id)["wanted"]
    api.ok("PATCH", f"/api/v1/tasks/{made[5]['id']}", json={"overlap": 4, "infinite_overlap": False})
    assert check(db, pool_id)["wanted"] == before + 2  # overlap changed by hand
    for _ in range(2):  # 0.02 earned: restricted, so the tasks she answered want one more answer each
        _submit(api, dan, _next(api, dan, pool_id))
    raised = check(db, pool_id)
    assert raised["wanted"] == before + 2 + 2 and raised["workers"][int(dan["id"])]["SUBMITTED"] == 2
    overlap = api.ok("GET", f"/api/v1/tasks/{made[5]['id']}")["overlap"]
    api.ok("PATCH", f"/api/v1/tasks/{made[5]['id']}", json={"infinite_overlap": True})
    assert check(db, pool_id)["wanted"] == raised["wanted"] - overlap  # finite -> infinite: out of the sum
    with db.write() as conn:  # no service deletes a task; the database must keep its sums all the same
        unanswered = conn.execute(select(tasks.c.id).where(
            tasks.c.pool_id == int(pool_id), tasks.c.answered_count == 0, tasks.c.assigned_count == 0,
            tasks.c.golden.is_(False), tasks.c.infinite_overlap.is_(False)).order_by(tasks.c.id.desc())).scalar()
        assert unanswered is not None
        conn.execute(delete(tasks).where(tasks.c.id == unanswered))
    assert check(db, pool_id)["real_tasks"] == 6

    # a second pool filled in bulk: COPY on PostgreSQL, executemany on SQLite, then one UPDATE of every task
    filled = bulk_fill.fill(db, text_project(), {"private_name": "bulk", "reward_per_assignment": 0.01,
                                                 "assignment_max_duration_seconds": 600,
                                                 "will_expire": "2099-01-01T00:00:00"},
                            count=300, overlap=3, suite=2, crowd=7, status="SUBMITTED")
    bulk = check(db, filled.pool_id)
    assert bulk["statuses"]["SUBMITTED"] == 450 and bulk["got"] == bulk["wanted"] == 900
    assert sum(sum(w.values()) for w in bulk["workers"].values()) == 450
    check(db, pool_id)  # the first pool untouched by the second's changes
    if db.engine.dialect.name == "postgresql":  # transactions spread over rows (a shard per transaction id)
        with db.read() as conn:
            rows = conn.execute(select(func.count()).where(pool_counts.c.pool_id == int(pool_id))).scalar_one()
        assert rows > 1


def test_migration_counts_the_rows_already_there(db: Database) -> None:
    """Down to 0018 (the counters and triggers gone), a pool filled, up again: the backfill's sums."""
    from alembic import command

    migrate(db, command.downgrade, "0018_asset_status")
    filled = bulk_fill.fill(db, text_project(), {"private_name": "before", "reward_per_assignment": 0.01,
                                                 "assignment_max_duration_seconds": 600,
                                                 "will_expire": "2099-01-01T00:00:00"},
                            count=40, overlap=2, crowd=5, status="ACCEPTED")
    with db.write() as conn:  # one suite back in the pool, one task wanting more: not every figure equal
        conn.execute(text("UPDATE assignments SET status = 'REJECTED' WHERE id = (SELECT min(id) FROM assignments)"))
        conn.execute(text("UPDATE tasks SET overlap = 3 WHERE id = (SELECT min(id) FROM tasks)"))
    migrate(db, command.upgrade, "head")
    counted = check(db, filled.pool_id)
    assert counted["statuses"]["ACCEPTED"] == 79 and counted["statuses"]["REJECTED"] == 1
    assert counted["wanted"] == 81 and counted["got"] == 80
    # and the triggers are back: a change after the backfill is counted
    with db.write() as conn:
        conn.execute(text("UPDATE assignments SET status = 'REJECTED' WHERE id = (SELECT max(id) FROM assignments)"))
    assert check(db, filled.pool_id)["statuses"]["REJECTED"] == 2


def _page(api: Api, path: str) -> str:
    api.client.cookies.set("clipcrowd_token", api.headers["Authorization"].split()[1])  # the desk's sign-in
    response = api.client.get(path)
    assert response.status_code == 200, response.text[:300]
    return html.unescape(response.text)


def _shown(page: str) -> dict[str, Any]:
    """The pool page's figures: completion, answers still wanted, real tasks, assignments by status."""
    figures = dict(re.findall(r"<dt>([^<]+?)(?: <span[^<]*</span>)?</dt><dd[^>]*>([^<]*)</dd>", page))
    completion = re.search(r'data-testid="completion">([\d.]+)%', page)
    assert completion is not None
    return {"completion": float(completion.group(1)), "remaining": int(figures["Answers still wanted"]),
            "real_tasks": int(figures["Real tasks"]),
            "statuses": {s: int(figures[s.capitalize()]) for s in pool_counters.STATUSES}}


def _worker_rows(page: str) -> dict[str, list[int]]:
    """login -> [submitted, accepted, rejected, skipped] as the workers page shows them."""
    rows = re.findall(r'<td data-label="Worker">(\S+) <span.*?</td><td data-label="Submitted">(\d+)</td>'
                      r'<td data-label="Accepted">(\d+)</td><td data-label="Rejected">(\d+)</td>'
                      r'<td data-label="Skipped">(\d+)</td>', page)
    return {login: [int(n) for n in counts] for login, *counts in rows}


def test_the_desk_pages_show_the_kept_counts(api: Api, db: Database) -> None:
    """Home, pool and workers pages show what a fresh count gives; and they read the kept rows (a
    counter changed behind the pages' back shows on them), not a count of the pool."""
    pool = make_pool(api, auto_accept_solutions=False, defaults={"default_overlap_for_new_task_suites": 2})
    pool_id = pool["id"]
    add_tasks(api, pool_id, 3)
    api.call("POST", f"/api/v1/pools/{pool_id}/open", expect=202)
    people = {name: worker(api, name) for name in ("eva", "fay", "gus")}
    done = {name: _next(api, person, pool_id) for name, person in people.items()}
    for name in ("eva", "fay"):
        _submit(api, people[name], done[name])
    api.ok("PATCH", f"/api/v1/assignments/{done['eva']}", json={"status": "ACCEPTED", "public_comment": ""})
    api.ok("PATCH", f"/api/v1/assignments/{done['fay']}", json={"status": "REJECTED", "public_comment": "no"})
    api.ok("POST", f"/api/v1/worker/assignments/{done['gus']}/skip", headers=people["gus"]["headers"])
    expected = check(db, pool_id)
    with db.read() as conn:
        completion = pools.completion_percentage(conn, int(pool_id))  # the count every page made before
    assert 0 < completion < 100

    shown = _shown(_page(api, f"/desk/pools/{pool_id}"))
    assert shown == {"completion": completion, "remaining": expected["wanted"] - expected["answered"],
                     "real_tasks": 3, "statuses": expected["statuses"]}
    assert f"{completion}%</li>" in _page(api, "/desk")
    assert _worker_rows(_page(api, f"/desk/pools/{pool_id}/workers")) == {
        "eva": [0, 1, 0, 0], "fay": [0, 0, 1, 0], "gus": [0, 0, 0, 1]}
    analytics = api.ok("POST", "/api/staging/analytics-2", json=[
        {"subject": "POOL", "subject_id": pool_id, "name": name}
        for name in ("completion_percentage", "accepted_assignments_count", "workers_count", "real_tasks_count")])
    values = [v["result"] for v in analytics["details"]["value"]]
    assert values == [{"value": completion}, 1, 3, 3]

    with db.write() as conn:  # behind the pages' back: one more accepted suite of eva, and one more answer in
        conn.execute(text("UPDATE pool_counts SET accepted = accepted + 1, answered = answered + 1, got = got + 1 "
                          "WHERE pool_id = :p AND shard = (SELECT min(shard) FROM pool_counts WHERE pool_id = :p)"),
                     {"p": int(pool_id)})
        conn.execute(text("UPDATE pool_worker_counts SET accepted = accepted + 1 "
                          "WHERE pool_id = :p AND worker_id = :w"),
                     {"p": int(pool_id), "w": int(people["eva"]["id"])})
    moved = _shown(_page(api, f"/desk/pools/{pool_id}"))
    assert moved["statuses"]["ACCEPTED"] == expected["statuses"]["ACCEPTED"] + 1
    assert moved["remaining"] == shown["remaining"] - 1 and moved["completion"] > completion
    assert _worker_rows(_page(api, f"/desk/pools/{pool_id}/workers"))["eva"] == [0, 2, 0, 0]


def test_the_pace_counts_real_answers_of_suites_with_golden_tasks(api: Api, db: Database) -> None:
    """Answers per minute sum the SUBMITTED events' real tasks: the same as joining each recent suite
    to its tasks and leaving the golden ones out."""
    pool = make_pool(api, mixer_config={"real_tasks_count": 2, "golden_tasks_count": 1, "training_tasks_count": 0},
                     defaults={"default_overlap_for_new_task_suites": 2})
    add_tasks(api, pool["id"], 4)
    add_tasks(api, pool["id"], 2, infinite_overlap=True, known_solutions=[{"output_values": {"result": "a"}}])
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    for name in ("hal", "ivy", "jon"):
        person = worker(api, name)
        suite = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=person["headers"])
        api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=person["headers"],
               json={"solutions": [{"output_values": {"result": "a"}} for _ in suite["tasks"]]})
    with db.read() as conn:
        joined = conn.execute(text(
            "SELECT count(*) FROM events e JOIN assignment_tasks p ON p.assignment_id = e.assignment_id "
            "JOIN tasks t ON t.id = p.task_id WHERE e.pool_id = :p AND e.type = 'SUBMITTED' AND NOT t.golden"),
            {"p": int(pool["id"])}).scalar_one()
        golden = conn.execute(text("SELECT count(*) FROM assignment_tasks p JOIN tasks t ON t.id = p.task_id "
                                   "WHERE t.pool_id = :p AND t.golden"), {"p": int(pool["id"])}).scalar_one()
    assert joined == 6 and golden == 3  # three suites of two real tasks and one golden
    assert web_desk.progress(db, int(pool["id"]))["answers_per_minute"] == round(joined / 15, 2)
