"""The XSS corpus in Chromium: hostile text in every field a page shows, and no script runs anywhere.

Every value a requester or worker can set that some page renders (project texts, pool name, task
inputs, answers, a rejection comment, a worker's login, an uploaded HTML file) carries payloads
that would set `window.__xss` or open a dialog if they ever ran. Each worker and desk page is then
loaded in Chromium: nothing may have run, and the honest answers beside the hostile ones still show.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.factories import pool_body
from tests.hardening.conftest import free_text_project
from tests.support import Live

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    "</script><script>window.__xss=3</script>",
    "<!--<script>window.__xss=4</script>",
    '<svg onload="window.__xss=5"></svg>',
    "javascript:window.__xss=6",
    '"><iframe srcdoc="<script>parent.__xss=7</script>"></iframe>',
    '<a href="javascript:window.__xss=8">x</a>',
    "'-alert(9)-'",
    "{{constructor.constructor('window.__xss=10')()}}",
    "\u2028\u2029<style>@import 'http://127.0.0.1:9/x.css'</style>",
    '<details open ontoggle="window.__xss=12">',
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=13>",
    "${window.__xss=14}",
]
HONEST = "honest-answer-marker"
TRAP = """
window.__xss = undefined;
for (const name of ["alert", "confirm", "prompt"]) window[name] = () => { window.__xss = name; };
"""


@pytest.fixture(scope="module")
def hostile(server: Live) -> Iterator[dict[str, Any]]:
    """A pool whose every shown value is hostile, with answers to review and a rejected suite."""
    joined = " ".join(PAYLOADS)
    req = server.headers
    with httpx.Client(base_url=server.url, headers=req, timeout=60) as http:
        project = http.post("/api/v1/projects", json=free_text_project(
            public_name=PAYLOADS[0], public_description=joined,
            public_instructions=f"<p>read me</p>{joined}<iframe src='javascript:window.__xss=99'></iframe>")).json()
        mixer = {"real_tasks_count": 2, "golden_tasks_count": 0, "training_tasks_count": 0}
        pool = http.post("/api/v1/pools", json=pool_body(project["id"], private_name=PAYLOADS[1], mixer_config=mixer,
                                                         auto_accept_solutions=False)).json()
        items = [{"pool_id": pool["id"], "input_values": {"text": p}} for p in PAYLOADS]
        assert http.post("/api/v1/tasks", json=items, params={"allow_defaults": "true"}).status_code == 201
        assert http.post(f"/api/v1/pools/{pool['id']}/open").status_code == 202
        people = []
        for login in ('<img src=x onerror="window.__xss=20">', "honest"):
            made = http.post("/api/v1/workers", json={"login": login, "password": "password123"}).json()
            people.append({"Authorization": f"Bearer {made['token']}", "token": made["token"]})
        evil, honest = people
        suites = []
        for n in range(3):
            for person, comment in ((evil, PAYLOADS[n + 2]), (honest, HONEST)):
                auth = {"Authorization": person["Authorization"]}
                suite = http.post(f"/api/v1/worker/pools/{pool['id']}/next", headers=auth).json()
                if person is evil and n == 0:
                    up = http.post(f"/api/v1/worker/assignments/{suite['id']}/attachments",
                                   params={"name": "<b>x</b>.html"}, content=b"<script>window.__xss=30</script>",
                                   headers={**auth, "Content-Type": "text/html"})
                    assert up.status_code == 201, up.text
                answers = [{"output_values": {"result": "a", "comment": comment}} for _ in suite["tasks"]]
                done = http.post(f"/api/v1/worker/assignments/{suite['id']}/submit", headers=auth,
                                 json={"solutions": answers})
                assert done.status_code == 200, done.text
                suites.append((person, suite))
        rejected = suites[0][1]["id"]
        assert http.patch(f"/api/v1/assignments/{rejected}", json={
            "status": "REJECTED", "public_comment": PAYLOADS[2]}).status_code == 200
        held = http.post(f"/api/v1/worker/pools/{pool['id']}/next", headers={"Authorization": evil["Authorization"]})
        assert held.status_code == 200, held.text
        yield {"pool": pool["id"], "project": project["id"], "evil": evil["token"], "rejected": rejected,
               "held": held.json()["id"]}


LATE = """<body><script>
addEventListener("load", () => fetch("/control-missing").then(() => {
  const img = new Image(); img.onerror = () => { window.__xss = "late"; }; img.src = "/control-missing.png";
  document.body.append(img);
}));
</script></body>"""
# One turn of the page's event loop past a frame: what a finished request queued (an image's error
# event, a fetch's handler) has run by then.
TURN = "() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)))"


def _settle(page: Any, in_flight: set[Any]) -> None:
    """Until no request of the page is in flight through two turns of its event loop in a row: what
    "networkidle" waits for, without its fixed half second of quiet after each page."""
    quiet = 0
    for _ in range(400):
        page.evaluate(TURN)
        quiet = quiet + 1 if not in_flight else 0
        if quiet == 2:
            return
    raise AssertionError(f"{page.url}: requests still in flight: {[r.url for r in in_flight]}")


def _visit(browser: Any, live: Live, token: str, paths: list[str]) -> dict[str, str]:
    page = browser.new_page()  # its init script, handlers and route go with the test (tests/browser.py)
    page.context.add_cookies([{"name": "clipcrowd_token", "value": token, "url": live.url}])
    page.context.add_init_script(TRAP)
    texts = {}
    in_flight: set[Any] = set()
    page.on("request", lambda request: in_flight.add(request))
    page.on("requestfinished", lambda request: in_flight.discard(request))
    page.on("requestfailed", lambda request: in_flight.discard(request))
    page.set_content("<script>window.__xss = 'control'</script>")  # the trap does see a script that runs
    assert page.evaluate("window.__xss") == "control"
    # and the wait sees what runs late: after the load event, a fetch whose answer adds an image whose
    # error handler is the payload (each step a request of its own)
    page.route(f"{live.url}/control", lambda route: route.fulfill(content_type="text/html", body=LATE))
    page.goto(f"{live.url}/control")
    _settle(page, in_flight)
    assert page.evaluate("window.__xss") == "late"
    for path in paths:
        response = page.goto(live.url + path)  # "load": the page's own images, styles and scripts
        _settle(page, in_flight)  # and what its scripts fetched and drew after that
        assert response is not None and response.status == 200, (path, response and response.status)
        assert page.evaluate("window.__xss") is None, (path, page.evaluate("window.__xss"))
        texts[path] = page.inner_text("body")
    return texts


def test_no_script_runs_on_any_worker_page(server: Live, browser: Any, hostile: dict[str, Any]) -> None:
    pool = hostile["pool"]
    texts = _visit(browser, server, hostile["evil"], [
        "/w", f"/w/pools/{pool}", f"/w/assignments/{hostile['held']}", f"/w/assignments/{hostile['rejected']}",
        "/w/history"])
    held = texts[f"/w/assignments/{hostile['held']}"]
    assert any(p.strip() in held for p in PAYLOADS)  # the hostile inputs show, as text
    assert PAYLOADS[2] in texts[f"/w/assignments/{hostile['rejected']}"]  # the rejection comment, as text


def test_no_script_runs_on_any_desk_page_and_honest_answers_show(server: Live, browser: Any,
                                                                  hostile: dict[str, Any]) -> None:
    pool = hostile["pool"]
    texts = _visit(browser, server, server.token, [
        "/desk", f"/desk/pools/{pool}", f"/desk/pools/{pool}/review", f"/desk/pools/{pool}/workers", "/docs"])
    review = texts[f"/desk/pools/{pool}/review"]
    assert review.count(HONEST) >= 2 * 2  # every honest answer renders beside the hostile ones
    assert PAYLOADS[3] in review and PAYLOADS[4] in review  # "<!--<script>…" shown as text, the block intact
    assert PAYLOADS[1] in texts[f"/desk/pools/{pool}"]
