"""Seed 001 from the keyboard: one key per answer, a key that plays, the page moving on by itself.

Every key press a worker makes on the task page is counted, from the page being ready to the
suite being sent: playing the audio (which the "you need to listen" rule demands), five answers
and the submit must fit in seven.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from clipcrowd.store.tables import assignments, tasks
from tests.web.axe import shots
from tests.web.conftest import LiveServer, start_suite

pytestmark = pytest.mark.browser


class Keys:
    """The keyboard, counted."""

    def __init__(self, page: Any) -> None:
        self.page, self.count = page, 0

    def press(self, key: str) -> None:
        self.count += 1
        self.page.keyboard.press(key)


def _start(live: LiveServer, browser: Any, login: str, width: int) -> tuple[Any, str]:
    pool_id = live.audio_setup(real=8, golden=4)
    return (start_suite(browser, live, login, pool_id, width=width), pool_id)


def _answers(live: LiveServer) -> list[str]:
    """What to answer: the golden task's known solution, any label for the others."""
    with live.db.read() as conn:
        row = conn.execute(select(assignments)).one()
        by_id = {t.id: t for t in conn.execute(select(tasks))}
    return [by_id[tid].data["known_solutions"][0]["output_values"]["result"] if by_id[tid].golden
            else ("female" if i % 2 else "male") for i, tid in enumerate(row.task_ids)]


def _focused_task(page: Any) -> str | None:
    return page.evaluate("() => { const t = document.activeElement.closest('article.task');"
                         " return t ? t.dataset.task : document.activeElement.id || null; }")


@pytest.mark.parametrize("width", [1280, 375])
def test_seed_001_in_seven_key_presses(live: LiveServer, browser: Any, width: int) -> None:
    page, _pool = _start(live, browser, "kim", width)
    wanted = _answers(live)
    keys = Keys(page)
    hint = page.inner_text("#hotkey-hint")
    assert "P play from the start" in hint and "on the highlighted task" in hint and "text field" in hint
    assert _focused_task(page) == "0"  # the first task has the focus (and the visible highlight)
    assert page.locator("article.task.current").get_attribute("data-task") == "0"
    shots(page, "worker-keyboard-start", widths=(width,))

    keys.press("p")  # a key press is a gesture: the first task's audio may start
    page.wait_for_function("() => document.querySelectorAll('article audio')[0].currentTime > 0")
    for i, answer in enumerate(wanted):
        keys.press("1" if answer == "female" else "2")
        pressed = page.locator(f"article[data-task='{i}'] button[aria-pressed=true]")
        assert pressed.get_attribute("data-value") == answer
        if i < 4:
            # moved on by itself: the next task is highlighted, has the focus, and its audio plays
            assert _focused_task(page) == str(i + 1)
            page.wait_for_function(f"() => document.querySelectorAll('article audio')[{i + 1}].currentTime > 0")
            assert page.evaluate("() => [...document.querySelectorAll('article audio')]"
                                 ".filter(a => !a.paused).length") <= 1
        else:
            assert _focused_task(page) == "submit"
        if i == 2:
            shots(page, "worker-keyboard-middle", widths=(width,))
    keys.press("Enter")
    page.wait_for_selector("#after:not([hidden])")
    assert page.locator("#message").is_hidden()
    assert keys.count <= 7, f"{keys.count} key presses"
    with live.db.read() as conn:
        done = conn.execute(select(assignments)).one()
    assert done.status != "ACTIVE"
    assert [s["result"] for s in done.solutions] == wanted
    # item 8: Submit and Skip are gone and cannot be pressed a second time
    assert page.locator("#submit").is_hidden() and page.locator("#skip").is_hidden()
    shots(page, "worker-keyboard-done", widths=(width,))


