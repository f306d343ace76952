"""The requester-dialect routes toloka-kit's less common calls reach (check_update_project_for_major_version_change,
close_pool_for_update, patch_task of solutions, SYSTEM restrictions, get_analytics's subjects, the
app marketplace), through the ASGI app on both databases; tests/test_toloka_surface.py drives the
same routes through toloka-kit itself.
"""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import inspect, select, text

from clipcrowd.services import messages
from clipcrowd.store.db import Database
from clipcrowd.store.tables import message_threads
from tests.apiclient import Api, add_tasks, make_pool, worker
from tests.apiclient import expect_error as _error
from tests.factories import text_project
from tests.support import migrate


def test_project_update_check_changes_nothing(api: Api) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    check = f"/api/staging/projects/{project['id']}/check"
    assert api.ok("POST", check, json=project) == {"differenceLevel": "EQUAL"}
    assert api.ok("POST", check, json={**project, "public_description": "new words"}) == {
        "differenceLevel": "NON_BREAKING_CHANGE"}
    more = {**project["task_spec"], "output_spec": {"result": {"type": "string", "allowed_values": ["a", "b", "c"]}}}
    assert api.ok("POST", check, json={**project, "task_spec": more}) == {"differenceLevel": "BREAKING_CHANGE"}
    assert api.ok("GET", f"/api/v1/projects/{project['id']}")["task_spec"] == project["task_spec"]  # unchanged
    _error(api.call("POST", check, json={**project, "task_spec": {**more, "output_spec": {}}}), 400,
           "VALIDATION_ERROR", "output_spec")
    api.call("POST", "/api/staging/projects/000000009999/check", json=project, expect=404)


def test_close_for_update(api: Api) -> None:
    pool = make_pool(api)
    add_tasks(api, pool["id"], 1)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    op = api.call("POST", f"/api/v1/pools/{pool['id']}/close-for-update", expect=202).json()
    assert op["type"] == "POOL.CLOSE" and op["status"] == "SUCCESS"
    closed = api.ok("GET", f"/api/v1/pools/{pool['id']}")
    assert closed["status"] == "CLOSED" and closed["last_close_reason"] == "FOR_UPDATE"
    api.call("POST", f"/api/v1/pools/{pool['id']}/close-for-update", expect=204)  # already closed
    api.call("POST", "/api/v1/pools/000000009999/close-for-update", expect=404)


def test_patch_task_changes_only_what_is_sent(api: Api) -> None:
    pool = make_pool(api)
    task = add_tasks(api, pool["id"], 1)[0]
    path = f"/api/v1/tasks/{task['id']}"
    baseline = api.ok("PATCH", path, json={"baseline_solutions": [
        {"output_values": {"result": "a"}, "confidence_weight": 0.5}]})
    assert baseline["baseline_solutions"] == [{"output_values": {"result": "a"}, "confidence_weight": 0.5}]
    assert baseline["overlap"] == task["overlap"]  # kept
    golden = api.ok("PATCH", path, json={"known_solutions": [{"output_values": {"result": "b"}}],
                                         "message_on_unknown_solution": "it is b"})
    assert golden["known_solutions"][0]["output_values"] == {"result": "b"}
    assert golden["message_on_unknown_solution"] == "it is b" and golden["baseline_solutions"]
    counts = api.ok("POST", "/api/staging/analytics-2", json=[
        {"subject": "POOL", "subject_id": pool["id"], "name": "real_tasks_count"}])["details"]["value"]
    assert counts[0]["result"] == 0  # a control task now
    assert api.ok("PATCH", path, json={"overlap": 5})["overlap"] == 5
    real = api.ok("PATCH", path, json={"known_solutions": None})
    assert "known_solutions" not in real or not real["known_solutions"]
    for bad, field in (({"known_solutions": [{"output_values": {"result": "z"}}]}, "known_solutions[0]"),
                       ({"baseline_solutions": [{"output_values": {"nope": "a"}}]}, "baseline_solutions[0]"),
                       ({"baseline_solutions": [{"output_values": {"result": "a"}, "confidence_weight": 2}]},
                        "confidence_weight"),
                       ({"overlap": 0}, "overlap")):
        _error(api.call("PATCH", path, json=bad), 400, "VALIDATION_ERROR", field)


