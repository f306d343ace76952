"""Pool priority and clones, operations search, user metadata, one-task aggregation, user bonuses and
message threads through the API: what they do, and that hostile input is refused naming the field
with nothing written.
"""

from __future__ import annotations

from typing import Any

from tests.apiclient import Api, add_tasks, make_pool, worker
from tests.apiclient import expect_error as _error

OP_ID = "5a0c8f0e-1d2b-4c3d-9e4f-a0b1c2d3e4f5"


def _answered_pool(api: Api, answers: list[tuple[str, str, float]], skill_id: str) -> tuple[dict[str, Any], str]:
    """One task answered by one worker per (login, answer, skill value)."""
    pool = make_pool(api, defaults={"default_overlap_for_new_tasks": len(answers)})
    task = add_tasks(api, pool["id"], 1)[0]
    api.ok("POST", f"/api/v1/pools/{pool['id']}/open")
    for login, answer, value in answers:
        person = worker(api, login, languages=["EN"], client_type="BROWSER")
        api.ok("PUT", "/api/v1/user-skills", json={"user_id": person["id"], "skill_id": skill_id, "value": value})
        suite = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=person["headers"])
        api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=person["headers"],
               json={"solutions": [{"output_values": {"result": answer}}]})
    return pool, task["id"]


def test_patch_priority_and_clone(api: Api) -> None:
    pool = make_pool(api)
    assert api.ok("PATCH", f"/api/v1/pools/{pool['id']}", json={"priority": -7})["priority"] == -7
    for bad in ({"priority": 101}, {"priority": "5"}, {"priority": True}, {"priority": 1, "private_name": "x"}, {}):
        _error(api.call("PATCH", f"/api/v1/pools/{pool['id']}", json=bad), 400, "VALIDATION_ERROR")
    assert api.ok("GET", f"/api/v1/pools/{pool['id']}")["priority"] == -7
    add_tasks(api, pool["id"], 2)
    op = api.ok("POST", f"/api/v1/pools/{pool['id']}/clone")
    assert op["type"] == "POOL.CLONE" and op["status"] == "SUCCESS"
    copy = api.ok("GET", f"/api/v1/pools/{op['details']['pool_id']}")
    assert copy["id"] != pool["id"] and copy["project_id"] == pool["project_id"]
    assert copy["status"] == "CLOSED" and copy["priority"] == -7 and copy["private_name"] == pool["private_name"]
    assert api.ok("GET", "/api/v1/tasks", params={"pool_id": copy["id"]})["items"] == []
    _error(api.call("POST", "/api/v1/pools/000000009999/clone"), 404, "DOES_NOT_EXIST")
    found = api.ok("GET", "/api/v1/operations", params={"type": "POOL.CLONE"})["items"]
    assert [o["id"] for o in found] == [op["id"]]
    _error(api.call("GET", "/api/v1/operations", params={"status": "DONE"}), 400, "VALIDATION_ERROR", "status")


def test_user_metadata(api: Api) -> None:
    person = worker(api, "meta", languages=["EN", "FR"], client_type="TOLOKA_APP", profile={"country": "FR"})
    meta = api.ok("GET", f"/api/v1/user-metadata/{person['id']}")
    assert meta == {"id": person["id"], "languages": ["EN", "FR"], "country": "FR",
                    "attributes": {"client_type": "TOLOKA_APP"}}
    _error(api.call("GET", "/api/v1/user-metadata/000000009999"), 404, "DOES_NOT_EXIST")


