"""The collectors and actions that act on a worker's other answers, as a worker lives them:
majority vote (each answer against the task's majority once the task has all its answers), the
income of the last 24 hours, losing access to a pool (users assessment), and the actions accept
all, reject all and change overlap.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from clipcrowd.store.tables import events
from tests.apiclient import Api, add_tasks, make_pool, worker


def _rule(collector: dict[str, Any], conditions: list[dict[str, Any]], action: dict[str, Any]) -> dict[str, Any]:
    return {"collector_config": collector, "rules": [{"conditions": conditions, "action": action}]}


def _take_and_answer(api: Api, person: dict[str, Any], pool_id: str, answer: str) -> str:
    suite = api.ok("POST", f"/api/v1/worker/pools/{pool_id}/next", headers=person["headers"])
    api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=person["headers"],
           json={"solutions": [{"output_values": {"result": answer}} for _ in suite["tasks"]]})
    return str(suite["id"])


def _status(api: Api, assignment_id: str) -> str:
    return str(api.ok("GET", f"/api/v1/assignments/{assignment_id}")["status"])


def test_majority_vote_rejects_the_minority_and_accepts_the_majority(api: Api) -> None:
    mv = {"type": "MAJORITY_VOTE", "parameters": {"answer_threshold": 2, "history_size": 10}}
    qc = {"configs": [
        _rule(mv, [{"key": "total_answers_count", "operator": "GTE", "value": 1},
                   {"key": "correct_answers_rate", "operator": "LT", "value": 50}],
              {"type": "REJECT_ALL_ASSIGNMENTS", "parameters": {"public_comment": "disagrees with the majority"}}),
        _rule(mv, [{"key": "correct_answers_rate", "operator": "GT", "value": 90}],
              {"type": "APPROVE_ALL_ASSIGNMENTS"}),
    ]}
    pool = make_pool(api, quality_control=qc, auto_accept_solutions=False)
    add_tasks(api, pool["id"], 1)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    people = [worker(api, name) for name in ("mv1", "mv2", "mv3")]
    first = _take_and_answer(api, people[0], pool["id"], "a")
    second = _take_and_answer(api, people[1], pool["id"], "b")
    assert _status(api, first) == _status(api, second) == "SUBMITTED"  # the task has no majority yet
    third = _take_and_answer(api, people[2], pool["id"], "a")
    assert [_status(api, a) for a in (first, second, third)] == ["ACCEPTED", "REJECTED", "ACCEPTED"]
    assert api.ok("GET", f"/api/v1/assignments/{second}")["public_comment"] == "disagrees with the majority"
    # the rejection sent the task back: the pool wants one more answer and is open for it
    assert api.ok("GET", f"/api/v1/pools/{pool['id']}")["status"] == "OPEN"


def test_a_task_completed_again_compares_each_answer_once(api: Api) -> None:
    mv = {"type": "MAJORITY_VOTE", "parameters": {"answer_threshold": 2, "history_size": 10}}
    qc = {"configs": [_rule(mv, [{"key": "total_answers_count", "operator": "GTE", "value": 1},
                                 {"key": "correct_answers_rate", "operator": "LT", "value": 50}],
                            {"type": "REJECT_ALL_ASSIGNMENTS", "parameters": {"public_comment": "minority"}})]}
    pool = make_pool(api, quality_control=qc, auto_accept_solutions=False)
    add_tasks(api, pool["id"], 1)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    done = [_take_and_answer(api, worker(api, f"again{i}"), pool["id"], label) for i, label in enumerate("aba")]
    assert _status(api, done[1]) == "REJECTED"  # the rejection frees a slot: the task completes again
    done.append(_take_and_answer(api, worker(api, "again3"), pool["id"], "a"))
    db = api.client.app.state.db
    with db.read() as conn:
        compared = [r.assignment_id for r in conn.execute(
            select(events.c.assignment_id).where(events.c.type == "MAJORITY", events.c.pool_id == int(pool["id"])))]
    assert sorted(compared) == sorted(int(a) for a in done)  # every answer once, the first three not twice


def test_a_tie_is_no_majority(api: Api) -> None:
    mv = {"type": "MAJORITY_VOTE", "parameters": {"answer_threshold": 1}}
    qc = {"configs": [_rule(mv, [{"key": "total_answers_count", "operator": "GTE", "value": 1}],
                            {"type": "APPROVE_ALL_ASSIGNMENTS"})]}
    pool = make_pool(api, quality_control=qc, auto_accept_solutions=False,
                     defaults={"default_overlap_for_new_task_suites": 2})
    add_tasks(api, pool["id"], 1)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    done = [_take_and_answer(api, worker(api, f"tie{i}"), pool["id"], label) for i, label in enumerate("ab")]
    assert [_status(api, a) for a in done] == ["SUBMITTED", "SUBMITTED"]


def test_income_cap_restricts_and_losing_access_raises_the_overlap(api: Api) -> None:
    qc = {"configs": [
        _rule({"type": "INCOME"}, [{"key": "income_sum_for_last_24_hours", "operator": "GT", "value": 0.015}],
              {"type": "RESTRICTION_V2", "parameters": {"scope": "POOL", "duration": 1, "duration_unit": "DAYS"}}),
        _rule({"type": "USERS_ASSESSMENT"},
              [{"key": "pool_access_revoked_reason", "operator": "EQ", "value": "RESTRICTION"}],
              {"type": "CHANGE_OVERLAP", "parameters": {"delta": 1, "open_pool": True}}),
    ]}
    pool = make_pool(api, quality_control=qc, defaults={"default_overlap_for_new_task_suites": 1})
    tasks = add_tasks(api, pool["id"], 3)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    earner = worker(api, "earner")
    _take_and_answer(api, earner, pool["id"], "a")  # 0.01 earned: under the cap
    assert api.call("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=earner["headers"]).status_code == 200
    api.ok("POST", f"/api/v1/worker/assignments/{_active(api, earner, pool['id'])}/submit",
           headers=earner["headers"], json={"solutions": [{"output_values": {"result": "a"}}]})
    refused = api.call("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=earner["headers"]).json()
    assert refused["code"] == "RESTRICTED"  # 0.02 over the last 24 hours
    overlaps = [api.ok("GET", f"/api/v1/tasks/{t['id']}")["overlap"] for t in tasks]
    assert overlaps == [2, 2, 1]  # the two tasks she answered are to be answered once more by others


def _active(api: Api, person: dict[str, Any], pool_id: str) -> str:
    suite = api.ok("POST", f"/api/v1/worker/pools/{pool_id}/next", headers=person["headers"])  # the open one again
    return str(suite["id"])


def test_skill_change_that_fails_the_filter_revokes_access(api: Api) -> None:
    skill = api.ok("POST", "/api/v1/skills", json={"name": "kept"})
    mv = {"type": "MAJORITY_VOTE", "parameters": {"answer_threshold": 2}}
    qc = {"configs": [
        _rule(mv, [{"key": "total_answers_count", "operator": "GTE", "value": 1}],
              {"type": "SET_SKILL_FROM_OUTPUT_FIELD",
               "parameters": {"skill_id": skill["id"], "from_field": "correct_answers_rate"}}),
        _rule({"type": "USERS_ASSESSMENT"},
              [{"key": "pool_access_revoked_reason", "operator": "EQ", "value": "SKILL_CHANGE"},
               {"key": "skill_id", "operator": "EQ", "value": skill["id"]}],
              {"type": "CHANGE_OVERLAP", "parameters": {"delta": 2, "open_pool": False}}),
    ]}
    flt = {"or": [{"category": "skill", "key": skill["id"], "operator": "GTE", "value": 50},
                  {"category": "skill", "key": skill["id"], "operator": "EQ", "value": None}]}
    pool = make_pool(api, quality_control=qc, filter=flt)
    task = add_tasks(api, pool["id"], 1)[0]
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    people = [worker(api, f"sk{i}") for i in range(3)]
    for person, label in zip(people, "aab", strict=True):
        _take_and_answer(api, person, pool["id"], label)
    assert api.ok("GET", f"/api/v1/tasks/{task['id']}")["overlap"] == 5  # the dissenter's skill fell to 0: +2
    refused = api.call("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=people[2]["headers"]).json()
    assert refused["code"] == "FILTERED_OUT"


def test_a_restriction_by_hand_is_a_loss_of_access_too(api: Api) -> None:
    qc = {"configs": [_rule({"type": "USERS_ASSESSMENT"},
                            [{"key": "pool_access_revoked_reason", "operator": "EQ", "value": "RESTRICTION"}],
                            {"type": "CHANGE_OVERLAP", "parameters": {"delta": 1, "open_pool": True}})]}
    pool = make_pool(api, quality_control=qc, defaults={"default_overlap_for_new_task_suites": 1})
    task = add_tasks(api, pool["id"], 1)[0]
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    banned = worker(api, "banned")
    _take_and_answer(api, banned, pool["id"], "a")
    assert api.ok("GET", f"/api/v1/pools/{pool['id']}")["status"] == "CLOSED"  # complete
    api.ok("PUT", "/api/v1/user-restrictions", json={"user_id": banned["id"], "scope": "PROJECT",
                                                     "project_id": pool["project_id"]})
    assert api.ok("GET", f"/api/v1/tasks/{task['id']}")["overlap"] == 2  # her answer is to be redone
    assert api.ok("GET", f"/api/v1/pools/{pool['id']}")["status"] == "OPEN"