def test_system_restriction_bars_from_every_pool(api: Api) -> None:
    pool = make_pool(api)
    add_tasks(api, pool["id"], 1)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    ann = worker(api, "ann", languages=["EN"], client_type="BROWSER")
    made = api.ok("PUT", "/api/v1/user-restrictions", json={"user_id": ann["id"], "scope": "SYSTEM",
                                                            "private_comment": "by hand"})
    assert made["scope"] == "SYSTEM"
    refused = api.call("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=ann["headers"])
    assert refused.status_code == 403 and refused.json()["code"] == "RESTRICTED", refused.text
    listed = api.ok("GET", "/api/v1/user-restrictions", params={"scope": "SYSTEM"})["items"]
    assert [r["id"] for r in listed] == [made["id"]]
    api.call("DELETE", f"/api/v1/user-restrictions/{made['id']}", expect=204)
    assert api.call("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=ann["headers"]).status_code == 200
    _error(api.call("PUT", "/api/v1/user-restrictions", json={"user_id": ann["id"], "scope": "EVERYWHERE"}),
           400, "VALIDATION_ERROR", "scope")


def _analytics(api: Api, pool_id: str, *names: str, **extra: Any) -> dict[str, Any]:
    op = api.call("POST", "/api/staging/analytics-2", expect=202, json=[
        {"subject": "POOL", "subject_id": pool_id, "name": name, **extra} for name in names]).json()
    return {v["request"]["name"]: v["result"] for v in op["details"]["value"]}


def test_analytics_in_toloka_kits_names(api: Api) -> None:
    pool = make_pool(api, defaults={"default_overlap_for_new_task_suites": 2}, auto_accept_solutions=False)
    add_tasks(api, pool["id"], 2)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    people = [worker(api, name, languages=["EN"], client_type="BROWSER") for name in ("ann", "bob", "cat")]
    taken = [api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=p["headers"]) for p in people]
    for suite, person in zip(taken[:2], people, strict=False):
        api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=person["headers"],
               json={"solutions": [{"output_values": {"result": "a"}}]})
    api.ok("PATCH", f"/api/v1/assignments/{taken[0]['id']}", json={"status": "ACCEPTED"})
    api.ok("POST", "/api/v1/user-bonuses", json={"user_id": people[0]["id"], "amount": "0.25",
                                                 "assignment_id": taken[0]["id"], "without_message": True})
    names = ("approved_assignments_count", "unique_workers_count", "unique_submitters_count",
             "avg_submit_assignment_millis", "spent_budget", "estimated_assignments_count")
    stats = _analytics(api, pool["id"], *names)
    assert stats["approved_assignments_count"] == 1
    assert stats["unique_workers_count"] == 3 and stats["unique_submitters_count"] == 2
    assert stats["avg_submit_assignment_millis"] >= 0
    assert abs(stats["spent_budget"] - (0.01 + 0.25)) < 1e-9  # one accepted reward and its bonus
    assert stats["estimated_assignments_count"] == {"value": 2}  # 4 answers wanted, 2 in
    active = _analytics(api, pool["id"], "active_workers_by_filter_count", interval_hours=1)
    assert active["active_workers_by_filter_count"] == 3
    _error(api.call("POST", "/api/staging/analytics-2", json=[
        {"subject": "POOL", "subject_id": pool["id"], "name": "active_workers_by_filter_count"}]),
        400, "VALIDATION_ERROR", "[0].interval_hours")
    _error(api.call("POST", "/api/staging/analytics-2", json=[
        {"subject": "POOL", "subject_id": pool["id"], "name": "mood"}]), 400, "VALIDATION_ERROR", "[0].name")


def test_app_marketplace_is_refused_by_name(api: Api) -> None:
    for method, path in (("GET", "/api/app/v0/app-projects"), ("POST", "/api/app/v0/app-projects/1/batches"),
                         ("PATCH", "/api/app/v0/app-projects/1/batches/2"), ("GET", "/api/app/v0/apps/x")):
        body = _error(api.call(method, path, json={}), 400, "NOT_SUPPORTED", "not supported by clipcrowd")
        assert body["payload"] == {"path": path}


def test_thread_folders_migration_goes_down_and_up(db: Database) -> None:
    """0021 adds `folders` and `replies`; a thread written before it is in OUTBOX afterwards."""
    migrate(db, command.downgrade, "0020_label_runs")
    with db.engine.begin() as conn:
        assert "folders" not in {c["name"] for c in inspect(conn).get_columns("message_threads")}
        conn.execute(text("INSERT INTO message_threads (topic, text, answerable, recipients_select_type, "
                          "recipient_ids, created) VALUES ('{}', '{}', true, 'ALL', '[]', '2026-01-01 00:00:00')"))
    migrate(db, command.upgrade, "head")
    with db.read() as conn:
        row = conn.execute(select(message_threads)).one()
    assert row.folders == ",OUTBOX," and row.replies is None
    assert messages.present(row)["folders"] == ["OUTBOX"]


def test_a_tasks_remaining_overlap_counts_its_copies_out(api: Api) -> None:
    pool = make_pool(api)
    task = add_tasks(api, pool["id"], 1, overlap=2)[0]
    golden = api.ok("POST", "/api/v1/tasks", json={
        "pool_id": pool["id"], "input_values": {"text": "g"}, "infinite_overlap": True,
        "known_solutions": [{"output_values": {"result": "a"}}]})
    assert task["remaining_overlap"] == 2  # in the batch's answer too
    assert "remaining_overlap" not in golden  # an infinite overlap has no remainder
    api.ok("POST", f"/api/v1/pools/{pool['id']}/open")
    left = lambda: api.ok("GET", f"/api/v1/tasks/{task['id']}")["remaining_overlap"]  # noqa: E731
    person = worker(api, "counted", languages=["EN"], client_type="BROWSER")
    suite = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=person["headers"])
    assert left() == 1
    api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/skip", headers=person["headers"])
    assert left() == 2  # a skipped copy goes back to the crowd
    other = worker(api, "answering", languages=["EN"], client_type="BROWSER")
    suite = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=other["headers"])
    api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=other["headers"],
           json={"solutions": [{"output_values": {"result": "a"}}]})
    assert left() == 1
    assert [t["remaining_overlap"] for t in api.ok("GET", "/api/v1/tasks", params={"pool_id": pool["id"]})["items"]
            if not t["infinite_overlap"]] == [1]
