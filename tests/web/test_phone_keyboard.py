"""Every page at 375 px wide, and a task (every field kind) done with the keyboard alone."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from clipcrowd.store.tables import assignments
from tests.web.conftest import UNDO_MS, LiveServer, as_stranger, shot

pytestmark = pytest.mark.browser

OUT = {"type": "data.output"}
CONFIG = {"view": {"type": "view.list", "items": [
    {"type": "view.alert", "theme": "warning", "content": "Read carefully"},
    {"type": "view.text", "content": {"type": "helper.join", "by": " ",
                                      "items": ["Item", {"type": "data.input", "path": "n"}]}},
    {"type": "view.link", "url": "/w/history", "content": "your history"},
    {"type": "view.image", "url": {"type": "data.input", "path": "picture"}, "maxWidth": 200},
    {"type": "view.markdown", "content": "**bold** <script>alert(1)</script><img src=x onerror=alert(1)>"},
    {"type": "view.group", "label": "Kind", "content": {"type": "field.radio-group", "data": {**OUT, "path": "kind"},
     "options": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}],
     "validation": {"type": "condition.required"}}},
    {"type": "helper.if", "condition": {"type": "condition.equals", "data": {**OUT, "path": "kind"}, "to": "b"},
     "then": {"type": "field.textarea", "label": "Why B?", "data": {**OUT, "path": "why"},
              "validation": {"type": "condition.required", "hint": "Say why"}},
     "else": {"type": "view.text", "content": "No reason needed"}},
    {"type": "field.checkbox", "label": "I am sure", "data": {**OUT, "path": "sure"},
     "validation": {"type": "condition.all", "conditions": [
         {"type": "condition.not", "condition": {"type": "condition.equals", "to": False}},
         {"type": "condition.any", "conditions": [{"type": "condition.required"}]}]}},
    {"type": "field.checkbox-group", "label": "Tags", "data": {**OUT, "path": "tags"},
     "options": [{"label": "x", "value": "x"}, {"label": "y", "value": "y"}]},
    {"type": "field.select", "label": "Size", "data": {**OUT, "path": "size"},
     "options": [{"label": "Small", "value": "small"}, {"label": "Large", "value": "large"}],
     "validation": {"type": "condition.required"}},
    {"type": "field.text", "label": "Name", "data": {"type": "data.local", "path": "scratch"}},
    {"type": "field.button-radio-group", "label": "Mood", "data": {**OUT, "path": "mood"},
     "options": [{"label": "Happy", "value": "happy"}, {"label": "Sad", "value": "sad"}]},
    {"type": "view.sparkle"},
]}, "plugins": [{"type": "plugin.toloka", "layout": {"kind": "scroll", "taskWidth": 500}},
                {"type": "plugin.hotkeys", "q": {"type": "action.toggle", "data": {**OUT, "path": "sure"}}}]}
PROJECT = {"public_name": "Everything at once", "public_instructions": "<p>Be <b>quick</b></p><script>x()</script>",
           "task_spec": {
               "input_spec": {"n": {"type": "integer"}, "picture": {"type": "url"}},
               "output_spec": {"kind": {"type": "string"}, "why": {"type": "string", "required": False},
                               "sure": {"type": "boolean"}, "tags": {"type": "array_string", "required": False},
                               "size": {"type": "string"}, "mood": {"type": "string", "required": False}},
               "view_spec": {"type": "tb", "config": json.dumps(CONFIG)}}}
POOL = {"private_name": "keyboard", "reward_per_assignment": 0.05, "assignment_max_duration_seconds": 600,
        "will_expire": "2099-01-01T00:00:00", "auto_accept_solutions": False,
        "mixer_config": {"real_tasks_count": 1, "golden_tasks_count": 0, "training_tasks_count": 0}}


def tab_to(page, selector: str, limit: int = 60) -> None:
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def fits_phone(page, name: str) -> None:
    shot(page, f"phone-{name}")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, f"{name} is {width}px wide at a 375px viewport"


def test_phone_width_and_keyboard_only(live: LiveServer, browser) -> None:
    pool_id = live.pool(POOL, live.project(PROJECT))
    live.tasks(pool_id, [{"input_values": {"n": 7, "picture": "/test-media/example.png"}, "overlap": 1}])
    live.worker("erin")
    page = browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)

    page.goto(f"{live.url}/w")  # not signed in: sent to sign-in, which has the focus in the login field
    page.wait_for_url("**/w/sign-in?next=/w")
    fits_phone(page, "worker-sign-in")
    page.keyboard.type("erin")
    page.keyboard.press("Tab")
    page.keyboard.type("password123")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live.url}/w")
    fits_phone(page, "worker-pools")
    tab_to(page, f"a[href='/w/pools/{pool_id}']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/w/pools/{pool_id}")
    fits_phone(page, "worker-pool")
    assert "<script>" not in page.inner_html(".instructions") and page.inner_text(".instructions b") == "quick"
    page.wait_for_function("() => document.activeElement.textContent.includes('Start a task suite')")
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-ready='1']")

    assert "Unknown component: view.sparkle" in page.inner_text(".cc-error")
    assert page.inner_text(".cc-text >> nth=0") == "Item 7"
    md = page.inner_html(".md strong").strip()
    assert md == "bold" and "onerror" not in page.inner_html("article") and "<script" not in page.inner_html("article")
    assert page.inner_text("article").count("No reason needed") == 1

    tab_to(page, "input[type=radio]")
    page.keyboard.press("ArrowDown")  # the second radio: B, which makes the textarea appear
    page.wait_for_selector("textarea")
    tab_to(page, "textarea")
    page.keyboard.type("because")
    tab_to(page, ".cc-component input[type=checkbox]")
    page.keyboard.press("Space")
    page.keyboard.press("q")
    page.keyboard.press("q")  # toggled off and on again by the hotkey
    tab_to(page, "select")
    page.keyboard.press("ArrowDown")
    tab_to(page, "button[data-value=happy]")
    page.keyboard.press("Enter")
    fits_phone(page, "worker-task")
    tab_to(page, "#submit")
    page.keyboard.press("Enter")
    page.wait_for_selector("#after:not([hidden])")
    with live.db.read() as conn:
        row = conn.execute(select(assignments)).one()
    assert row.solutions == [{"kind": "b", "why": "because", "sure": True, "size": "small", "mood": "happy"}]
    page.goto(f"{live.url}/w/history")
    fits_phone(page, "worker-history")

    page = as_stranger(page)  # the worker is done: the requester on the same phone, signed out
    page.clock.install()  # the review page holds a decision for an undo: its clock is moved, not waited for
    page.goto(f"{live.url}/desk/pools/{pool_id}/review")
    page.wait_for_url("**/desk/sign-in**")
    fits_phone(page, "desk-sign-in")
    page.keyboard.type(live.requester_token)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/desk/pools/{pool_id}/review")
    page.wait_for_selector("body[data-ready='1']")
    fits_phone(page, "desk-review")
    page.keyboard.press("a")
    page.clock.run_for(UNDO_MS)
    page.wait_for_selector("[data-testid=review-status]:has-text('ACCEPTED')")
    for path, name in ((f"/desk/pools/{pool_id}", "desk-pool"), (f"/desk/pools/{pool_id}/workers", "desk-workers"),
                       ("/desk", "desk-home")):
        page.goto(f"{live.url}{path}")
        fits_phone(page, name)
    assert "erin" in page.goto(f"{live.url}/desk/pools/{pool_id}/workers").text()
    with page.expect_download() as csv_download:
        page.goto(f"{live.url}/desk/pools/{pool_id}")
        page.click("a:has-text('Results CSV')")
    csv_text = Path(csv_download.value.path()).read_text()
    assert "OUTPUT:kind" in csv_text and ",b," in csv_text
    cookies = {"clipcrowd_token": live.requester_token}
    rows = httpx.get(f"{live.url}/desk/pools/{pool_id}/results.json", cookies=cookies).json()
    assert rows[0]["output_values"]["why"] == "because" and rows[0]["status"] == "ACCEPTED"
