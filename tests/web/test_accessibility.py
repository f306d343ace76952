"""Every page the server has, audited by axe-core at 1280 px and 375 px, with screenshots."""

from __future__ import annotations

import pytest

from clipcrowd.services import invites
from tests.web.axe import shots
from tests.web.conftest import LiveServer, as_stranger, sign_in_desk_by_form, sign_in_worker_by_form

pytestmark = pytest.mark.browser


def test_every_page_has_no_serious_accessibility_violation(live: LiveServer, browser) -> None:
    audio = live.audio_setup(real=4, golden=1)
    live.worker("ada")
    page = browser.new_page(viewport={"width": 1280, "height": 800})

    page.goto(f"{live.url}/w/sign-in")
    shots(page, "a11y-worker-sign-in")
    sign_in_worker_by_form(page, live, "ada")
    shots(page, "a11y-worker-pools")
    page.goto(f"{live.url}/w/pools/{audio}")
    shots(page, "a11y-worker-pool")
    page.click("text=Start a task suite")
    page.wait_for_selector("body[data-ready='1']")
    shots(page, "a11y-worker-task")
    page.goto(f"{live.url}/w/history")
    shots(page, "a11y-worker-history")
    page.goto(f"{live.url}/w/pools/999999")
    shots(page, "a11y-worker-error")

    desk = page  # the worker's pages are done: the desk's in the same context (its sign-in takes the cookie)
    sign_in_desk_by_form(desk, live)
    shots(desk, "a11y-desk-home")
    for path, name in (("", "pool"), ("/review", "review"), ("/workers", "workers")):
        desk.goto(f"{live.url}/desk/pools/{audio}{path}")
        shots(desk, f"a11y-desk-{name}")
    desk.goto(f"{live.url}/docs")
    shots(desk, "a11y-api-docs")

    fresh = as_stranger(desk)
    fresh.goto(f"{live.url}/w/invite/{invites.create(live.db, int(audio))['code']}")
    shots(fresh, "a11y-worker-invite")
    fresh.goto(f"{live.url}/desk/sign-in")
    shots(fresh, "a11y-desk-sign-in")
