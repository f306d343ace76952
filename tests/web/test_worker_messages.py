"""What a worker reads when she may not take a pool, in Chromium: what happened, why, until when (in her
own time zone), and a way back to her pools. The worker API sends the same sentence with the same code
and payload."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.services import pools, restrictions
from tests.factories import pool_body, text_project
from tests.web.axe import shots
from tests.web.conftest import LiveServer, sign_in_worker

pytestmark = pytest.mark.browser

APP_ONLY = {"and": [{"or": [{"category": "computed", "key": "client_type", "operator": "EQ", "value": "TOLOKA_APP"}]}]}


def _pool(live: LiveServer, **overrides: Any) -> tuple[str, str]:
    project = live.project(text_project())
    pool_id = live.pool(pool_body(project, **overrides), project)
    live.tasks(pool_id, [{"input_values": {"text": "one"}}])
    return project, pool_id


def _api_refusal(live: LiveServer, token: str, pool_id: str) -> dict[str, Any]:
    with httpx.Client(base_url=live.url, timeout=30) as http:
        answer = http.post(f"/api/v1/worker/pools/{pool_id}/next", headers={"Authorization": f"OAuth {token}"})
    assert answer.status_code in (403, 409)
    body: dict[str, Any] = answer.json()
    assert set(body) == {"code", "message", "payload", "request_id"} and body["payload"] is None  # as before
    return body


def test_project_restriction_says_scope_and_local_end(live: LiveServer, browser: Any) -> None:
    project, pool_id = _pool(live)
    ann = live.worker("ann")
    until = (utcnow() + timedelta(days=3)).replace(hour=22, minute=30, second=0, microsecond=0)
    restrictions.create(live.db, {"user_id": ann["id"], "scope": "PROJECT", "project_id": project,
                                  "will_expire": format_time(until), "private_comment": "secret note"})
    page = browser.new_page(viewport={"width": 1280, "height": 900}, timezone_id="Asia/Tokyo",
                               locale="en-GB")
    sign_in_worker(page, live, "ann")
    page.goto(f"{live.url}/w/pools/{pool_id}")
    text = page.inner_text("[data-testid=refusal]")
    assert "every pool of this project" in text and until.strftime("%Y-%m-%d 22:30 UTC") in text
    assert "secret note" not in page.content()  # the requester's private comment stays private
    local = until + timedelta(hours=9)  # Tokyo: 07:30 the next day
    shown = page.inner_text("[data-testid=refusal-until]")
    assert "07:30" in shown and str(local.day) in shown and "UTC" not in shown
    shots(page, "worker-refused-restricted")
    body = _api_refusal(live, ann["token"], pool_id)
    assert body["code"] == "RESTRICTED" and "every pool of this project" in body["message"]
    page.click("[data-testid=back-to-pools]")
    page.wait_for_url(f"{live.url}/w")


def test_closed_filtered_and_empty_pools_say_why(live: LiveServer, browser: Any) -> None:
    _, closed = _pool(live)
    pools.close_pool(live.db, int(closed))
    _, app_only = _pool(live, filter=APP_ONLY)
    _, small = _pool(live)
    bob = live.worker("bob")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_worker(page, live, "bob")

    page.goto(f"{live.url}/w/pools/{closed}")
    assert "its requester closed it" in page.inner_text("[data-testid=refusal]")
    assert _api_refusal(live, bob["token"], closed)["code"] == "POOL_CLOSED"

    page.goto(f"{live.url}/w/pools/{app_only}")
    text = page.inner_text("[data-testid=refusal]")
    assert "only for workers whose client type is TOLOKA_APP" in text
    shots(page, "worker-refused-filter")
    assert _api_refusal(live, bob["token"], app_only)["code"] == "FILTERED_OUT"

    # she answered the only task: the pool page says there is none left for her, and why
    with httpx.Client(base_url=live.url, timeout=30) as http:
        headers = {"Authorization": f"OAuth {bob['token']}"}
        suite = http.post(f"/api/v1/worker/pools/{small}/next", headers=headers).json()
        http.post(f"/api/v1/worker/assignments/{suite['id']}/submit", headers=headers,
                  json={"solutions": [{"output_values": {"result": "a"}}]}).raise_for_status()
    page.goto(f"{live.url}/w/pools/{small}")
    page.click("button:has-text('Start a task suite')")
    assert "answered every one" in page.inner_text("[data-testid=refusal]")
    shots(page, "worker-no-tasks")
