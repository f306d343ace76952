"""Webhook subscriptions: events POSTed after the subscription's cursor, retried with a doubling delay
and given up after a bound (driven by a controllable clock and a recording sender), and a real
delivery by the maintenance loop of a live server to an HTTP receiver. ASSIGNMENT_CREATED (read from the
assignments) and DYNAMIC_OVERLAP_COMPLETED (a settled task) are delivered like the others.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from clipcrowd.domain.ids import parse_id
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.services import events, pools, projects, webhooks
from clipcrowd.store.db import Database
from tests.apiclient import add_tasks, in_process, make_pool, worker
from tests.factories import pool_body, text_project
from tests.support import Live

URL = "http://receiver.invalid/hook"


class Sender:
    """Records every POST and answers with the next scripted status."""

    def __init__(self, *statuses: int):
        self.statuses, self.bodies = list(statuses), []  # type: ignore[var-annotated]

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        self.bodies.append((url, json.loads(body), headers, body))
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


def _pool(db: Database) -> int:
    project = projects.create(db, text_project())
    pool_id = parse_id(pools.create(db, pool_body(project["id"]))["id"])
    assert pool_id is not None
    return pool_id


def _event(db: Database, pool_id: int, kind: str = "POOL_CLOSED") -> None:
    with db.write() as conn:
        events.record(conn, kind, pool_id=pool_id)


def test_only_later_events_are_delivered_signed(db: Database) -> None:
    pool_id = _pool(db)
    _event(db, pool_id)  # before the subscription: never sent
    made = webhooks.upsert(db, [{"webhook_url": URL, "event_type": "POOL_CLOSED", "pool_id": str(pool_id),
                                 "secret_key": "s3cret"}])
    assert list(made["items"]) == ["0"] and made["validation_errors"] == {}
    _event(db, pool_id)
    _event(db, pool_id, "POOL_OPENED")  # another kind: not this subscription's
    sender = Sender(200)
    assert webhooks.deliver_due(db, post=sender) == 1
    url, body, headers, raw = sender.bodies[0]
    assert url == URL and [e["event_type"] for e in body["events"]] == ["POOL_CLOSED"]
    assert headers["X-Clipcrowd-Signature"] == "sha256=" + hmac.new(b"s3cret", raw, hashlib.sha256).hexdigest()
    assert webhooks.deliver_due(db, post=sender) == 0 and len(sender.bodies) == 1  # nothing new


def test_retries_back_off_then_give_up(db: Database) -> None:
    pool_id = _pool(db)
    sub = webhooks.upsert(db, [{"webhook_url": URL, "event_type": "POOL_CLOSED", "pool_id": str(pool_id)}])
    sub_id = parse_id(sub["items"]["0"]["id"])
    assert sub_id is not None
    _event(db, pool_id)
    start, sender = utcnow(), Sender(500, 0, 200)
    assert webhooks.deliver_due(db, now=start, post=sender) == 0  # attempt 1 fails
    assert webhooks.deliver_due(db, now=start + timedelta(milliseconds=900), post=sender) == 0
    assert len(sender.bodies) == 1  # not due before the first delay (1 s)
    assert webhooks.deliver_due(db, now=start + timedelta(seconds=1), post=sender) == 0  # attempt 2 fails
    assert webhooks.deliver_due(db, now=start + timedelta(seconds=2), post=sender) == 0
    assert len(sender.bodies) == 2  # the delay doubled to 2 s
    assert webhooks.deliver_due(db, now=start + timedelta(seconds=3), post=sender) == 1
    assert webhooks.get(db, sub_id)["delivered_count"] == 1
    _event(db, pool_id)
    dead, now = Sender(503), start + timedelta(seconds=4)
    for _ in range(webhooks.MAX_ATTEMPTS):
        webhooks.deliver_due(db, now=now, post=dead)
        now += webhooks.MAX_DELAY
    assert len(dead.bodies) == webhooks.MAX_ATTEMPTS
    assert "gave up on 1 event(s)" in webhooks.get(db, sub_id)["last_error"]
    webhooks.deliver_due(db, now=now, post=dead)
    assert len(dead.bodies) == webhooks.MAX_ATTEMPTS  # the given-up event is not sent again


@pytest.mark.parametrize(("item", "field"), [
    ({"webhook_url": "ftp://x/y", "event_type": "POOL_CLOSED"}, "webhook_url"),
    ({"webhook_url": "file:///etc/passwd", "event_type": "POOL_CLOSED"}, "webhook_url"),
    ({"webhook_url": URL, "event_type": "TASK_CREATED"}, "event_type"),
    ({"webhook_url": URL, "event_type": 5}, "event_type"),
    ({"webhook_url": URL, "event_type": ["ASSIGNMENT_CREATED"]}, "event_type"),
    ({"webhook_url": "http://", "event_type": "ASSIGNMENT_CREATED"}, "webhook_url"),
    ({"webhook_url": URL, "event_type": "POOL_CLOSED", "pool_id": "000000009999"}, "pool_id")])
def test_bad_subscriptions_are_refused_by_field(db: Database, item: dict[str, Any], field: str) -> None:
    pool_id = _pool(db)
    result = webhooks.upsert(db, [{"pool_id": str(pool_id), **item}])
    assert result["items"] == {} and field in result["validation_errors"]["0"]
    assert webhooks.deliver_due(db, post=Sender(200)) == 0


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]], threading.Event]]:
    got: list[dict[str, Any]] = []
    arrived = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()
            arrived.set()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", got, arrived
    server.shutdown()
    server.server_close()
    thread.join()


def test_live_delivery_from_the_maintenance_loop(live: Live, receiver: tuple[str, list[dict[str, Any]],
                                                                             threading.Event]) -> None:
    url, got, arrived = receiver
    with httpx.Client(base_url=live.url, headers=live.headers) as http:
        project = http.post("/api/v1/projects", json=text_project()).json()
        pool = http.post("/api/v1/pools", json=pool_body(project["id"])).json()
        subs = http.put("/api/v1/webhook-subscriptions",
                        json=[{"webhook_url": url, "event_type": "POOL_CLOSED", "pool_id": pool["id"]}]).json()
        assert http.get("/api/v1/webhook-subscriptions", params={"pool_id": pool["id"]}).json()["items"][0]["id"] \
            == subs["items"]["0"]["id"]
        http.post("/api/v1/tasks", params={"allow_defaults": "true"},
                  json=[{"pool_id": pool["id"], "input_values": {"text": "x"}}])
        assert http.post(f"/api/v1/pools/{pool['id']}/open").status_code == 202
        assert http.post(f"/api/v1/pools/{pool['id']}/close").status_code == 202
        assert arrived.wait(timeout=60), "no delivery"
        assert got[0]["events"][0] == {**got[0]["events"][0], "event_type": "POOL_CLOSED", "pool_id": pool["id"]}
        bad = http.put("/api/v1/webhook-subscriptions", json=[{"webhook_url": url, "event_type": "POOL_CLOSED"}])
        assert bad.status_code == 400 and "pool_id" in bad.json()["message"]
        sub_id = subs["items"]["0"]["id"]
        assert http.delete(f"/api/v1/webhook-subscriptions/{sub_id}").status_code == 204
        assert http.get(f"/api/v1/webhook-subscriptions/{sub_id}").status_code == 404


def test_assignment_created_and_dynamic_overlap_completed(db: Database, tmp_path: Path) -> None:
    """ASSIGNMENT_CREATED: the suites issued in the pool after the subscription, read from the assignments;
    DYNAMIC_OVERLAP_COMPLETED: a task that needs no more answers, with its id."""
    with in_process(db, tmp_path) as api:
        skill = api.ok("POST", "/api/v1/skills", json={"name": "weight"})
        pool = make_pool(api, defaults={"default_overlap_for_new_task_suites": 1}, dynamic_overlap_config={
            "type": "BASIC", "max_overlap": 2, "min_confidence": 0.5, "answer_weight_skill_id": skill["id"],
            "fields": [{"name": "result"}]})
        other = make_pool(api)
        tasks = add_tasks(api, pool["id"], 2)
        add_tasks(api, other["id"], 1)
        for opened in (pool, other):
            api.call("POST", f"/api/v1/pools/{opened['id']}/open", expect=202)
        early, late = worker(api, "early"), worker(api, "late")
        first = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=early["headers"])
        made = api.ok("PUT", "/api/v1/webhook-subscriptions", json=[
            {"webhook_url": URL, "event_type": kind, "pool_id": pool["id"]}
            for kind in ("ASSIGNMENT_CREATED", "DYNAMIC_OVERLAP_COMPLETED")])
        assert made["validation_errors"] == {}
        api.ok("POST", f"/api/v1/worker/pools/{other['id']}/next", headers=late["headers"])  # another pool
        second = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=late["headers"])
        for person, suite in ((early, first), (late, second)):
            api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=person["headers"],
                   json={"solutions": [{"output_values": {"result": "a"}} for _ in suite["tasks"]]})
    sender = Sender(200)
    assert webhooks.deliver_due(db, post=sender) == 3
    sent = {body["events"][0]["event_type"]: body["events"] for _, body, _, _ in sender.bodies}
    assert [e["assignment_id"] for e in sent["ASSIGNMENT_CREATED"]] == [second["id"]]  # not the earlier issue
    assert all(e["pool_id"] == pool["id"] and e["event_time"] for e in sent["ASSIGNMENT_CREATED"])
    # one answer each, sure of itself (confidence 1 >= 0.5): both tasks are settled
    assert sorted(e["task_id"] for e in sent["DYNAMIC_OVERLAP_COMPLETED"]) == sorted(t["id"] for t in tasks)
    assert webhooks.deliver_due(db, post=sender) == 0 and len(sender.bodies) == 2  # nothing new
