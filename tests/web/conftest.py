"""A live clipcrowd server (uvicorn in a thread, SQLite in tmp_path) and Debian's Chromium.

Test media is generated here with PyAV (a tone, a picture, a short H.264 video), served by the
test app under /test-media so task inputs never point outside the server.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from fastapi.staticfiles import StaticFiles

from clipcrowd.http.deps import COOKIE
from clipcrowd.media import encode_image
from clipcrowd.server import create_app
from clipcrowd.services import auth, pools, projects, skills, tasks, workers
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database
from clipcrowd.web._session import session_expiry
from tests.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: F401  (imported from here by older tests)
from tests.factories import captured
from tests.support import fresh_sqlite, serve_in_thread

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# How long the review page holds a decision for an undo, as review.js says: tests move the page's clock
# (Playwright's) that far instead of waiting for it.
_REVIEW_JS = Path(__file__).resolve().parents[2] / "src" / "clipcrowd" / "web" / "static" / "review.js"
_HOLD = re.search(r"export const UNDO_MS = (\d+);", _REVIEW_JS.read_text(encoding="utf-8"))
assert _HOLD, "review.js no longer says UNDO_MS: update tests/web/conftest.py"
UNDO_MS = int(_HOLD[1])


def write_tone(path: Path, seconds: float = 1.0, rate: int = 16000) -> Path:
    with av.open(str(path), "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=rate, layout="mono")
        t = np.arange(int(seconds * rate)) / rate
        samples = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def write_video(path: Path, frames: int = 24, size: tuple[int, int] = (160, 120)) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(12))
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for i in range(frames):
            img = np.zeros((size[1], size[0], 3), np.uint8)
            img[..., 0] = (i * 10) % 256
            img[:, : (i * 6) % size[0], 1] = 200
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


@dataclass
class LiveServer:
    url: str
    db: Database
    settings: Settings
    requester_token: str
    media: Path
    made: dict[str, Any] = field(default_factory=dict)

    def worker(self, login: str, *, client_type: str = "BROWSER", password: str = "password123") -> dict[str, Any]:
        return workers.create(self.db, {"login": login, "password": password, "languages": ["EN"],
                                        "client_type": client_type})

    def project(self, body: dict[str, Any]) -> str:
        return str(projects.create(self.db, body)["id"])

    def pool(self, body: dict[str, Any], project_id: str) -> str:
        return str(pools.create(self.db, {**body, "project_id": project_id})["id"])

    def tasks(self, pool_id: str, items: list[dict[str, Any]], *, open_pool: bool = True) -> None:
        batch = tasks.prepare(self.db, [{**copy.deepcopy(t), "pool_id": pool_id} for t in items],
                              allow_defaults=True, skip_invalid=False)
        tasks.create_sync(self.db, batch)
        if open_pool:
            pools.open_pool(self.db, int(pool_id))

    def video_setup(self, *, task_count: int = 1, overlap: int = 1) -> str:
        """Seed 000: the captured video project and pool (auto_accept false), tasks served locally."""
        skill = skills.create(self.db, captured("video_skill.json"))
        project_id = self.project(captured("video_project.json"))
        pool = json.loads(json.dumps(captured("video_pool.json")).replace('"100002"', f'"{skill["id"]}"'))
        pool["defaults"] = {"default_overlap_for_new_task_suites": overlap}
        pool_id = self.pool(pool, project_id)
        items = captured("video_tasks.json")["body"][:task_count]
        for item in items:
            item["input_values"]["examplegif"] = "/test-media/example.png"
        self.tasks(pool_id, items)
        return pool_id

    def audio_setup(self, *, real: int = 8, golden: int = 4) -> str:
        """Seed 001: the captured audio project and pool; golden tasks with known solutions."""
        project_id = self.project(captured("audio_project.json"))
        pool_id = self.pool(captured("audio_pool.json"), project_id)
        body = captured("audio_tasks.json")["body"]
        gold = [t for t in body if t.get("known_solutions")][:golden]
        chosen = gold + [t for t in body if not t.get("known_solutions")][:real]
        for item in chosen:
            item["input_values"]["path"] = "/test-media/tone.wav"
        self.tasks(pool_id, chosen)
        return pool_id


def start_server(home: Path, database: Database | None = None, **settings: Any) -> Iterator[LiveServer]:
    """The app on a free port over `database` (by default a new SQLite file in `home`)."""
    db = database or fresh_sqlite(home)  # a copy of the once-migrated template
    requester_id = auth.ensure_requester(db)
    token = auth.create_token(db, "requester", requester_id=requester_id)
    media = home / "served"
    media.mkdir(parents=True, exist_ok=True)
    write_tone(media / "tone.wav")
    (media / "example.png").write_bytes(encode_image(np.full((60, 80, 3), 180, np.uint8), "png"))
    app_settings = Settings(home=home, **settings)
    app = create_app(app_settings, db)
    app.mount("/test-media", StaticFiles(directory=media), name="test-media")
    try:
        with serve_in_thread(app, app_settings) as url:
            yield LiveServer(url, db, app_settings, token, media)
    finally:
        if database is None:
            db.dispose()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    yield from start_server(tmp_path, max_upload_bytes=400_000)


@pytest.fixture
def live_any_db(db: Database, tmp_path: Path) -> Iterator[LiveServer]:
    """Like `live`, over the root conftest's `db`: the same test on SQLite and on PostgreSQL."""
    yield from start_server(tmp_path, db, max_upload_bytes=400_000)


