"""Settings toloka-kit sends that clipcrowd cannot honour are refused naming the field, and nothing is
written: a task reserved for (or kept from) some workers or carrying traits, a pool's
`speed_quality_balance` (it picks workers by a rating clipcrowd does not keep) and its
`dynamic_pricing_config` (rewards by skill). Stored and ignored, each would hand work to people the
requester meant to leave out, or pay otherwise than asked.
"""

from __future__ import annotations

import pytest

from tests.apiclient import Api, make_pool
from tests.apiclient import expect_error as _error
from tests.factories import pool_body, text_project


@pytest.mark.parametrize("name, value", [("reserved_for", ["000000000001"]), ("unavailable_for", ["7"]),
                                         ("traits_all_of", ["a"]), ("traits_any_of", ["a"]),
                                         ("traits_none_of_any", ["b"])])
def test_task_targeting_is_refused(api: Api, name: str, value: list[str]) -> None:
    pool = make_pool(api)
    task = {"pool_id": pool["id"], "input_values": {"text": "x"}, name: value}
    for body, params in ((task, {}), ([task], {}), ([task], {"async_mode": "true"})):
        _error(api.call("POST", "/api/v1/tasks", json=body, params={"allow_defaults": "true", **params}), 400,
               "VALIDATION_ERROR", name, "not supported")
    suite = {"pool_id": pool["id"], "overlap": 1, "tasks": [{"input_values": {"text": "x"}}], name: value}
    _error(api.call("POST", "/api/v1/task-suites", json=suite), 400, "VALIDATION_ERROR", name, "not supported")
    in_suite = {"pool_id": pool["id"], "overlap": 1, "tasks": [{"input_values": {"text": "x"}, name: value}]}
    _error(api.call("POST", "/api/v1/task-suites", json=in_suite), 400, "VALIDATION_ERROR", name)
    assert api.ok("GET", "/api/v1/tasks", params={"pool_id": pool["id"]})["items"] == []
    # empty lists say nothing: accepted, as toloka-kit may send them
    made = api.ok("POST", "/api/v1/tasks", json={**task, name: []}, params={"allow_defaults": "true"})
    assert made["input_values"] == {"text": "x"}


@pytest.mark.parametrize("name, value", [
    ("speed_quality_balance", {"type": "TOP_PERCENTAGE_BY_QUALITY", "percent": 50}),
    ("dynamic_pricing_config",
     {"type": "SKILL", "skill_id": "1", "intervals": [{"from": 50, "reward_per_assignment": 1}]}),
])
def test_pool_settings_without_a_meaning_here_are_refused(api: Api, name: str, value: dict[str, object]) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    body = pool_body(project["id"], **{name: value})
    _error(api.call("POST", "/api/v1/pools", json=body), 400, "VALIDATION_ERROR", name, "not supported")
    assert api.ok("GET", "/api/v1/pools")["items"] == []
    pool = make_pool(api)
    _error(api.call("PUT", f"/api/v1/pools/{pool['id']}", json={**pool, name: value}), 400, "VALIDATION_ERROR", name)
    assert name not in api.ok("GET", f"/api/v1/pools/{pool['id']}")


def test_a_project_whose_workers_pick_tasks_on_a_map_is_refused(api: Api) -> None:
    _error(api.call("POST", "/api/v1/projects", json=text_project(assignments_issuing_type="MAP_SELECTOR")), 400,
           "VALIDATION_ERROR", "assignments_issuing_type", "not supported")
    assert api.ok("GET", "/api/v1/projects")["items"] == []
    made = api.ok("POST", "/api/v1/projects", json=text_project(assignments_issuing_type="AUTOMATED"))
    assert made["assignments_issuing_type"] == "AUTOMATED"
    _error(api.call("PUT", f"/api/v1/projects/{made['id']}", json={**made, "assignments_issuing_type": "MAP_SELECTOR"}),
           400, "VALIDATION_ERROR", "assignments_issuing_type")
    assert api.ok("GET", f"/api/v1/projects/{made['id']}")["assignments_issuing_type"] == "AUTOMATED"