def test_keys_act_only_on_the_highlighted_task(live: LiveServer, browser: Any) -> None:
    page, _pool = _start(live, browser, "lee", 1280)
    page.keyboard.press("1")  # answered before listening: the audio plays and the task keeps the focus
    page.wait_for_function("() => document.querySelectorAll('article audio')[0].currentTime > 0")
    assert _focused_task(page) == "0"
    page.keyboard.press("1")  # heard it, same answer: on to task 2
    assert _focused_task(page) == "1"
    first = page.locator("article[data-task='0'] button[aria-pressed=true]")
    assert first.get_attribute("data-value") == "female"

    # Shift+Tab out of the tasks back to "Instructions": a digit there changes nothing
    page.locator("details.instructions summary").focus()
    page.keyboard.press("2")
    assert first.get_attribute("data-value") == "female"
    assert page.locator("article[data-task='1'] button[aria-pressed=true]").count() == 0
    # nor on Submit or Skip
    page.locator("#skip").focus()
    page.keyboard.press("2")
    assert page.locator("button[aria-pressed=true]").count() == 1
    # a click on a task makes it the highlighted one; P replays that task's audio, not another's
    page.locator("article[data-task='3'] .task-badge").click()
    assert page.locator("article.task.current").get_attribute("data-task") == "3"
    page.keyboard.press("p")
    page.wait_for_function("() => document.querySelectorAll('article audio')[3].currentTime > 0")
    assert page.evaluate("() => [...document.querySelectorAll('article audio')].map(a => a.paused)")[:3] == [True] * 3
    page.keyboard.press("2")
    assert page.locator("article[data-task='3'] button[aria-pressed=true]").get_attribute("data-value") == "male"


def test_submit_and_skip_are_disabled_in_flight(live: LiveServer, browser: Any) -> None:
    page, _pool = _start(live, browser, "max", 1280)
    held: list[Any] = []
    page.route("**/submit", lambda route: held.append(route))
    for i in range(5):
        page.locator(f"article[data-task='{i}'] audio").evaluate("a => { a.muted = true; return a.play(); }")
        page.locator(f"article[data-task='{i}'] button[data-value=male]").click()
    with page.expect_request("**/submit"):
        page.click("#submit")
    assert page.locator("#submit").is_disabled() and page.locator("#skip").is_disabled()
    held[0].continue_()
    page.wait_for_selector("#after:not([hidden])")
    assert page.locator("#actions").is_hidden()
    assert page.locator("#submit").is_hidden() and page.locator("#skip").is_hidden()


NOTE_CONFIG = {"view": {"type": "view.list", "items": [
    {"type": "field.button-radio-group", "label": "Is there a hand?", "data": {"type": "data.output", "path": "hand"},
     "options": [{"label": "Yes", "value": "yes"}, {"label": "No", "value": "no"}]},
    {"type": "field.text", "label": "Anything else?", "data": {"type": "data.output", "path": "note"}},
]}, "plugins": [{"type": "plugin.hotkeys",
                 "1": {"type": "action.set", "data": {"type": "data.output", "path": "hand"}, "payload": "yes"},
                 "2": {"type": "action.set", "data": {"type": "data.output", "path": "hand"}, "payload": "no"}}]}


def test_keys_are_letters_while_typing(live: LiveServer, browser: Any) -> None:
    project = {"public_name": "Hands", "task_spec": {
        "input_spec": {"n": {"type": "integer"}},
        "output_spec": {"hand": {"type": "string"}, "note": {"type": "string", "required": False}},
        "view_spec": {"type": "tb", "config": json.dumps(NOTE_CONFIG)}}}
    pool = {"private_name": "hands", "reward_per_assignment": 0.01, "assignment_max_duration_seconds": 600,
            "will_expire": "2099-01-01T00:00:00", "auto_accept_solutions": False,
            "mixer_config": {"real_tasks_count": 2, "golden_tasks_count": 0, "training_tasks_count": 0}}
    pool_id = live.pool(pool, live.project(project))
    live.tasks(pool_id, [{"input_values": {"n": i}, "overlap": 1} for i in range(2)])
    page = start_suite(browser, live, "pia", pool_id, width=375)
    assert "play from the start" not in page.inner_text("#hotkey-hint")  # no media, no play key to announce
    page.locator("article[data-task='0'] input[type=text]").click()
    page.keyboard.type("1 2 p")
    assert page.input_value("article[data-task='0'] input[type=text]") == "1 2 p"
    assert page.locator("button[aria-pressed=true]").count() == 0
    page.locator("article[data-task='0'] .task-badge").click()
    page.keyboard.press("2")  # the task is complete (the note is optional): on to task 2
    assert page.locator("article[data-task='0'] button[aria-pressed=true]").get_attribute("data-value") == "no"
    assert _focused_task(page) == "1"
    shots(page, "worker-keyboard-text-field")
