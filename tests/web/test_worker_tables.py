"""At 375 px the history and workers tables stack as cards (nothing off screen); groups and players have names."""

from __future__ import annotations

from typing import Any

import pytest

from clipcrowd.services import issuing, review, submissions
from tests.factories import captured
from tests.web.axe import shots
from tests.web.conftest import LiveServer, as_stranger, sign_in_desk, sign_in_worker, start_suite

pytestmark = pytest.mark.browser

COMMENT = ("The speaker in this clip is clearly a woman; please listen to the whole recording before "
           "answering, and read the instructions again — thisverylongwordwithoutanyspacesmustwraptoo.")


def _rejected_pool(live: LiveServer) -> str:
    project_id = live.project(captured("audio_project.json"))
    pool = captured("audio_pool.json")
    pool["auto_accept_solutions"] = False
    pool["mixer_config"] = {"real_tasks_count": 1, "golden_tasks_count": 0, "training_tasks_count": 0}
    pool_id = live.pool(pool, project_id)
    live.tasks(pool_id, [{"input_values": {"path": "/test-media/tone.wav"}, "overlap": 2} for _ in range(3)])
    worker = live.worker("nora")
    suite = issuing.next_suite(live.db, int(worker["id"]), int(pool_id))
    submissions.submit(live.db, int(worker["id"]), int(suite["id"]),
                       {"solutions": [{"output_values": {"result": "male"}}]})
    review.set_status(live.db, int(suite["id"]), {"status": "REJECTED", "public_comment": COMMENT})
    return pool_id


def _inside(page: Any, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (selector, box)


def test_tables_stack_at_phone_width(live: LiveServer, browser: Any) -> None:
    pool_id = _rejected_pool(live)
    page = browser.new_page(viewport={"width": 375, "height": 800})
    sign_in_worker(page, live, "nora")
    page.goto(f"{live.url}/w/history")
    comment = page.locator("td[data-label=Comment]")
    assert COMMENT in comment.inner_text()
    _inside(page, "td[data-label=Comment]")  # the rejection comment is on screen, not off to the right
    assert page.evaluate("() => getComputedStyle(document.querySelector('table.stacks tr')).display") == "block"
    shots(page, "worker-history-stacked")

    page = as_stranger(page)  # the worker is done: the requester signs in on the same page
    sign_in_desk(page, live, f"/desk/pools/{pool_id}/workers")
    _inside(page, "td[data-label=Restrictions]")
    assert "nora" in page.inner_text("td[data-label=Worker]")
    shots(page, "desk-workers-stacked")
    page.set_viewport_size({"width": 1280, "height": 800})  # a plain table where there is room
    assert page.evaluate("() => getComputedStyle(document.querySelector('table.stacks tr')).display") == "table-row"


def test_choice_groups_and_players_are_named(live: LiveServer, browser: Any) -> None:
    pool_id = live.audio_setup(real=8, golden=4)
    page = start_suite(browser, live, "otto", pool_id)
    question = "Is it a male or female speaker?"
    assert page.get_by_role("group", name=question).count() == 5
    names = page.evaluate("() => [...document.querySelectorAll('article audio')]"
                          ".map(a => a.getAttribute('aria-label'))")
    assert names == [f"Audio of task {i}" for i in range(1, 6)]
    shots(page, "worker-task-named")