def full_page_png(page: Any, path: Path) -> None:
    """A screenshot of the whole page (what Playwright's `screenshot(full_page=True)` takes: the document's
    full size measured as Playwright measures it, captured beyond the viewport), its PNG encoded by
    Chromium for speed rather than size.

    Encoding is most of a screenshot's price, and it is paid in Chromium's browser process: a 1280x3024
    page cost 0.27 s of CPU through Playwright and 0.15 s this way, the same pixels in a PNG about 1.2
    times larger (scratch numbers in docs/testing.md); a run takes some 120. Unlike Playwright's, the
    text caret is not hidden first."""
    size = page.wait_for_function(_FULL_SIZE).json_value()  # a navigation just begun has no body yet
    session = _sessions.get(page)
    if session is None:
        session = _sessions[page] = page.context.new_cdp_session(page)
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    taken = session.send("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True,
                                                     "optimizeForSpeed": True})
    path.write_bytes(base64.b64decode(taken["data"]))


_sessions: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()  # a DevTools session per page
# The page's full size as Playwright measures it for a full-page screenshot, once the document has a body.
_FULL_SIZE = """() => {
    const body = document.body, root = document.documentElement;
    if (!body || !root) return null;
    return {
        width: Math.max(body.scrollWidth, root.scrollWidth, body.offsetWidth, root.offsetWidth, body.clientWidth,
                        root.clientWidth),
        height: Math.max(body.scrollHeight, root.scrollHeight, body.offsetHeight, root.offsetHeight,
                         body.clientHeight, root.clientHeight),
    };
}"""


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    full_page_png(page, ARTIFACTS / f"{name}.png")


def as_stranger(page: Any) -> Any:
    """The same page with its browser context's cookies cleared: to the server (which knows a visitor by
    the session cookie alone) someone who has not signed in, as in a new context. For the next actor of a
    test once the last one is done: a new context with its page costs Chromium about 0.45 s of CPU, a
    navigation in an open page about 0.1 s."""
    page.context.clear_cookies()
    return page


def _session_cookie(page: Any, live: LiveServer, token: str) -> None:
    page.context.add_cookies([{"name": COOKIE, "value": token, "url": live.url, "httpOnly": True, "sameSite": "Lax"}])


def sign_in_worker(page: Any, live: LiveServer, login: str, password: str = "password123") -> None:
    """Signed in as the worker's sign-in form leaves her: a session token minted as its handler mints it,
    in the cookie; then her pool list. The forms themselves are driven in Chromium by the accessibility
    test (`sign_in_worker_by_form`, `sign_in_desk_by_form`), the phone test (the desk's, by keyboard) and
    the invite tests (sign-up), and over HTTP by tests/hardening; elsewhere a sign-in is set-up, and the
    form's page, typing and post cost Chromium 0.1-0.3 s of CPU each time."""
    _session_cookie(page, live, workers.sign_in(live.db, login, password, expires=session_expiry()))
    page.goto(f"{live.url}/w")
    page.wait_for_url(f"{live.url}/w")


def sign_in_worker_by_form(page: Any, live: LiveServer, login: str, password: str = "password123") -> None:
    page.goto(f"{live.url}/w/sign-in")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.url}/w")


def start_suite(browser: Any, live: LiveServer, login: str, pool_id: str, *, width: int = 1280,
                client_type: str = "BROWSER") -> Any:
    """A new worker signed in on a page of her own (`browser.new_page`), on the task page of a new suite of
    the pool."""
    live.worker(login, client_type=client_type)
    page = browser.new_page(viewport={"width": width, "height": 900})
    sign_in_worker(page, live, login)
    page.goto(f"{live.url}/w/pools/{pool_id}")
    page.click("button:has-text('Start a task suite')")
    page.wait_for_selector("body[data-ready='1']")
    return page


def sign_in_desk(page: Any, live: LiveServer, target: str = "/desk") -> None:
    """Signed in at the desk as its sign-in form leaves the requester (a session token minted from hers,
    in the cookie), then `target`: see `sign_in_worker`."""
    principal = auth.resolve(live.db, live.requester_token)
    session = auth.create_token(live.db, principal.role, requester_id=principal.requester_id, name="desk session",
                                expires=session_expiry())
    _session_cookie(page, live, session)
    page.goto(f"{live.url}{target}")
    page.wait_for_url(f"{live.url}{target}")


def sign_in_desk_by_form(page: Any, live: LiveServer, target: str = "/desk") -> None:
    page.goto(f"{live.url}/desk/sign-in?next={target}")
    page.fill("input[name=token]", live.requester_token)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.url}{target}")
