"""Seed 001 in the browser: play before submit, hotkeys 1/2, golden tasks mixed in but never exposed."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select

from clipcrowd.domain.ids import format_id
from clipcrowd.services import workers
from clipcrowd.store.tables import assignments, events, tasks
from tests.web.conftest import LiveServer, shot, sign_in_worker

pytestmark = pytest.mark.browser


def test_played_hotkeys_and_hidden_golden(live: LiveServer, browser) -> None:
    pool_id = live.audio_setup(real=8, golden=4)
    live.worker("carol")
    page = browser.new_page(viewport={"width": 900, "height": 1000})
    sign_in_worker(page, live, "carol")
    page.goto(f"{live.url}/w/pools/{pool_id}")
    page.wait_for_function("() => document.activeElement.textContent.includes('Start a task suite')")
    shot(page, "worker-pool-audio")
    page.keyboard.press("Enter")  # the Start button has the focus
    page.wait_for_selector("body[data-ready='1']")
    with live.db.read() as conn:
        row = conn.execute(select(assignments)).one()
        by_id = {t.id: t for t in conn.execute(select(tasks))}
    golden = [i for i, tid in enumerate(row.task_ids) if by_id[tid].golden]
    assert len(row.task_ids) == 5 and len(golden) == 1  # the mixer: 4 real and 1 golden

    # golden answers (and the golden flag) never reach the page
    raw = httpx.get(page.url, cookies={"clipcrowd_token": workers.sign_in(live.db, "carol", "password123")}).text
    for html in (raw, page.content()):
        assert "known_solutions" not in html and "golden" not in html and "infinite_overlap" not in html
    data = json.loads(page.inner_text("#page-data"))
    assert [set(t) for t in data["assignment"]["tasks"]] == [{"id", "input_values"}] * 5

    # hotkeys 1 and 2 answer the highlighted task (the one holding the focus); a task whose audio has
    # not played yet plays it then and keeps the focus. Task 5 is answered with the mouse, unheard.
    wanted = []
    for i, tid in enumerate(row.task_ids):
        answer = by_id[tid].data["known_solutions"][0]["output_values"]["result"] if i in golden else (
            "female" if i % 2 else "male")
        wanted.append(answer)
        if i == 4:
            page.click(f"article[data-task='4'] button[data-value={answer}]")
        else:
            page.locator(f"article[data-task='{i}'] audio").focus()
            page.keyboard.press("1" if answer == "female" else "2")
            page.wait_for_function(f"() => document.querySelectorAll('article audio')[{i}].currentTime > 0")
            assert page.evaluate("() => document.activeElement.closest('article.task').dataset.task") == str(i)
        pressed = page.locator(f"article[data-task='{i}'] button[aria-pressed=true]")
        assert pressed.get_attribute("data-value") == answer
    shot(page, "worker-task-audio")

    # submit is refused until every audio has been played
    page.click("#submit")
    assert "task 5: you need to listen to the audio" in page.inner_text("#message")
    with live.db.read() as conn:
        assert conn.execute(select(assignments.c.status)).scalar_one() == "ACTIVE"
    page.locator("article[data-task='4'] audio").focus()
    page.keyboard.press("Space")  # the native player's own key: play
    page.wait_for_function("() => document.querySelectorAll('article audio')[4].currentTime > 0", timeout=10000)
    page.locator("#submit").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => !document.getElementById('after').hidden"
                           " || !document.getElementById('message').hidden")
    assert page.locator("#message").is_hidden(), page.inner_text("#message")
    assert "accepted" in page.inner_text("#after-text")
    with live.db.read() as conn:
        done = conn.execute(select(assignments)).one()
        outcome = conn.execute(select(events.c.data).where(events.c.type == "SUBMITTED")).scalar_one()
    assert done.status == "ACCEPTED"
    assert [s["result"] for s in done.solutions] == wanted
    assert outcome["golden_outcomes"] == [True]
    page.keyboard.press("Enter")  # "Next task suite" has the focus
    page.wait_for_url(lambda url: "/w/assignments/" in url and format_id(done.id) not in url)
