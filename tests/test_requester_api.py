"""The requester API in the toloka dialect, called through the ASGI app on both databases."""

from __future__ import annotations

import time
from pathlib import Path

from clipcrowd.store.db import Database
from tests.apiclient import Api, in_process, make_pool
from tests.factories import captured


def test_project_echoes_view_spec_verbatim(api: Api) -> None:
    body = captured("video_project.json")
    made = api.ok("POST", "/api/v1/projects", json=body)
    again = api.ok("GET", f"/api/v1/projects/{made['id']}")
    assert again["task_spec"]["view_spec"] == body["task_spec"]["view_spec"]
    assert isinstance(again["task_spec"]["view_spec"]["config"], str)
    assert again["status"] == "ACTIVE" and len(again["id"]) == 12


def test_skills_filter_by_name_and_page_by_id(api: Api) -> None:
    for i in range(5):
        api.ok("POST", "/api/v1/skills", json={"name": f"skill {i % 2}", "hidden": True})
    page = api.ok("GET", "/api/v1/skills", params={"name": "skill 1", "sort": "id"})
    assert [s["name"] for s in page["items"]] == ["skill 1", "skill 1"]
    first = api.ok("GET", "/api/v1/skills", params={"limit": 2, "sort": "id"})
    assert first["has_more"] is True
    rest = api.ok("GET", "/api/v1/skills", params={"id_gt": first["items"][-1]["id"], "sort": "id"})
    ids = [s["id"] for s in first["items"] + rest["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 5 and rest["has_more"] is False


def test_async_batch_creates_tasks_with_operation_and_log(db: Database, tmp_path: Path) -> None:
    with in_process(db, tmp_path, inline_batch_items=11) as api:  # 12 tasks: one more than is written at once
        pool = make_pool(api)
        tasks = [{"__item_idx": str(i), "pool_id": pool["id"], "input_values": {"text": f"t{i}"}} for i in range(12)]
        op_id = "0d3c4b1e-8f3a-4c55-9b7e-3a1f0e2d4c5b"
        started = api.ok("POST", "/api/v1/tasks", json=tasks,
                         params={"operation_id": op_id, "async_mode": "true", "allow_defaults": "true"})
        assert started["id"] == op_id and started["type"] == "TASK.BATCH_CREATE" and started["status"] == "RUNNING"
        deadline = time.monotonic() + 60  # the batch is written by the job runner, as clients poll for it
        while (status := api.ok("GET", f"/api/v1/operations/{op_id}")["status"]) == "RUNNING":
            assert time.monotonic() < deadline, "the batch was not written"
            time.sleep(0.05)
        assert status == "SUCCESS"
        _logged_tasks(api, op_id, pool["id"], 12)
        again = api.call("POST", "/api/v1/tasks", json=tasks, params={"operation_id": op_id, "async_mode": "true",
                                                                      "allow_defaults": "true"})
        assert again.status_code == 409 and again.json()["code"] == "OPERATION_ALREADY_EXISTS"


def test_a_small_async_batch_is_answered_with_its_finished_operation(db: Database, tmp_path: Path) -> None:
    with in_process(db, tmp_path, inline_batch_items=12) as api:
        pool = make_pool(api)
        tasks = [{"__item_idx": str(i), "pool_id": pool["id"], "input_values": {"text": f"t{i}"}} for i in range(12)]
        tasks.append({"__item_idx": "12", "pool_id": pool["id"], "input_values": {"nope": 1}})
        refused = api.call("POST", "/api/v1/tasks", json=tasks[:11] + tasks[12:], expect=202,
                           params={"async_mode": "true", "allow_defaults": "true"}).json()
        assert refused["status"] == "FAIL" and refused["finished"]  # one bad: none written
        assert refused["details"] == {"items_count": 12, "success_count": 0, "failed_count": 1}
        assert api.ok("GET", "/api/v1/tasks", params={"pool_id": pool["id"]})["items"] == []
        op_id = "6a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
        done = api.call("POST", "/api/v1/tasks", json=tasks[:12], expect=202,
                        params={"operation_id": op_id, "async_mode": "true", "allow_defaults": "true"}).json()
        assert done["id"] == op_id and done["status"] == "SUCCESS" and done["finished"]
        assert done["details"] == {"items_count": 12, "success_count": 12, "failed_count": 0}
        _logged_tasks(api, op_id, pool["id"], 12)
        mixed = api.call("POST", "/api/v1/tasks", json=tasks[:1] + tasks[12:], expect=202, params={
            "async_mode": "true", "allow_defaults": "true", "skip_invalid_items": "true"}).json()
        assert mixed["status"] == "SUCCESS" and mixed["details"]["failed_count"] == 1
        log = api.ok("GET", f"/api/v1/operations/{mixed['id']}/log")
        assert [entry["success"] for entry in log] == [True, False]


def _logged_tasks(api: Api, op_id: str, pool_id: str, count: int) -> None:
    """The operation's log names each task it made, in the order given, and they are in the pool."""
    log = api.ok("GET", f"/api/v1/operations/{op_id}/log")
    assert [entry["input"]["__item_idx"] for entry in log] == [str(i) for i in range(count)]
    ids = [entry["output"]["task_id"] for entry in log]
    found = api.ok("GET", "/api/v1/tasks", params={"pool_id": pool_id, "id_gte": min(ids), "id_lte": max(ids)})
    assert sorted(t["id"] for t in found["items"]) == sorted(ids)
    assert all(t["overlap"] == 3 and t["infinite_overlap"] is False for t in found["items"])


def test_sync_batch_and_overlap_change(api: Api) -> None:
    pool = make_pool(api)
    result = api.ok("POST", "/api/v1/tasks", params={"allow_defaults": "true"}, json=[
        {"pool_id": pool["id"], "input_values": {"text": "x"}, "overlap": 5},
        {"pool_id": pool["id"], "input_values": {"text": "g"}, "infinite_overlap": True,
         "known_solutions": [{"output_values": {"result": "a"}}]}])
    plain, golden = result["items"]["0"], result["items"]["1"]
    assert plain["overlap"] == 5 and golden["infinite_overlap"] is True and "overlap" not in golden
    changed = api.ok("PATCH", f"/api/v1/tasks/{plain['id']}", json={"overlap": 2})
    assert changed["overlap"] == 2


def test_pool_lifecycle_open_close_archive(api: Api) -> None:
    pool = make_pool(api)
    empty = api.call("POST", f"/api/v1/pools/{pool['id']}/open")
    assert empty.status_code == 409 and empty.json()["code"] == "EMPTY_POOL"
    api.ok("POST", "/api/v1/tasks", json=[{"pool_id": pool["id"], "input_values": {"text": "x"}}],
           params={"allow_defaults": "true"})
    opened = api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202).json()
    assert opened["type"] == "POOL.OPEN" and opened["status"] == "SUCCESS"
    assert api.call("POST", f"/api/v1/pools/{pool['id']}/open").status_code == 204
    assert api.ok("GET", f"/api/v1/pools/{pool['id']}")["status"] == "OPEN"
    assert api.call("POST", f"/api/v1/pools/{pool['id']}/archive").json()["code"] == "POOL_INAPPROPRIATE_STATUS"
    api.call("POST", f"/api/v1/pools/{pool['id']}/close", expect=202)
    closed = api.ok("GET", f"/api/v1/pools/{pool['id']}")
    assert closed["status"] == "CLOSED" and closed["last_close_reason"] == "MANUAL"
    api.call("POST", f"/api/v1/pools/{pool['id']}/archive", expect=202)
    assert api.ok("GET", f"/api/v1/pools/{pool['id']}")["status"] == "ARCHIVED"


def test_restrictions_and_user_skills_crud(api: Api) -> None:
    pool = make_pool(api)
    worker = api.ok("POST", "/api/v1/workers", json={"login": "ann"})
    skill = api.ok("POST", "/api/v1/skills", json={"name": "care"})
    made = api.ok("PUT", "/api/v1/user-skills", json={"user_id": worker["id"], "skill_id": skill["id"], "value": 80})
    assert made["exact_value"] == 80
    api.ok("PUT", "/api/v1/user-skills", json={"user_id": worker["id"], "skill_id": skill["id"], "value": 60.5})
    listed = api.ok("GET", "/api/v1/user-skills", params={"user_id": worker["id"]})["items"]
    assert [s["exact_value"] for s in listed] == [60.5]
    api.call("DELETE", f"/api/v1/user-skills/{made['id']}", expect=204)
    assert api.ok("GET", "/api/v1/user-skills", params={"user_id": worker["id"]})["items"] == []
    restriction = api.ok("POST", "/api/v1/user-restrictions",
                         json={"user_id": worker["id"], "scope": "POOL", "pool_id": pool["id"]})
    assert api.ok("GET", "/api/v1/user-restrictions", params={"user_id": worker["id"]})["items"][0]["id"] == \
        restriction["id"]
    api.call("DELETE", f"/api/v1/user-restrictions/{restriction['id']}", expect=204)
    api.call("GET", f"/api/v1/user-restrictions/{restriction['id']}", expect=404)


def test_analytics_counts(api: Api) -> None:
    pool = make_pool(api)
    api.ok("POST", "/api/v1/tasks", json=[{"pool_id": pool["id"], "input_values": {"text": "x"}}],
           params={"allow_defaults": "true"})
    op = api.call("POST", "/api/staging/analytics-2", expect=202, json=[
        {"subject": "POOL", "subject_id": pool["id"], "name": "completion_percentage"},
        {"subject": "POOL", "subject_id": pool["id"], "name": "real_tasks_count"}]).json()
    assert op["type"] == "ANALYTICS" and op["status"] == "SUCCESS"
    assert op["details"]["value"][0]["result"] == {"value": 0.0}
    assert op["details"]["value"][1]["result"] == 1
