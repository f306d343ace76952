"""Task suites the requester makes: created, found, changed, and issued whole in their order."""

from __future__ import annotations

import time
from typing import Any

from tests.apiclient import Api, add_tasks, expect_error, make_pool, worker


def _suite(pool_id: str, *texts: str, **extra: Any) -> dict[str, Any]:
    return {"pool_id": pool_id, "tasks": [{"input_values": {"text": t}} for t in texts], **extra}


def _next(api: Api, person: dict[str, Any], pool_id: str) -> Any:
    return api.call("POST", f"/api/v1/worker/pools/{pool_id}/next", headers=person["headers"])


def _submit(api: Api, person: dict[str, Any], suite: dict[str, Any]) -> None:
    api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=person["headers"],
           json={"solutions": [{"output_values": {"result": "a"}} for _ in suite["tasks"]]})


def test_suites_are_issued_whole_by_issuing_order(api: Api) -> None:
    pool = make_pool(api)
    low = api.ok("POST", "/api/v1/task-suites", json=_suite(pool["id"], "l1", "l2", overlap=1))
    high = api.ok("POST", "/api/v1/task-suites", json=_suite(pool["id"], "h1", "h2", "h3", overlap=2,
                                                              issuing_order_override=5))
    assert [t["input_values"]["text"] for t in high["tasks"]] == ["h1", "h2", "h3"]
    assert high["overlap"] == 2 and high["remaining_overlap"] == 2
    add_tasks(api, pool["id"], 1)  # a task outside any suite: mixed once no suite is left for her
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    first, second = worker(api, "s1"), worker(api, "s2")
    got = _next(api, first, pool["id"]).json()
    assert [t["input_values"]["text"] for t in got["tasks"]] == ["h1", "h2", "h3"]  # the higher order first
    _submit(api, first, got)
    assert [t["input_values"]["text"] for t in _next(api, first, pool["id"]).json()["tasks"]] == ["l1", "l2"]
    assert [t["input_values"]["text"] for t in _next(api, second, pool["id"]).json()["tasks"]] == ["h1", "h2", "h3"]
    assert api.ok("GET", f"/api/v1/task-suites/{high['id']}")["remaining_overlap"] == 0
    found = api.ok("GET", "/api/v1/task-suites", params={"pool_id": pool["id"]})["items"]
    assert [s["id"] for s in found] == [low["id"], high["id"]]
    third = worker(api, "s3")
    assert [t["input_values"]["text"] for t in _next(api, third, pool["id"]).json()["tasks"]] == ["t0"]


def test_batch_patch_and_overlap_or_min(api: Api) -> None:
    pool = make_pool(api)
    made = api.ok("POST", "/api/v1/task-suites", json=[_suite(pool["id"], "a"), _suite(pool["id"], "b", "c")],
                  params={"allow_defaults": "true"})
    assert [len(s["tasks"]) for s in made["items"].values()] == [1, 2]
    suite = made["items"]["1"]
    assert suite["overlap"] == 3  # the pool's default
    patched = api.ok("PATCH", f"/api/v1/task-suites/{suite['id']}", json={"overlap": 5, "issuing_order_override": 2})
    assert (patched["overlap"], patched["issuing_order_override"]) == (5, 2)
    tasks = api.ok("GET", "/api/v1/tasks", params={"pool_id": pool["id"]})["items"]
    assert sorted(t["overlap"] for t in tasks) == [3, 5, 5]  # the suite's overlap is its tasks'
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    person = worker(api, "m1")
    assert len(_next(api, person, pool["id"]).json()["tasks"]) == 2
    lowest = api.ok("PATCH", f"/api/v1/task-suites/{suite['id']}/set-overlap-or-min", json={"overlap": 0})
    assert lowest["overlap"] == 1  # one copy is already out: that is the minimum
    assert _next(api, worker(api, "m2"), pool["id"]).json()["tasks"][0]["input_values"]["text"] == "a"


def test_async_batch_is_an_operation_with_a_log(api: Api) -> None:
    pool = make_pool(api)
    op = api.call("POST", "/api/v1/task-suites", json=[_suite(pool["id"], "x", __item_idx="0")],
                  params={"async_mode": "true", "allow_defaults": "true"}, expect=202).json()
    assert op["type"] == "TASK_SUITE.BATCH_CREATE"
    deadline = time.monotonic() + 60  # the batch is written by the job runner, as clients poll for it
    while (status := api.ok("GET", f"/api/v1/operations/{op['id']}")["status"]) == "RUNNING":
        assert time.monotonic() < deadline, "the batch was not written"
        time.sleep(0.05)
    assert status == "SUCCESS"
    log = api.ok("GET", f"/api/v1/operations/{op['id']}/log")
    assert log[0]["success"] and log[0]["output"]["task_suite_id"]


def test_bad_suites_are_refused_by_field(api: Api) -> None:
    pool = make_pool(api)
    cases = [
        ({"pool_id": pool["id"], "tasks": []}, "tasks"),
        (_suite(pool["id"], "a", overlap=0), "overlap"),
        ({"pool_id": pool["id"], "tasks": [{"input_values": {"nope": 1}}]}, "tasks[0].input_values"),
        ({"pool_id": pool["id"], "tasks": [{"input_values": {"text": "a"}, "overlap": 7}], "overlap": 1},
         "tasks[0].overlap"),
        ({"pool_id": pool["id"], "tasks": [{"input_values": {"text": "a"},
                                            "known_solutions": [{"output_values": {"result": "a"}}]}]}, "tasks"),
        (_suite(pool["id"], "a", issuing_order_override=10**12), "issuing_order_override"),
        (_suite("999999", "a"), "pool_id"),
    ]
    for body, field in cases:
        expect_error(api.call("POST", "/api/v1/task-suites", json=body), 400, "VALIDATION_ERROR", field)
    assert api.ok("GET", "/api/v1/task-suites", params={"pool_id": pool["id"]})["items"] == []
    expect_error(api.call("PATCH", "/api/v1/task-suites/000000000999", json={"overlap": 2}), 404, "DOES_NOT_EXIST")
