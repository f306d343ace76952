"""The page a test takes over from the test before (tests/browser.py, `Chromium.new_page`) carries nothing
of it: a page leaves behind every kind of state a test can leave, on the live server's origin, checks it
is there, and ends as a test ends (`end_test`); the next page, asked for as the next test asks and sent to
the same origin (as a later test's server on a port used before would be), sees none of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser

STATE = """async () => {
    return {
        cookie: document.cookie,
        local: localStorage.getItem('left'),
        session: sessionStorage.getItem('left'),
        databases: (await indexedDB.databases()).map((d) => d.name),
        caches: await caches.keys(),
        workers: (await navigator.serviceWorker.getRegistrations()).length,
        geolocation: (await navigator.permissions.query({name: 'geolocation'})).state,
        online: navigator.onLine,
        year: new Date().getFullYear(),
        script: window.__left ?? null,
        binding: typeof window.leftBehind,
        dark: matchMedia('(prefers-color-scheme: dark)').matches,
        width: innerWidth,
    };
}"""
LEAVE = """async () => {
    document.cookie = 'script_left=1; path=/';
    localStorage.setItem('left', '1');
    sessionStorage.setItem('left', '1');
    await new Promise((ok) => { const r = indexedDB.open('kept'); r.onsuccess = () => { r.result.close(); ok(); }; });
    await (await caches.open('kept')).put('/kept', new Response('kept'));
    await navigator.serviceWorker.register('/test-media/sw.js');
}"""
HELD = """() => {
    window.held = {};
    document.addEventListener('keydown', (e) => { window.held.shift = e.shiftKey; });
    document.addEventListener('mousemove', (e) => { window.held.buttons = e.buttons; });
}"""


def _dirty(browser: Any, live: LiveServer) -> tuple[list[str], list[str]]:
    """A page with everything left behind; what its handlers saw, to check they hear nothing later."""
    page = browser.new_page(viewport={"width": 700, "height": 600})
    context = page.context
    heard: list[str] = []
    page.on("console", lambda message: heard.append(message.text))
    context.on("request", lambda request: heard.append(request.url))
    routed: list[str] = []
    page.route("**/w/sign-in", lambda route: (routed.append(route.request.url),
                                             route.fulfill(content_type="text/html", body="routed")))
    context.route("**/docs", lambda route: route.fulfill(content_type="text/html", body="routed"))
    context.add_init_script("window.__left = 'context'")
    page.add_init_script("window.__left = 'page'")
    page.expose_function("leftBehind", lambda: 1)
    context.grant_permissions(["geolocation"], origin=live.url)
    context.set_geolocation({"latitude": 1.0, "longitude": 2.0})
    context.set_extra_http_headers({"X-Left-Behind": "1"})
    context.add_cookies([{"name": "left", "value": "1", "url": live.url}])
    page.emulate_media(color_scheme="dark")
    page.clock.install(time=datetime(2001, 1, 1))
    page.goto(f"{live.url}/w/sign-in")
    page.evaluate(LEAVE)
    context.new_page().goto(f"{live.url}/w/sign-in")  # pages left open
    context.set_offline(True)
    page.set_viewport_size({"width": 500, "height": 500})
    page.keyboard.down("Shift")
    page.mouse.down()

    state = page.evaluate(STATE)  # all of it is there
    assert state["cookie"] and state["local"] == "1" and state["session"] == "1" and "kept" in state["databases"]
    assert state["caches"] == ["kept"] and state["workers"] == 1 and state["geolocation"] == "granted"
    assert state["online"] is False and state["year"] == 2001 and state["script"] == "page"
    assert state["binding"] == "function" and state["dark"] is True and state["width"] == 500
    assert page.content().count("routed") == 1 and routed and len(context.pages) == 2
    return heard, routed


def test_a_reused_page_carries_nothing_of_the_last_test(live: LiveServer, browser: Any) -> None:
    (live.media / "sw.js").write_text("self.addEventListener('fetch', () => {});", encoding="utf-8")
    heard, routed = _dirty(browser, live)
    before = browser.new_page().context  # a second page in one test: a context of its own, closed at the end
    browser.end_test()  # as after a test
    assert before not in browser.contexts

    page = browser.new_page(viewport={"width": 800, "height": 600})  # as the next test asks
    context = page.context
    assert len(context.pages) == 1 and page.url == "about:blank" and context.cookies() == []
    headers: list[dict[str, str]] = []
    page.on("request", lambda request: headers.append(request.all_headers()))
    heard_before, routed_before = len(heard), len(routed)
    response = page.goto(f"{live.url}/w/sign-in")
    assert response is not None and response.status == 200 and "routed" not in page.content()
    assert page.goto(f"{live.url}/docs").status == 200 and "routed" not in page.content()
    assert len(heard) == heard_before and len(routed) == routed_before  # the old handlers hear nothing
    assert headers and all("x-left-behind" not in h for h in headers)
    state = page.evaluate(STATE)
    assert state == {"cookie": "", "local": None, "session": None, "databases": [], "caches": [],
                     "workers": 0, "geolocation": "prompt", "online": True, "year": datetime.now().year,
                     "script": None, "binding": "undefined", "dark": False, "width": 800}, state
    page.evaluate(HELD)
    page.keyboard.press("a")
    page.mouse.move(10, 10)
    page.mouse.move(20, 20)
    assert page.evaluate("window.held") == {"shift": False, "buttons": 0}  # no key or button held down
