"""Settings toloka-kit sends that clipcrowd cannot honour are refused naming the field, and nothing is
written: a task reserved for (or kept from) some workers or carrying traits, and a pool's
`speed_quality_balance` (it picks workers by a rating clipcrowd does not keep). Stored and ignored,
each would hand work to people the requester meant to leave out.
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


def test_speed_quality_balance_is_refused(api: Api) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    body = pool_body(project["id"], speed_quality_balance={"type": "TOP_PERCENTAGE_BY_QUALITY", "percent": 50})
    _error(api.call("POST", "/api/v1/pools", json=body), 400, "VALIDATION_ERROR", "speed_quality_balance",
           "not supported")
    assert api.ok("GET", "/api/v1/pools")["items"] == []
    pool = make_pool(api)
    _error(api.call("PUT", f"/api/v1/pools/{pool['id']}", json={**pool, **body}), 400, "VALIDATION_ERROR",
           "speed_quality_balance")
    assert "speed_quality_balance" not in api.ok("GET", f"/api/v1/pools/{pool['id']}")
