"""A simulated crowd against a live server on a real port: overlap kept under concurrency,
nobody twice on a task, nothing lost; spammers and fast submitters caught by the pool's rules.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from clipcrowd.client import Client
from clipcrowd.sim import simulate
from clipcrowd.store.tables import assignment_tasks, assignments, tasks
from tests.factories import pool_body, text_project
from tests.support import Live

pytestmark = pytest.mark.slow


def _pool(client: Client, n_tasks: int, **overrides: object) -> str:
    project = client.create_project(text_project())
    pool = client.create_pool(pool_body(project["id"], **overrides))
    client.create_tasks([{"pool_id": pool["id"], "input_values": {"text": f"item {i}"}} for i in range(n_tasks)])
    client.open_pool(pool["id"])
    return str(pool["id"])


def test_fifty_workers_at_once_keep_overlap_exactly(live: Live) -> None:
    with Client(live.url, live.token) as client:
        pool_id = _pool(client, 60, defaults={"default_overlap_for_new_task_suites": 3})
        report = simulate(live.url, live.token, pool_id, workers=50, accuracy=0.9, timeout=240, idle_seconds=3)
        assert report.pool_status == "CLOSED"
        assert client.get_pool(pool_id)["last_close_reason"] == "COMPLETED"
        accepted = client.get_assignments(pool_id, status="ACCEPTED")
    per_task = Counter(t["id"] for a in accepted for t in a["tasks"])
    assert len(per_task) == 60 and set(per_task.values()) == {3}
    pairs = [(a["user_id"], t["id"]) for a in accepted for t in a["tasks"]]
    assert len(pairs) == len(set(pairs)) == 180
    assert sum(report.submitted.values()) == report.round_trips == 180
    assert len(report.submitted) > 10  # the work really was spread over many workers at once
    with live.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(assignment_tasks)).scalar_one() == 180
        counts = conn.execute(select(tasks.c.assigned_count, tasks.c.answered_count)).all()
        assert {tuple(c) for c in counts} == {(3, 3)}
        statuses = dict(conn.execute(select(assignments.c.status, func.count()).group_by(assignments.c.status)).all())
    assert statuses == {"ACCEPTED": 180}


def test_spammers_are_caught_by_golden_tasks(live: Live) -> None:
    qc = {"configs": [{"collector_config": {"type": "GOLDEN_SET", "parameters": {"history_size": 10}},
                       "rules": [{"conditions": [
                           {"key": "golden_set_correct_answers_rate", "operator": "LTE", "value": 70.0},
                           {"key": "golden_set_answers_count", "operator": "GTE", "value": 5}],
                           "action": {"type": "RESTRICTION_V2", "parameters": {
                               "scope": "POOL", "duration": 1, "duration_unit": "DAYS"}}}]}]}
    with Client(live.url, live.token) as client:
        pool_id = _pool(client, 60, quality_control=qc, defaults={"default_overlap_for_new_task_suites": 3},
                        mixer_config={"real_tasks_count": 1, "golden_tasks_count": 1, "training_tasks_count": 0})
        client.create_tasks([{"pool_id": pool_id, "input_values": {"text": f"gold {i}"}, "infinite_overlap": True,
                              "known_solutions": [{"output_values": {"result": "a" if i % 2 else "b"}}]}
                             for i in range(12)])
        report = simulate(live.url, live.token, pool_id, workers=12, accuracy=1.0, spammers=0.25, timeout=240,
                          idle_seconds=3, seed=7)
        restricted = {r["user_id"] for r in client.get_restrictions(pool_id=pool_id)}
    spammers = {w.user_id for w in report.workers if w.spammer}
    honest = {w.user_id for w in report.workers if not w.spammer}
    assert len(spammers) == 3
    assert len(restricted & spammers) >= 2
    assert not restricted & honest


def test_a_worker_with_nothing_to_do_waits_while_a_suite_is_out(live: Live) -> None:
    """One task, two workers: the second finds nothing while the first thinks far longer than
    ``idle_seconds``; she must not give up (a rejection could give the task back), and ends when the
    pool closes, however slow the machine is."""
    with Client(live.url, live.token) as client:
        pool_id = _pool(client, 1, defaults={"default_overlap_for_new_task_suites": 1})
    report = simulate(live.url, live.token, pool_id, workers=2, think_seconds=1.5, idle_seconds=0.2, timeout=120)
    assert sum(report.submitted.values()) == 1
    assert report.stopped == Counter({"POOL_CLOSED": 2})
    assert report.pool_status == "CLOSED"
