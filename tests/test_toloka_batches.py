"""An asynchronous batch (async_mode=true) with invalid items that may not be skipped (or no valid one) is
answered as Toloka answers it: with its operation, ended FAIL, whose log carries each invalid item's
faults, and nothing written, valid items included; toloka-kit then raises its ValidationApiError from that
log, and `create_*_async` callers get the failed operation. A refused feature or a pool's state is still
refused at once (400/409), naming the field, and so is a synchronous batch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clipcrowd.store.db import Database
from tests.apiclient import Api, expect_error, in_process, make_pool, worker

ASYNC = {"async_mode": "true", "allow_defaults": "true"}


def _failed(api: Api, answer: Any, count: int, *fields: str) -> list[dict[str, Any]]:
    """The finished FAIL operation of `count` refused items, and its log (each names its faults)."""
    assert answer.status_code == 202, answer.text
    op = answer.json()
    assert op["status"] == "FAIL" and op["finished"], op
    assert op["details"]["success_count"] == 0 and op["details"]["failed_count"] == count
    log: list[dict[str, Any]] = api.ok("GET", f"/api/v1/operations/{op['id']}/log")
    assert [entry["success"] for entry in log] == [False] * count
    assert [entry["input"]["__item_idx"] for entry in log] == [str(i) for i in range(count)]
    for entry, field in zip(log, fields, strict=True):
        assert field in entry["output"] and entry["output"][field]["message"], entry
    assert api.ok("GET", f"/api/v1/operations/{op['id']}")["status"] == "FAIL"
    return log


def test_a_wholly_invalid_async_task_batch_fails_its_operation(db: Database, tmp_path: Path) -> None:
    with in_process(db, tmp_path, inline_batch_items=1) as api:  # two items: past what is written at once
        pool = make_pool(api)
        bad = [{"pool_id": pool["id"], "input_values": {"text": 42}}, {"pool_id": pool["id"], "input_values": {}}]
        _failed(api, api.call("POST", "/api/v1/tasks", json=bad, params=ASYNC), 2, "input_values.text",
                "input_values.text")
        _failed(api, api.call("POST", "/api/v1/tasks", json=bad, params={**ASYNC, "skip_invalid_items": "true"}), 2,
                "input_values.text", "input_values.text")
        _failed(api, api.call("POST", "/api/v1/tasks", json=bad[0], params=ASYNC), 1, "input_values.text")
        # an operation id given is the failed operation's, and stays taken
        op_id = "5b2d7c1e-3a4f-4b6c-9d8e-1f2a3b4c5d6e"
        failed = api.call("POST", "/api/v1/tasks", json=bad, params={**ASYNC, "operation_id": op_id})
        assert failed.json()["id"] == op_id
        expect_error(api.call("POST", "/api/v1/tasks", json=bad, params={**ASYNC, "operation_id": op_id}), 409,
                     "OPERATION_ALREADY_EXISTS")
        assert api.ok("GET", "/api/v1/tasks", params={"pool_id": pool["id"]})["items"] == []
        # a valid item among them is not written either (without skip_invalid_items); synchronously: a 400
        mixed = [*bad, {"pool_id": pool["id"], "input_values": {"text": "fine"}}]
        answer = api.call("POST", "/api/v1/tasks", json=mixed, params=ASYNC)
        _failed(api, answer, 2, "input_values.text", "input_values.text")
        assert answer.json()["details"]["items_count"] == 3
        expect_error(api.call("POST", "/api/v1/tasks", json=bad, params={"allow_defaults": "true"}), 400,
                     "VALIDATION_ERROR", "[0].input_values.text")
        # a refused feature and a pool's state are said at once
        expect_error(api.call("POST", "/api/v1/tasks", json=[{**bad[0], "reserved_for": ["1"]}], params=ASYNC), 400,
                     "VALIDATION_ERROR", "reserved_for", "not supported")
        api.call("POST", f"/api/v1/pools/{pool['id']}/archive", expect=202)
        expect_error(api.call("POST", "/api/v1/tasks", json=[{"pool_id": pool["id"], "input_values": {"text": "x"}}],
                              params=ASYNC), 409, "CONFLICT_STATE", "archived")
        assert api.ok("GET", "/api/v1/tasks", params={"pool_id": pool["id"]})["items"] == []


def test_a_wholly_invalid_async_suite_batch_fails_its_operation(api: Api) -> None:
    pool = make_pool(api)
    bad = [{"pool_id": pool["id"], "overlap": 1, "tasks": [{"input_values": {"wrong": "x"}}]},
           {"pool_id": pool["id"], "overlap": 1, "tasks": [{"input_values": {"text": 1}}]}]
    _failed(api, api.call("POST", "/api/v1/task-suites", json=bad, params=ASYNC), 2, "tasks[0].input_values.wrong",
            "tasks[0].input_values.text")
    expect_error(api.call("POST", "/api/v1/task-suites", json=[{**bad[0], "latitude": 1.5}], params=ASYNC), 400,
                 "VALIDATION_ERROR", "latitude", "not supported")
    assert api.ok("GET", "/api/v1/task-suites", params={"pool_id": pool["id"]})["items"] == []


def test_an_invalid_async_bonus_batch_fails_its_operation(api: Api) -> None:
    person = worker(api, "paid")
    good = {"user_id": person["id"], "amount": "0.50", "public_title": {"EN": "t"}, "public_message": {"EN": "m"}}
    bad = [{**good, "user_id": "000000009999"}, {**good, "amount": "-1"}]
    answer = api.call("POST", "/api/v1/user-bonuses", json=bad, params={"async_mode": "true"})
    log = _failed(api, answer, 2, "user_id", "amount")
    assert log[0]["type"] == "USER_BONUS_CREATE"
    # some valid: the operation fails as well, nothing granted (the valid item's grant is rolled back)
    failed = api.call("POST", "/api/v1/user-bonuses", json=[good, *bad], params={"async_mode": "true"},
                      expect=202).json()
    assert failed["status"] == "FAIL" and failed["details"] == {"total_count": 3, "success_count": 0,
                                                                 "failed_count": 2}
    logged = api.ok("GET", f"/api/v1/operations/{failed['id']}/log")
    assert [(entry["success"], entry["input"]["__item_idx"]) for entry in logged] == [(False, "1"), (False, "2")]
    expect_error(api.call("POST", "/api/v1/user-bonuses", json=[good, *bad]), 400, "VALIDATION_ERROR", "user_id")
    assert api.ok("GET", "/api/v1/user-bonuses")["items"] == []
    assert api.ok("GET", f"/api/v1/workers/{person['id']}")["balance"] == 0
    mixed = api.call("POST", "/api/v1/user-bonuses", json=[good, *bad],
                     params={"async_mode": "true", "skip_invalid_items": "true"}, expect=202).json()
    assert mixed["status"] == "SUCCESS" and mixed["details"]["success_count"] == 1
