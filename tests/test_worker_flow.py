"""Issuing, submitting, skipping, expiry and review, through the worker and requester APIs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from clipcrowd.domain.timeutil import utcnow
from clipcrowd.services import maintenance
from clipcrowd.store.tables import assignments
from tests.apiclient import Api, add_tasks, make_pool, worker


def test_suite_submit_and_auto_accept_closes_pool(api: Api) -> None:
    pool = make_pool(api, defaults={"default_overlap_for_new_task_suites": 1})
    add_tasks(api, pool["id"], 2)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    ann = worker(api, "ann")
    for _ in range(2):
        suite = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=ann["headers"])
        assert "known_solutions" not in str(suite)
        done = api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=ann["headers"],
                      json={"solutions": [{"output_values": {"result": "a"}}]})
        assert done["status"] == "ACCEPTED"
    closed = api.ok("GET", f"/api/v1/pools/{pool['id']}")
    assert closed["status"] == "CLOSED" and closed["last_close_reason"] == "COMPLETED"
    accepted = api.ok("GET", "/api/v1/assignments", params={"pool_id": pool["id"], "status": "ACCEPTED"})["items"]
    assert len(accepted) == 2 and all(a["solutions"][0]["output_values"] == {"result": "a"} for a in accepted)
    assert api.ok("GET", f"/api/v1/workers/{ann['id']}")["balance"] == 0.02


def test_worker_never_gets_a_task_twice_and_overlap_is_kept(api: Api) -> None:
    pool = make_pool(api, defaults={"default_overlap_for_new_task_suites": 2})
    add_tasks(api, pool["id"], 1)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    ann, bob, cat = worker(api, "ann"), worker(api, "bob"), worker(api, "cat")
    first = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=ann["headers"])
    again = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=ann["headers"])
    assert again["id"] == first["id"]  # the open suite, not a second copy
    api.ok("POST", f"/api/v1/worker/assignments/{first['id']}/submit", headers=ann["headers"],
           json={"solutions": [{"output_values": {"result": "b"}}]})
    # the pool is still open (overlap 2) but ann has seen the only task
    response = api.call("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=ann["headers"])
    assert response.status_code == 409 and response.json()["code"] == "NO_TASKS_AVAILABLE"
    api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=bob["headers"])
    full = api.call("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=cat["headers"])
    assert full.json()["code"] == "NO_TASKS_AVAILABLE"


def test_skip_and_expiry_give_tasks_back(api: Api) -> None:
    pool = make_pool(api, defaults={"default_overlap_for_new_task_suites": 1})
    add_tasks(api, pool["id"], 1)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    ann, bob, cat = worker(api, "ann"), worker(api, "bob"), worker(api, "cat")
    suite = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=ann["headers"])
    assert api.call("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=bob["headers"]).status_code == 409
    api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/skip", headers=ann["headers"])
    bobs = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=bob["headers"])
    db = api.client.app.state.db  # type: ignore[attr-defined]
    with db.write() as conn:
        conn.execute(update(assignments).where(assignments.c.id == int(bobs["id"]))
                     .values(deadline=utcnow() - timedelta(seconds=1)))
    assert maintenance.tick(db).expired == 1
    late = api.call("POST", f"/api/v1/worker/assignments/{bobs['id']}/submit", headers=bob["headers"],
                    json={"solutions": [{"output_values": {"result": "a"}}]})
    assert late.status_code == 409
    cats = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=cat["headers"])
    assert cats["tasks"][0]["input_values"] == suite["tasks"][0]["input_values"]  # the same task, reissued
    statuses = {a["status"] for a in api.ok("GET", "/api/v1/assignments", params={"pool_id": pool["id"]})["items"]}
    assert statuses == {"SKIPPED", "EXPIRED", "ACTIVE"}


def test_review_reject_returns_task_and_reopens_pool(api: Api) -> None:
    pool = make_pool(api, defaults={"default_overlap_for_new_task_suites": 1}, auto_accept_solutions=False,
                     auto_accept_period_day=1)
    add_tasks(api, pool["id"], 1)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    ann, bob = worker(api, "ann"), worker(api, "bob")
    suite = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=ann["headers"])
    submitted = api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=ann["headers"],
                       json={"solutions": [{"output_values": {"result": "a"}}]})
    assert submitted["status"] == "SUBMITTED"
    assert api.ok("GET", f"/api/v1/pools/{pool['id']}")["last_close_reason"] == "COMPLETED"
    no_comment = api.call("PATCH", f"/api/v1/assignments/{suite['id']}", json={"status": "REJECTED"})
    assert no_comment.status_code == 400 and "public_comment" in no_comment.json()["message"]
    rejected = api.ok("PATCH", f"/api/v1/assignments/{suite['id']}",
                      json={"status": "REJECTED", "public_comment": "too dark"})
    assert rejected["status"] == "REJECTED" and rejected["public_comment"] == "too dark"
    assert api.ok("GET", f"/api/v1/pools/{pool['id']}")["status"] == "OPEN"
    again = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=bob["headers"])
    assert again["tasks"][0]["input_values"] == suite["tasks"][0]["input_values"]
    # the requester changes her mind: a rejected assignment may still be accepted (and paid), the
    # task stays with bob; an accepted one is not rejected afterwards
    paid_before = api.ok("GET", f"/api/v1/workers/{ann['id']}")["balance"]
    accepted = api.ok("PATCH", f"/api/v1/assignments/{suite['id']}",
                      json={"status": "ACCEPTED", "public_comment": "ok"})
    assert accepted["status"] == "ACCEPTED" and accepted["public_comment"] == "ok"
    assert api.ok("GET", f"/api/v1/workers/{ann['id']}")["balance"] == pytest.approx(paid_before + suite["reward"])
    assert api.ok("GET", "/api/v1/assignments", params={"pool_id": pool["id"], "status": "ACTIVE"})["items"][0][
        "user_id"] == bob["id"]
    twice = api.call("PATCH", f"/api/v1/assignments/{suite['id']}", json={"status": "REJECTED", "public_comment": "no"})
    assert twice.status_code == 409 and "only SUBMITTED" in twice.json()["message"]


def test_auto_accept_after_review_period(api: Api) -> None:
    pool = make_pool(api, defaults={"default_overlap_for_new_task_suites": 1}, auto_accept_solutions=False,
                     auto_accept_period_day=1)
    add_tasks(api, pool["id"], 1)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    ann = worker(api, "ann")
    suite = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=ann["headers"])
    api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=ann["headers"],
           json={"solutions": [{"output_values": {"result": "a"}}]})
    db = api.client.app.state.db  # type: ignore[attr-defined]
    assert maintenance.tick(db).auto_accepted == 0
    with db.write() as conn:
        conn.execute(update(assignments).values(submitted=utcnow() - timedelta(days=1, seconds=1)))
    assert maintenance.tick(db).auto_accepted == 1
    assert api.ok("GET", f"/api/v1/assignments/{suite['id']}")["status"] == "ACCEPTED"


def test_answers_within_their_review_period_do_not_hold_back_overdue_ones(api: Api) -> None:
    """A batch of the tick takes only overdue answers: three fresh submissions listed first must not
    fill a batch of two while a later, overdue one waits."""
    pool = make_pool(api, defaults={"default_overlap_for_new_task_suites": 1}, auto_accept_solutions=False,
                     auto_accept_period_day=1)
    add_tasks(api, pool["id"], 4)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    ids = []
    for name in ("ann", "bob", "cat", "dan"):
        person = worker(api, name)
        suite = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=person["headers"])
        api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=person["headers"],
               json={"solutions": [{"output_values": {"result": "a"}}]})
        ids.append(int(suite["id"]))
    db = api.client.app.state.db  # type: ignore[attr-defined]
    with db.write() as conn:
        conn.execute(update(assignments).where(assignments.c.id == max(ids))
                     .values(submitted=utcnow() - timedelta(days=1, seconds=1)))
    assert maintenance.tick(db, batch=2).auto_accepted == 1
    statuses = {int(a["id"]): a["status"] for a in
                api.ok("GET", "/api/v1/assignments", params={"pool_id": pool["id"]})["items"]}
    assert statuses == {i: ("ACCEPTED" if i == max(ids) else "SUBMITTED") for i in ids}


def test_pool_expires(api: Api) -> None:
    pool = make_pool(api)
    add_tasks(api, pool["id"], 1)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    db = api.client.app.state.db  # type: ignore[attr-defined]
    from clipcrowd.store.tables import pools

    with db.write() as conn:
        conn.execute(update(pools).values(will_expire=utcnow() - timedelta(seconds=1)))
    assert maintenance.tick(db).pools_closed == 1
    assert api.ok("GET", f"/api/v1/pools/{pool['id']}")["last_close_reason"] == "EXPIRED"


def test_file_output_upload_and_download(api: Api) -> None:
    project = api.ok("POST", "/api/v1/projects", json={
        "public_name": "video", "task_spec": {"input_spec": {"text": {"type": "string"}},
                                              "output_spec": {"path": {"type": "file"}}}})
    from tests.factories import pool_body

    pool = api.ok("POST", "/api/v1/pools", json=pool_body(project["id"], defaults={
        "default_overlap_for_new_task_suites": 1}))
    add_tasks(api, pool["id"], 1)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    ann = worker(api, "ann")
    suite = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=ann["headers"])
    forged = api.call("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=ann["headers"],
                      json={"solutions": [{"output_values": {"path": "000000000777"}}]})
    assert forged.status_code == 400 and "solutions[0].output_values.path" in forged.json()["message"]
    from clipcrowd.sim.media import tiny_video

    content = tiny_video(seed=3)
    uploaded = api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/attachments", params={"name": "v.mp4"},
                      content=content, headers={**ann["headers"], "Content-Type": "video/mp4"})
    api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=ann["headers"],
           json={"solutions": [{"output_values": {"path": uploaded["id"]}}]})
    meta = api.ok("GET", f"/api/v1/attachments/{uploaded['id']}")
    assert meta["attachment_type"] == "ASSIGNMENT_ATTACHMENT" and meta["details"]["assignment_id"] == suite["id"]
    downloaded = api.call("GET", f"/api/v1/attachments/{uploaded['id']}/download", expect=200)
    assert downloaded.content == content
    partial = api.call("GET", f"/api/v1/attachments/{uploaded['id']}/download", headers={"Range": "bytes=0-99"})
    assert partial.status_code == 206 and partial.content == content[:100]


def test_golden_answers_never_reach_a_worker(api: Api) -> None:
    secret = "zz-known-answer-zz"
    project = api.ok("POST", "/api/v1/projects", json={
        "public_name": "labels", "task_spec": {"input_spec": {"text": {"type": "string"}},
                                               "output_spec": {"result": {"type": "string"}}}})
    from tests.factories import pool_body

    pool = api.ok("POST", "/api/v1/pools", json=pool_body(project["id"], mixer_config={
        "real_tasks_count": 1, "golden_tasks_count": 1, "training_tasks_count": 0}))
    add_tasks(api, pool["id"], 2, infinite_overlap=True, known_solutions=[{"output_values": {"result": secret}}])
    add_tasks(api, pool["id"], 2)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    ann = worker(api, "ann")
    seen = [api.call("GET", "/api/v1/worker/pools", headers=ann["headers"]).text]
    issued = api.call("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=ann["headers"])
    suite = issued.json()
    assert len(suite["tasks"]) == 2
    seen += [issued.text, api.call("GET", f"/api/v1/worker/assignments/{suite['id']}", headers=ann["headers"]).text]
    wrong = api.call("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=ann["headers"],
                     json={"solutions": [{"output_values": {"result": 5}}] * 2})
    done = api.call("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=ann["headers"],
                    json={"solutions": [{"output_values": {"result": "guess"}}] * 2})
    seen += [wrong.text, done.text, api.call("GET", "/api/v1/worker/me", headers=ann["headers"]).text]
    assert done.status_code == 200
    for body in seen:
        assert secret not in body and "known_solutions" not in body and "golden" not in body
    # the requester, on the other hand, sees them
    assert secret in api.call("GET", f"/api/v1/assignments/{suite['id']}").text


def test_maintenance_closes_a_pool_whose_completion_was_missed(api: Api) -> None:
    """Two last submissions side by side may both miss that the pool is complete: the loop notices."""
    pool = make_pool(api, defaults={"default_overlap_for_new_task_suites": 1})
    add_tasks(api, pool["id"], 2)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    db = api.client.app.state.db  # type: ignore[attr-defined]
    from clipcrowd.store.tables import tasks

    with db.write() as conn:
        conn.execute(update(tasks).values(assigned_count=1, answered_count=1))
    assert maintenance.tick(db).pools_closed == 1
    closed = api.ok("GET", f"/api/v1/pools/{pool['id']}")
    assert (closed["status"], closed["last_close_reason"]) == ("CLOSED", "COMPLETED")
    assert maintenance.tick(db).pools_closed == 0
