"""Quality control as a worker lives it: golden-set restriction, fast submits, skill filters."""

from __future__ import annotations

from typing import Any

from tests.apiclient import Api, add_tasks, make_pool, worker
from tests.support import ManualClock

RESTRICT_POOL = {"type": "RESTRICTION_V2", "parameters": {"scope": "POOL", "duration": 3, "duration_unit": "DAYS",
                                                          "private_comment": "rule"}}


def _answer(api: Api, person: dict[str, Any], pool_id: str, pick: Any) -> bool:
    """Take one suite and answer each task with pick(task); True while the pool is still offered to her."""
    suite = api.ok("POST", f"/api/v1/worker/pools/{pool_id}/next", headers=person["headers"])
    outputs = [{"output_values": {"result": pick(task)}} for task in suite["tasks"]]
    api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=person["headers"],
           json={"solutions": outputs})
    offered = api.ok("GET", "/api/v1/worker/pools", headers=person["headers"])["items"]
    return pool_id in [p["id"] for p in offered]


def test_golden_rate_below_80_restricts_and_stops_suites(api: Api) -> None:
    qc = {"configs": [{"collector_config": {"type": "GOLDEN_SET", "parameters": {"history_size": 10}},
                       "rules": [{"conditions": [
                           {"key": "golden_set_correct_answers_rate", "operator": "LTE", "value": 80.0},
                           {"key": "golden_set_answers_count", "operator": "GTE", "value": 1}],
                           "action": RESTRICT_POOL}]}]}
    pool = make_pool(api, quality_control=qc,
                     mixer_config={"real_tasks_count": 2, "golden_tasks_count": 1, "training_tasks_count": 0})
    golden = add_tasks(api, pool["id"], 4, infinite_overlap=True, known_solutions=[{"output_values": {"result": "a"}}])
    assert len(golden) == 4
    add_tasks(api, pool["id"], 10)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    good, bad = worker(api, "good"), worker(api, "bad")
    for _ in range(3):
        assert _answer(api, good, pool["id"], lambda t: "a")  # right on every golden task (she cannot tell which)
    assert not _answer(api, bad, pool["id"], lambda t: "b")
    refused = api.call("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=bad["headers"]).json()
    assert refused["code"] == "RESTRICTED"
    restrictions = api.ok("GET", "/api/v1/user-restrictions", params={"pool_id": pool["id"]})["items"]
    assert [r["user_id"] for r in restrictions] == [bad["id"]]


def test_fast_submitter_is_restricted_and_slow_one_is_not(api: Api, clock: ManualClock) -> None:
    qc = {"configs": [{"collector_config": {"type": "ASSIGNMENT_SUBMIT_TIME",
                                            "parameters": {"fast_submit_threshold_seconds": 1}},
                       "rules": [{"conditions": [{"key": "fast_submitted_count", "operator": "GT", "value": 0}],
                                  "action": {**RESTRICT_POOL, "parameters": {**RESTRICT_POOL["parameters"],
                                                                             "scope": "PROJECT"}}}]}]}
    pool = make_pool(api, quality_control=qc)
    add_tasks(api, pool["id"], 4)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    fast, slow = worker(api, "fast"), worker(api, "slow")
    assert not _answer(api, fast, pool["id"], lambda t: "a")
    suite = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=slow["headers"])
    clock.advance(seconds=1.5)  # she takes a second and a half over it
    api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=slow["headers"],
           json={"solutions": [{"output_values": {"result": "a"}}]})
    assert api.call("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=slow["headers"]).status_code == 200
    restricted = api.ok("GET", "/api/v1/user-restrictions")["items"]
    assert [(r["user_id"], r["scope"], r["project_id"]) for r in restricted] == [
        (fast["id"], "PROJECT", pool["project_id"])]


def test_skill_filter_admits_no_value_or_at_least_75(api: Api) -> None:
    skill = api.ok("POST", "/api/v1/skills", json={"name": "video"})
    tree = {"and": [
        {"or": [{"category": "profile", "key": "languages", "operator": "IN", "value": "EN"}]},
        {"or": [{"category": "skill", "key": skill["id"], "operator": "EQ", "value": None},
                {"category": "skill", "key": skill["id"], "operator": "GTE", "value": 75}]}]}
    pool = make_pool(api, filter=tree)
    add_tasks(api, pool["id"], 5)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    people = {name: worker(api, name) for name in ("none", "high", "edge", "low")}
    for name, value in (("high", 90), ("edge", 75), ("low", 74.9)):
        api.ok("PUT", "/api/v1/user-skills", json={"user_id": people[name]["id"], "skill_id": skill["id"],
                                                   "value": value})
    french = worker(api, "fr", languages=["FR"])
    admitted = {name for name, p in people.items()
                if api.call("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=p["headers"]).status_code == 200}
    assert admitted == {"none", "high", "edge"}
    refused = api.call("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=french["headers"]).json()
    assert refused["code"] == "FILTERED_OUT"
    low = api.call("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=people["low"]["headers"]).json()
    assert low["code"] == "FILTERED_OUT"


def test_acceptance_rate_sets_skill(api: Api) -> None:
    skill = api.ok("POST", "/api/v1/skills", json={"name": "approved"})
    qc = {"configs": [{"collector_config": {"type": "ACCEPTANCE_RATE"},
                       "rules": [{"conditions": [{"key": "total_assignments_count", "operator": "GT", "value": 1}],
                                  "action": {"type": "SET_SKILL_FROM_OUTPUT_FIELD", "parameters": {
                                      "skill_id": skill["id"], "from_field": "approvedAssignmentsRate"}}}]}]}
    pool = make_pool(api, quality_control=qc, auto_accept_solutions=False, auto_accept_period_day=3)
    add_tasks(api, pool["id"], 3)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    ann = worker(api, "ann")
    ids = []
    for _ in range(3):
        suite = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=ann["headers"])
        api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=ann["headers"],
               json={"solutions": [{"output_values": {"result": "a"}}]})
        ids.append(suite["id"])
    api.ok("PATCH", f"/api/v1/assignments/{ids[0]}", json={"status": "ACCEPTED"})
    assert api.ok("GET", "/api/v1/user-skills", params={"user_id": ann["id"]})["items"] == []
    api.ok("PATCH", f"/api/v1/assignments/{ids[1]}", json={"status": "REJECTED", "public_comment": "no"})
    api.ok("PATCH", f"/api/v1/assignments/{ids[2]}", json={"status": "ACCEPTED"})
    skills = api.ok("GET", "/api/v1/user-skills", params={"user_id": ann["id"]})["items"]
    assert [round(s["exact_value"], 2) for s in skills] == [66.67]