def test_aggregate_one_task_weighs_answers_by_skill(api: Api) -> None:
    skill = api.ok("POST", "/api/v1/skills", json={"name": "weight"})
    pool, task_id = _answered_pool(api, [("w1", "a", 10), ("w2", "a", 10), ("w3", "b", 80)], skill["id"])
    body = {"type": "WEIGHTED_DYNAMIC_OVERLAP", "task_id": task_id, "pool_id": pool["id"],
            "answer_weight_skill_id": skill["id"], "fields": [{"name": "result"}]}
    result = api.ok("POST", "/api/v1/aggregated-solutions/aggregate-by-task", json=body)
    assert result["output_values"] == {"result": "b"} and abs(result["confidence"] - 0.8) < 1e-9
    other = make_pool(api)
    _error(api.call("POST", "/api/v1/aggregated-solutions/aggregate-by-task", json={**body, "pool_id": other["id"]}),
           400, "VALIDATION_ERROR", "pool_id")
    _error(api.call("POST", "/api/v1/aggregated-solutions/aggregate-by-task", json={**body, "fields": []}),
           400, "VALIDATION_ERROR", "fields")
    _error(api.call("POST", "/api/v1/aggregated-solutions/aggregate-by-task", json={**body, "type": "DAWID_SKENE"}),
           400, "VALIDATION_ERROR", "type")


def test_bonuses_are_checked_recorded_and_paid(api: Api) -> None:
    person = worker(api, "paid", languages=["EN"], client_type="BROWSER")
    other = worker(api, "other", languages=["EN"], client_type="BROWSER")
    good = {"user_id": person["id"], "amount": "0.50", "public_title": {"EN": "Thanks"},
            "public_message": {"EN": "Well done"}}
    for bad, field in (({**good, "amount": "0.001"}, "amount"), ({**good, "amount": "-1"}, "amount"),
                       ({**good, "amount": "abc"}, "amount"), ({**good, "amount": 1000}, "amount"),
                       ({**good, "amount": "NaN"}, "amount"), ({**good, "user_id": "000000009999"}, "user_id"),
                       ({**good, "assignment_id": "000000000001"}, "assignment_id"),
                       ({"user_id": person["id"], "amount": "1"}, "public_message")):
        _error(api.call("POST", "/api/v1/user-bonuses", json=bad), 400, "VALIDATION_ERROR", field)
    _error(api.call("POST", "/api/v1/user-bonuses", json=[good, {**good, "amount": "x"}]), 400, "VALIDATION_ERROR",
           "amount")
    assert api.ok("GET", "/api/v1/user-bonuses")["items"] == []
    assert api.ok("GET", f"/api/v1/workers/{person['id']}")["balance"] == 0
    one = api.ok("POST", "/api/v1/user-bonuses", json=good)
    assert one["amount"] == "0.50" and one["user_id"] == person["id"]
    mixed = api.ok("POST", "/api/v1/user-bonuses", params={"skip_invalid_items": "true"},
                   json=[{**good, "amount": 2}, {**good, "user_id": "x"}])
    assert list(mixed["items"]) == ["0"] and list(mixed["validation_errors"]) == ["1"]
    op = api.ok("POST", "/api/v1/user-bonuses", params={"async_mode": "true", "operation_id": OP_ID},
                json=[{**good, "user_id": other["id"], "amount": "0.25", "__item_idx": "0"}])
    assert op["type"] == "USER_BONUS.BATCH_CREATE" and op["status"] == "SUCCESS"
    log = api.ok("GET", f"/api/v1/operations/{op['id']}/log")
    assert log[0]["success"] and log[0]["input"]["__item_idx"] == "0"
    assert api.ok("GET", f"/api/v1/user-bonuses/{log[0]['output']['user_bonus_id']}")["amount"] == "0.25"
    _error(api.call("POST", "/api/v1/user-bonuses", params={"async_mode": "true", "operation_id": OP_ID}, json=good),
           409, "OPERATION_ALREADY_EXISTS")
    assert abs(api.ok("GET", f"/api/v1/workers/{person['id']}")["balance"] - 2.5) < 1e-9
    assert len(api.ok("GET", "/api/v1/user-bonuses", params={"user_id": person["id"]})["items"]) == 2
    _error(api.call("GET", "/api/v1/user-bonuses", params={"user_id": "nope"}), 400, "VALIDATION_ERROR", "user_id")


