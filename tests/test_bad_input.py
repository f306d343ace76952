"""Bad input: a 4xx with a code and a message naming the field, and nothing written."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from clipcrowd.domain.timeutil import utcnow
from clipcrowd.services import auth
from tests.apiclient import Api, add_tasks, make_pool, worker
from tests.apiclient import expect_error as _error
from tests.factories import pool_body, text_project


def test_malformed_json(api: Api) -> None:
    response = api.call("POST", "/api/v1/projects", content=b'{"public_name": ',
                        headers={"Content-Type": "application/json"})
    _error(response, 400, "VALIDATION_ERROR", "malformed JSON")
    assert api.ok("GET", "/api/v1/projects")["items"] == []


@pytest.mark.parametrize("path", ["/api/v1/pools/000000000999", "/api/v1/projects/abc", "/api/v1/tasks/12",
                                  "/api/v1/assignments/5", "/api/v1/attachments/7", "/api/v1/operations/nope"])
def test_unknown_ids(api: Api, path: str) -> None:
    _error(api.call("GET", path), 404, "DOES_NOT_EXIST")


def test_unknown_route_and_method(api: Api) -> None:
    _error(api.call("GET", "/api/v1/nothing-here"), 404, "DOES_NOT_EXIST")
    assert api.call("DELETE", "/api/v1/projects").json()["code"] == "METHOD_NOT_ALLOWED"


def test_wrong_input_types_refuse_the_whole_batch(api: Api) -> None:
    pool = make_pool(api)
    items = [{"pool_id": pool["id"], "input_values": {"text": "fine"}},
             {"pool_id": pool["id"], "input_values": {"text": 42}},
             {"pool_id": pool["id"], "input_values": {"other": "x", "text": "y"}}]
    body = _error(api.call("POST", "/api/v1/tasks", json=items, params={"allow_defaults": "true"}), 400,
                  "VALIDATION_ERROR", "input_values.text", "must be a string")
    assert "[1].input_values.text" in body["payload"] and "[2].input_values.other" in body["payload"]
    assert api.ok("GET", "/api/v1/tasks", params={"pool_id": pool["id"]})["items"] == []
    # async_mode, as Toloka: the operation fails, logs the invalid items' faults and writes nothing, the
    # valid item included, and open_pool does not open the pool
    failed = api.call("POST", "/api/v1/tasks", json=items, expect=202,
                      params={"allow_defaults": "true", "async_mode": "true", "open_pool": "true",
                              "operation_id": "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"}).json()
    assert failed["status"] == "FAIL" and failed["details"]["success_count"] == 0, failed
    log = api.ok("GET", f"/api/v1/operations/{failed['id']}/log")
    assert [(entry["success"], entry["input"]["__item_idx"]) for entry in log] == [(False, "1"), (False, "2")]
    assert "input_values.text" in log[0]["output"] and "input_values.other" in log[1]["output"]
    assert api.ok("GET", "/api/v1/tasks", params={"pool_id": pool["id"]})["items"] == []
    assert api.ok("GET", f"/api/v1/pools/{pool['id']}")["status"] == "CLOSED"


def test_skip_invalid_items_keeps_the_good_ones(api: Api) -> None:
    pool = make_pool(api)
    items = [{"pool_id": pool["id"], "input_values": {"text": "ok"}}, {"pool_id": pool["id"], "input_values": {}}]
    result = api.ok("POST", "/api/v1/tasks", json=items,
                    params={"allow_defaults": "true", "skip_invalid_items": "true"})
    assert list(result["items"]) == ["0"] and "input_values.text" in result["validation_errors"]["1"]


def test_wrong_output_types_keep_the_assignment_open(api: Api) -> None:
    pool = make_pool(api)
    add_tasks(api, pool["id"], 1)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    ann = worker(api, "ann")
    suite = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=ann["headers"])
    for outputs, name in (([{"output_values": {"result": 1}}], "solutions[0].output_values.result"),
                          ([{"output_values": {"result": "c"}}], "allowed values"),
                          ([{"output_values": {}}], "is required"),
                          ([], "expected 1 solutions"),
                          ("x", "solutions")):
        response = api.call("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=ann["headers"],
                            json={"solutions": outputs})
        _error(response, 400, "VALIDATION_ERROR", name)
    assert api.ok("GET", f"/api/v1/assignments/{suite['id']}")["status"] == "ACTIVE"


def test_tasks_for_an_archived_pool(api: Api) -> None:
    pool = make_pool(api)
    api.call("POST", f"/api/v1/pools/{pool['id']}/archive", expect=202)
    other = make_pool(api)
    response = api.call("POST", "/api/v1/tasks", params={"allow_defaults": "true"}, json=[
        {"pool_id": other["id"], "input_values": {"text": "x"}},
        {"pool_id": pool["id"], "input_values": {"text": "x"}}])
    body = _error(response, 400, "VALIDATION_ERROR", "archived")
    assert body["payload"]["[1].task"]["code"] == "CONFLICT_STATE"
    assert api.ok("GET", "/api/v1/tasks", params={"pool_id": other["id"]})["items"] == []
    single = api.call("POST", "/api/v1/tasks", json={"pool_id": pool["id"], "input_values": {"text": "x"}})
    _error(single, 409, "CONFLICT_STATE", "archived")


@pytest.mark.parametrize("overlap", [0, -1, "3", 1.5])
def test_overlap_below_one_or_not_integer(api: Api, overlap: Any) -> None:
    pool = make_pool(api)
    response = api.call("POST", "/api/v1/tasks", json=[{"pool_id": pool["id"], "input_values": {"text": "x"},
                                                         "overlap": overlap}])
    _error(response, 400, "VALIDATION_ERROR", "overlap")
    task = add_tasks(api, pool["id"], 1)[0]
    _error(api.call("PATCH", f"/api/v1/tasks/{task['id']}", json={"overlap": overlap}), 400, "VALIDATION_ERROR",
           "overlap")


@pytest.mark.parametrize(("tree", "names"), [
    ({"and": {"category": "profile"}}, ["filter.and"]),
    ({"and": [{"or": [{"category": "skill", "key": "1", "operator": "GTE", "value": "high"}]}]},
     ["filter.and[0].or[0].value"]),
    ({"category": "profile", "key": "shoe_size", "operator": "EQ", "value": 3}, ["filter.key"]),
    ({"category": "computed", "key": "client_type", "operator": "EQ", "value": "FAX"}, ["filter.value"]),
    ({"or": [{"category": "skill", "key": "000000000404", "operator": "EQ", "value": None}]}, ["unknown skill"]),
    ([1, 2], ["filter"]),
])
def test_bad_filter_tree(api: Api, tree: Any, names: list[str]) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    _error(api.call("POST", "/api/v1/pools", json=pool_body(project["id"], filter=tree)), 400, "VALIDATION_ERROR",
           *names)
    assert api.ok("GET", "/api/v1/pools")["items"] == []


@pytest.mark.parametrize(("config", "name"), [
    ("{not json", "task_spec.view_spec.config"),
    (json.dumps({"plugins": []}), "config.view"),
    (json.dumps({"view": {"type": "widget.fancy"}}), "unknown component type 'widget.fancy'"),
    (json.dumps({"view": {"type": "view.text", "content": {"type": "data.input", "path": "missing"}}}),
     "'missing' is not a field of the input_spec"),
])
def test_invalid_view_config(api: Api, config: str, name: str) -> None:
    body = text_project()
    body["task_spec"]["view_spec"]["config"] = config
    _error(api.call("POST", "/api/v1/projects", json=body), 400, "VALIDATION_ERROR", name)
    assert api.ok("GET", "/api/v1/projects")["items"] == []


@pytest.mark.parametrize(("field", "value", "name"), [
    ("reward_per_assignment", -1, "reward_per_assignment"),
    ("assignment_max_duration_seconds", "soon", "assignment_max_duration_seconds"),
    ("will_expire", 1700000000, "will_expire"),
    ("mixer_config", {"real_tasks_count": 0, "golden_tasks_count": 0, "training_tasks_count": 0}, "mixer_config"),
    ("quality_control", {"configs": [{"collector_config": {"type": "MAGIC"}, "rules": []}]}, "collector_config.type"),
    ("project_id", "000000000404", "project_id"),
])
def test_bad_pool_fields(api: Api, field: str, value: Any, name: str) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    body = pool_body(project["id"])
    body[field] = value
    _error(api.call("POST", "/api/v1/pools", json=body), 400, "VALIDATION_ERROR", name)


def test_wrong_expired_and_missing_tokens(api: Api) -> None:
    wrong = api.client.get("/api/v1/projects", headers={"Authorization": "OAuth nope"})
    _error(wrong, 401, "AUTHENTICATION_ERROR", "not valid")
    _error(api.client.get("/api/v1/projects"), 401, "AUTHENTICATION_ERROR", "no token")
    _error(api.client.get("/api/v1/projects", headers={"Authorization": "Basic abc"}), 401, "AUTHENTICATION_ERROR")
    db = api.client.app.state.db  # type: ignore[attr-defined]
    old = auth.create_token(db, "requester", requester_id=auth.ensure_requester(db),
                            expires=utcnow() - timedelta(seconds=1))
    _error(api.client.get("/api/v1/projects", headers={"Authorization": f"Bearer {old}"}), 401,
           "AUTHENTICATION_ERROR", "expired")
    ann = worker(api, "ann")
    _error(api.client.get("/api/v1/projects", headers=ann["headers"]), 403, "ACCESS_DENIED", "requester")
    _error(api.call("POST", "/api/v1/worker/pools/1/next"), 403, "ACCESS_DENIED", "worker token")


def test_bad_query_parameters(api: Api) -> None:
    _error(api.call("GET", "/api/v1/tasks", params={"id_gt": "abc"}), 400, "VALIDATION_ERROR", "id_gt")
    _error(api.call("GET", "/api/v1/tasks", params={"sort": "colour"}), 400, "VALIDATION_ERROR", "sort")
    _error(api.call("GET", "/api/v1/assignments", params={"status": "DONE"}), 400, "VALIDATION_ERROR", "status")
    _error(api.call("GET", "/api/v1/pools", params={"limit": "0"}), 400, "VALIDATION_ERROR", "limit")
    _error(api.call("POST", "/api/v1/tasks", json=[], params={"async_mode": "maybe"}), 400, "VALIDATION_ERROR")


def test_worker_cannot_touch_another_workers_suite(api: Api) -> None:
    pool = make_pool(api)
    add_tasks(api, pool["id"], 2)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    ann, bob = worker(api, "ann"), worker(api, "bob")
    suite = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=ann["headers"])
    response = api.call("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=bob["headers"],
                        json={"solutions": [{"output_values": {"result": "a"}}]})
    _error(response, 403, "ACCESS_DENIED", "not yours")
    _error(api.call("POST", "/api/v1/workers", json={"login": "ann"}), 409, "ALREADY_EXISTS", "ann")
