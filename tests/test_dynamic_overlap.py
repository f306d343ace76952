"""Dynamic overlap: a task whose skill-weighted vote is not confident enough asks for one more
answer, up to max_overlap; and WEIGHTED_DYNAMIC_OVERLAP aggregation of a pool weighs by the skill."""

from __future__ import annotations

import time
from typing import Any

from tests.apiclient import Api, add_tasks, expect_error, make_pool, worker


def _skilled(api: Api, login: str, skill_id: str, value: float) -> dict[str, Any]:
    person = worker(api, login)
    api.ok("PUT", "/api/v1/user-skills", json={"user_id": person["id"], "skill_id": skill_id, "value": value})
    return person


def _answer(api: Api, person: dict[str, Any], pool_id: str, label: str) -> None:
    suite = api.ok("POST", f"/api/v1/worker/pools/{pool_id}/next", headers=person["headers"])
    api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=person["headers"],
           json={"solutions": [{"output_values": {"result": label}} for _ in suite["tasks"]]})


def _config(skill_id: str, **change: Any) -> dict[str, Any]:
    return {"type": "BASIC", "max_overlap": 3, "min_confidence": 0.7, "answer_weight_skill_id": skill_id,
            "fields": [{"name": "result"}], **change}


def test_unsure_tasks_get_more_answers_up_to_max_overlap(api: Api) -> None:
    skill = api.ok("POST", "/api/v1/skills", json={"name": "weight"})
    pool = make_pool(api, defaults={"default_overlap_for_new_task_suites": 2},
                     dynamic_overlap_config=_config(skill["id"]))
    sure, unsure = add_tasks(api, pool["id"], 2)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    strong, weak, even1, even2, third = (_skilled(api, f"d{i}", skill["id"], v)
                                         for i, v in enumerate((80, 20, 50, 50, 50)))
    _answer(api, strong, pool["id"], "a")  # task 1
    _answer(api, weak, pool["id"], "b")  # task 1: 80 of 100 for a, settled
    assert api.ok("GET", f"/api/v1/tasks/{sure['id']}")["overlap"] == 2
    _answer(api, even1, pool["id"], "a")  # task 2
    _answer(api, even2, pool["id"], "b")  # task 2: 50 / 50, one more answer
    assert api.ok("GET", f"/api/v1/tasks/{unsure['id']}")["overlap"] == 3
    assert api.ok("GET", f"/api/v1/pools/{pool['id']}")["status"] == "OPEN"
    _answer(api, third, pool["id"], "a")  # 100 of 150: still unsure, but max_overlap is reached
    assert api.ok("GET", f"/api/v1/tasks/{unsure['id']}")["overlap"] == 3
    assert api.ok("GET", f"/api/v1/pools/{pool['id']}")["status"] == "CLOSED"


def test_weighted_aggregation_of_a_pool(api: Api) -> None:
    skill = api.ok("POST", "/api/v1/skills", json={"name": "weight"})
    pool = make_pool(api, defaults={"default_overlap_for_new_task_suites": 3})
    task = add_tasks(api, pool["id"], 1)[0]
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    for i, (value, label) in enumerate(((90, "a"), (20, "b"), (30, "b"))):
        _answer(api, _skilled(api, f"w{i}", skill["id"], value), pool["id"], label)
    started = api.call("POST", "/api/v1/aggregated-solutions/aggregate-by-pool", expect=202, json={
        "type": "WEIGHTED_DYNAMIC_OVERLAP", "pool_id": pool["id"], "answer_weight_skill_id": skill["id"],
        "fields": [{"name": "result"}]}).json()
    deadline = time.monotonic() + 60
    while (op := api.ok("GET", f"/api/v1/operations/{started['id']}"))["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert op["status"] == "SUCCESS", op
    labels = api.ok("GET", f"/api/v1/aggregated-solutions/{started['id']}")["items"]
    assert [(x["task_id"], x["output_values"]["result"]) for x in labels] == [(task["id"], "a")]  # 90 beats 50
    assert abs(labels[0]["confidence"] - 90 / 140) < 1e-9


def test_bad_dynamic_overlap_configs_are_refused(api: Api) -> None:
    skill = api.ok("POST", "/api/v1/skills", json={"name": "weight"})
    project = make_pool(api)["project_id"]
    cases = [({"type": "ADVANCED"}, "type"), ({"max_overlap": 1}, "max_overlap"), ({"min_confidence": 1.5},
             "min_confidence"), ({"fields": []}, "fields"), ({"answer_weight_skill_id": "999999"},
             "dynamic_overlap_config"), ({"answer_weight_skill_id": None}, "answer_weight_skill_id")]
    for change, field in cases:
        body = {"project_id": project, "private_name": "x", "reward_per_assignment": 0.01,
                "assignment_max_duration_seconds": 60, "will_expire": "2099-01-01T00:00:00",
                "defaults": {"default_overlap_for_new_task_suites": 2},
                "dynamic_overlap_config": _config(skill["id"], **change)}
        expect_error(api.call("POST", "/api/v1/pools", json=body), 400, "VALIDATION_ERROR", field)