def test_message_threads(api: Api) -> None:
    one = worker(api, "m1", languages=["EN"], client_type="BROWSER")
    two = worker(api, "m2", languages=["DE"], client_type="BROWSER")
    body = {"recipients_select_type": "DIRECT", "topic": {"EN": "Hi"}, "text": {"EN": "Thanks"},
            "recipients_ids": [one["id"]]}
    direct = api.ok("POST", "/api/v1/message-threads/compose", json=body)
    assert direct["compose_details"]["recipients_ids"] == [one["id"]]
    assert direct["messages"][0]["text"] == {"EN": "Thanks"}
    assert direct["folders"] == ["OUTBOX"]
    everyone = api.ok("POST", "/api/v1/message-threads/compose", json={**body, "recipients_select_type": "ALL"})
    assert everyone["compose_details"]["recipients_ids"] == sorted([one["id"], two["id"]])
    german = {"and": [{"or": [{"category": "profile", "key": "languages", "operator": "IN", "value": "DE"}]}]}
    filtered = api.ok("POST", "/api/v1/message-threads/compose",
                      json={**body, "recipients_select_type": "FILTER", "recipients_filter": german})
    assert filtered["compose_details"]["recipients_ids"] == [two["id"]]  # the filter's audience, frozen
    for bad, field in (({**body, "recipients_select_type": "FILTER"}, "recipients_filter"),
                       ({**body, "recipients_select_type": "FILTER", "recipients_filter": {"and": []}},
                        "recipients_filter.and"),
                       ({**body, "recipients_ids": ["000000009999"]}, "recipients_ids"),
                       ({**body, "recipients_ids": []}, "recipients_ids"), ({**body, "topic": {"EN": " "}}, "topic"),
                       ({**body, "text": "plain"}, "text")):
        _error(api.call("POST", "/api/v1/message-threads/compose", json=bad), 400, "VALIDATION_ERROR", field)
    threads = [direct["id"], everyone["id"], filtered["id"]]
    for folder in ("OUTBOX", "OUTGOING"):  # OUTGOING: clipcrowd's earlier name, still searched
        assert [t["id"] for t in api.ok("GET", "/api/v1/message-threads", params={"folder": folder})["items"]] \
            == threads
    assert api.ok("GET", "/api/v1/message-threads", params={"folder": "INBOX"})["items"] == []
    _error(api.call("GET", "/api/v1/message-threads", params={"folder": "SPAM"}), 400, "VALIDATION_ERROR", "folder")
    # the requester replies, and files a thread as important and unread, then takes it out again
    replied = api.ok("POST", f"/api/v1/message-threads/{direct['id']}/reply", json={"text": {"EN": "One more"}})
    assert [m["text"] for m in replied["messages"]] == [{"EN": "Thanks"}, {"EN": "One more"}]
    assert api.ok("GET", f"/api/v1/message-threads/{direct['id']}")["messages"][1]["text"] == {"EN": "One more"}
    _error(api.call("POST", f"/api/v1/message-threads/{direct['id']}/reply", json={"text": {"EN": ""}}),
           400, "VALIDATION_ERROR", "text")
    filed = api.ok("POST", f"/api/v1/message-threads/{direct['id']}/add-to-folders",
                   json={"folders": ["IMPORTANT", "UNREAD"]})
    assert filed["folders"] == ["OUTBOX", "IMPORTANT", "UNREAD"]
    api.ok("POST", f"/api/v1/message-threads/{everyone['id']}/add-to-folders", json={"folders": ["IMPORTANT"]})
    found = api.ok("GET", "/api/v1/message-threads", params={"folder": "IMPORTANT,UNREAD"})["items"]
    assert [t["id"] for t in found] == [direct["id"]]  # in every folder asked for
    left = api.ok("GET", "/api/v1/message-threads", params={"folder_ne": "IMPORTANT"})["items"]
    assert [t["id"] for t in left] == [filtered["id"]]
    taken = api.ok("POST", f"/api/v1/message-threads/{direct['id']}/remove-from-folders",
                   json={"folders": ["UNREAD"]})
    assert taken["folders"] == ["OUTBOX", "IMPORTANT"]
    for bad_folders in (["OUTBOX"], [], ["SPAM"]):
        _error(api.call("POST", f"/api/v1/message-threads/{direct['id']}/add-to-folders",
                        json={"folders": bad_folders}), 400, "VALIDATION_ERROR", "folders")
    api.call("POST", "/api/v1/message-threads/000000009999/reply", json={"text": {"EN": "x"}}, expect=404)
