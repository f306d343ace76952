"""The review desk and the pool page's figures in Chromium: inputs shown as the worker saw them
(character references decoded, never as markup), a decision held for an undo (time driven by
Playwright's clock, so nothing waits for real seconds), the status in a live bar in view, local
dates, and answers per minute counted in answers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from clipcrowd.services import bulk_fill, review
from clipcrowd.services import tasks as task_service
from clipcrowd.store.tables import assignments
from tests.web.axe import shots
from tests.web.conftest import ARTIFACTS, LiveServer, sign_in_desk

pytestmark = pytest.mark.browser
HOSTILE = '<img src=x id="injected">'
INPUTS = ["&#128077; &amp; &lt;b&gt;bold&lt;/b&gt; &#10145; &#x1F44E;", HOSTILE, "plain", "fourth"]
PROJECT = {"public_name": "Gestures", "task_spec": {
    "input_spec": {"emoji": {"type": "string"}}, "output_spec": {"result": {"type": "string"}},
    "view_spec": {"config": {"view": {"type": "view.markdown", "content": {"type": "data.input", "path": "emoji"}}}}}}
POOL = {"private_name": "Gestures", "reward_per_assignment": 0.01, "assignment_max_duration_seconds": 600,
        "will_expire": "2099-01-01T00:00:00", "defaults": {"default_overlap_for_new_task_suites": 1}}


def submitted_pool(live: LiveServer) -> tuple[str, list[str]]:
    filled = bulk_fill.fill(live.db, PROJECT, POOL, count=len(INPUTS), overlap=1, crowd=1, status="SUBMITTED",
                            inputs=lambda i: {"emoji": INPUTS[i]})
    with live.db.read() as conn:
        ids = [str(a) for (a,) in conn.execute(select(assignments.c.id).where(
            assignments.c.pool_id == int(filled.pool_id)).order_by(assignments.c.id))]
    return filled.pool_id, ids


def status_of(live: LiveServer, assignment_id: str) -> str:
    return str(review.get(live.db, int(assignment_id))["status"])


def test_inputs_shown_as_the_worker_saw_them(live: LiveServer, browser: Any) -> None:
    pool_id, _ = submitted_pool(live)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_desk(page, live, f"/desk/pools/{pool_id}/review")
    page.wait_for_selector("body[data-ready='1']")
    cells = page.locator("[data-testid=input-value]")
    first = cells.nth(0)
    assert first.inner_text() == "👍 & <b>bold</b> ➡ 👎"  # decoded to text: the <b> is characters
    assert first.locator("b").count() == 0
    assert first.locator("span").get_attribute("title") == f"stored as {INPUTS[0]}"
    assert cells.nth(1).inner_text() == HOSTILE and page.locator("#injected").count() == 0
    assert cells.nth(2).locator("span").get_attribute("title") is None  # nothing to decode: no note
    shots(page, "desk-review-inputs")


def test_decision_is_held_for_an_undo_and_the_status_is_in_view(live: LiveServer, browser: Any) -> None:
    pool_id, ids = submitted_pool(live)
    page = browser.new_page(viewport={"width": 375, "height": 800}, timezone_id="Asia/Tokyo", locale="en-GB")
    page.clock.install()
    patches: list[str] = []
    page.on("request", lambda r: patches.append(r.url) if r.method == "PATCH" else None)
    sign_in_desk(page, live, f"/desk/pools/{pool_id}/review")
    page.wait_for_selector("body[data-ready='1']")
    page.clock.pause_at(datetime.now(UTC) + timedelta(seconds=1))  # from here time moves only when told

    # dates: the ISO (UTC, with a Z) in <time datetime>, the text in the reader's zone (Tokyo, UTC+9)
    stamp = page.locator("article.review").first.locator("header time")
    iso = stamp.get_attribute("datetime") or ""
    assert iso.endswith("Z")
    tokyo = datetime.fromisoformat(iso.removesuffix("Z")) + timedelta(hours=9)
    assert tokyo.strftime("%H:%M") in stamp.inner_text() and "T" not in stamp.inner_text()

    # accept with the key: said in the card and in the bar in view; nothing sent yet
    page.keyboard.press("a")
    first = page.locator("article.review").first
    assert "will be accepted in 5 seconds" in first.locator("[data-testid=decision]").inner_text()
    toast = page.locator("#review-message")
    assert toast.get_attribute("role") == "status" and "will be accepted" in toast.inner_text()
    box = toast.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= 800  # in the viewport, not below the queue
    page.screenshot(path=str(ARTIFACTS / "desk-review-undo-375.png"))  # axe needs timers: audited below
    page.clock.run_for(4000)
    assert status_of(live, ids[0]) == "SUBMITTED" and patches == []

    # undo within the window: never sent, still in the queue, even long after
    page.keyboard.press("u")
    assert "Undone" in toast.inner_text()
    assert first.locator("[data-testid=review-status]").inner_text() == "SUBMITTED"
    page.clock.run_for(20000)
    assert status_of(live, ids[0]) == "SUBMITTED" and patches == []

    # accept again and let the window pass: sent once, accepted
    first.get_by_role("button", name="Accept (a)").click()
    page.clock.run_for(5000)
    page.wait_for_selector("article.review >> nth=0 >> [data-testid=review-status]:text-is('ACCEPTED')")
    assert status_of(live, ids[0]) == "ACCEPTED" and len(patches) == 1

    # a rejection needs a comment; with one, it is held, then sent with it
    second = page.locator("article.review").nth(1)
    second.locator("input.comment").press("Enter")
    assert "Write a comment" in toast.inner_text() and status_of(live, ids[1]) == "SUBMITTED"
    second.locator("input.comment").fill("the hand is out of the frame")
    second.locator("input.comment").press("Enter")
    assert "will be rejected" in second.locator("[data-testid=decision]").inner_text()
    page.clock.run_for(5000)
    page.wait_for_selector("article.review >> nth=1 >> [data-testid=review-status]:text-is('REJECTED')")
    rejected = review.get(live.db, int(ids[1]))
    assert rejected["status"] == "REJECTED" and rejected["public_comment"] == "the hand is out of the frame"

    page.clock.resume()
    shots(page, "desk-review-decided")

    # leaving the page is not undoing: a decision still held is sent when the page is hidden for good
    # (the event the browser fires on leaving, dispatched here so the request is seen; after a real
    # unload the browser sends it without telling the page)
    page.locator("article.review").nth(2).get_by_role("button", name="Accept (a)").click()
    assert status_of(live, ids[2]) == "SUBMITTED"
    with page.expect_response(lambda r: r.request.method == "PATCH" and r.url.endswith(ids[2])) as sent:
        page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: false}))")
    assert sent.value.status == 200 and status_of(live, ids[2]) == "ACCEPTED"
    assert status_of(live, ids[3]) == "SUBMITTED"


def test_answers_per_minute_count_answers_not_suites(live: LiveServer, browser: Any) -> None:
    """Two suites of four tasks just submitted are eight answers: 8 / 15 min; 16 answers still wanted
    then take 30 min (counting suites said 2 / 15 min and 120 min)."""
    filled = bulk_fill.fill(live.db, PROJECT, POOL, count=8, overlap=1, suite=4, crowd=1, status="SUBMITTED",
                            inputs=lambda i: {"emoji": f"t{i}"})
    batch = task_service.prepare(live.db, [{"pool_id": filled.pool_id, "input_values": {"emoji": f"new {i}"},
                                            "overlap": 1} for i in range(16)], allow_defaults=False,
                                 skip_invalid=False)
    with live.db.write() as conn:
        task_service.write(conn, batch)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_desk(page, live, f"/desk/pools/{filled.pool_id}")
    assert page.inner_text("[data-testid=rate]") == "0.53"
    figures = dict(zip(page.locator("dl.grid dt").all_inner_texts(), page.locator("dl.grid dd").all_inner_texts(),
                       strict=True))
    assert figures["Answers still wanted"] == "16" and figures["Time to finish"] == "30.0 min"
    shots(page, "desk-pool-figures")
