"""Invites for filtered pools in Chromium: the invite form starts from what the pool's filter asks, so the
invited worker who signs up in the browser can start a task; an override that would fail the filter is
refused with the condition named, and made only when the requester says so."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import pool_body, text_project
from tests.web.axe import shots
from tests.web.conftest import LiveServer, as_stranger, sign_in_desk

pytestmark = pytest.mark.browser

RU_ONLY = {"and": [{"or": [{"category": "profile", "key": "languages", "operator": "IN", "value": ["RU"]}]}]}


def _invite(desk: Any, live: LiveServer, pool_id: str) -> str:
    desk.goto(f"{live.url}/desk/pools/{pool_id}")
    desk.click("button:has-text('Create invite link')")  # nothing changed in the form
    return str(desk.input_value("[data-testid=invite-link]"))


def _sign_up_and_start(page: Any, live: LiveServer, link: str, login: str, pool_id: str) -> Any:
    """A new worker signs up through the invite on `page`, its cookies cleared first (someone signed out)."""
    as_stranger(page).goto(link)
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "password123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.url}/w/pools/{pool_id}")
    assert page.locator("[role=alert]").count() == 0
    page.click("button:has-text('Start a task suite')")
    page.wait_for_url(f"{live.url}/w/assignments/**")
    page.wait_for_selector("body[data-ready='1']")
    return page


def test_app_only_pool_invite_admits_the_browser_sign_up(live: LiveServer, browser: Any) -> None:
    pool_id = live.video_setup()  # seed 000: client type TOLOKA_APP, EN, and a skill "none or >= 75"
    desk = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_desk(desk, live, f"/desk/pools/{pool_id}")
    assert desk.input_value("select[name=client_type]") == "TOLOKA_APP"
    assert "TOLOKA_APP" in desk.inner_text("[data-testid=invite-fitted]")
    link = _invite(desk, live, pool_id)
    assert "TOLOKA_APP" in desk.inner_text("[data-testid=invite-profile]")
    shots(desk, "desk-invite-fitted")
    _sign_up_and_start(desk, live, link, "appworker", pool_id)  # the requester is done: her page, signed out


def test_language_pool_invite_and_a_failing_override(live: LiveServer, browser: Any) -> None:
    project = live.project(text_project())
    pool_id = live.pool(pool_body(project, filter=RU_ONLY), project)
    live.tasks(pool_id, [{"input_values": {"text": "привет"}}])
    desk = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_desk(desk, live, f"/desk/pools/{pool_id}")
    assert "RU" in desk.input_value("input[name=languages]")

    # the requester overrides the languages: refused, the condition named, what she typed kept
    desk.fill("input[name=languages]", "EN, DE")
    desk.click("button:has-text('Create invite link')")
    error = desk.inner_text("[data-testid=invite-error]")
    assert "languages" in error and "include one of RU" in error
    assert desk.input_value("input[name=languages]") == "EN, DE"
    assert desk.locator("[data-testid=invite-link]").count() == 0
    shots(desk, "desk-invite-refused")

    # made anyway when she says so, with the warning next to the link
    desk.check("input[name=accept_failing]")
    desk.click("button:has-text('Create invite link')")
    assert "include one of RU" in desk.inner_text("[data-testid=invite-failing]")
    doomed = desk.input_value("[data-testid=invite-link]")
    page = browser.new_page()
    page.goto(doomed)
    page.fill("input[name=login]", "enworker")
    page.fill("input[name=password]", "password123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.url}/w/pools/{pool_id}")
    assert "languages" in page.inner_text("[role=alert]")  # she is told what she lacks

    # enworker is done: ruworker signs up on her page
    worker = _sign_up_and_start(page, live, _invite(desk, live, pool_id), "ruworker", pool_id)
    assert "привет" in worker.inner_text("main")
