"""The recorder (seed 000): one preview, one set of controls, a countdown, the length shown, seekable.

The browser's MediaRecorder writes WebM without a duration or an index; the server stream-copies
it on upload, so the worker's preview and the review desk show its length and can seek. Chromium
records from its fake camera (--use-fake-device-for-media-stream); waits are on events (the
recorder's 250 ms pieces, `seeked`), never on timers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from sqlalchemy import select

from clipcrowd.services import workers
from clipcrowd.store.tables import assignments, attachments
from tests.media._generate import write_live_webm
from tests.web.axe import WIDTHS, shots
from tests.web.conftest import LiveServer, as_stranger, sign_in_desk, start_server, start_suite

# No module-wide browser mark: only the tests that drive Chromium have it, so the others sort after the
# browser tests (tests/conftest.py) and a test process does not close Chromium for them and start it again.


SEEK = """async (sel) => {
    const v = document.querySelector(sel);
    if (v.readyState < 1) await new Promise((ok) => v.addEventListener('loadedmetadata', ok, { once: true }));
    const seeked = new Promise((ok) => v.addEventListener('seeked', ok, { once: true }));
    v.currentTime = 1.5;
    await seeked;
    return { duration: v.duration, at: v.currentTime, seekable: v.seekable.length ? v.seekable.end(0) : 0 };
}"""


def _visible(page: Any, selector: str) -> int:
    return page.locator(f"{selector} >> visible=true").count()


def _task(live: LiveServer, browser: Any, login: str, width: int) -> tuple[Any, str]:
    pool_id = live.video_setup(task_count=1, overlap=1)
    return (start_suite(browser, live, login, pool_id, width=width, client_type="TOLOKA_APP"), pool_id)


@pytest.fixture
def roomy(tmp_path: Path) -> Iterator[LiveServer]:
    """A server whose upload limit leaves a recording minutes of room: how long the steps between
    Record and Stop take depends on the machine's load, and the recording must not end by itself
    in between (that is the next test's subject, at a small limit)."""
    yield from start_server(tmp_path, max_upload_bytes=20_000_000)


def _at_both_widths(page: Any, check: Callable[[], None]) -> None:
    """`check` with the page at 1280 px and at 375 px (its own size put back after)."""
    before = page.viewport_size
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            check()
    finally:
        page.set_viewport_size(before)


@pytest.mark.browser
def test_record_preview_length_and_seek(roomy: LiveServer, browser: Any) -> None:
    """One recording, made at phone width; what the worker sees before, during and after it is checked
    at both widths (a run per width recorded and uploaded the same seconds of camera twice)."""
    live = roomy
    page, pool_id = _task(live, browser, "rec", 375)
    field = ".cc-media-file"

    def idle() -> None:  # before any recording: the buttons only; no empty preview box, no "Remove"
        assert page.locator(f"{field} .file-preview").is_hidden()
        assert page.locator(f"{field} button:has-text('Remove')").is_hidden()
        assert _visible(page, f"{field} video") == 0

    _at_both_widths(page, idle)
    shots(page, "recorder-idle")

    page.click("button:has-text('Record video')")
    page.wait_for_selector(f"{field}[data-state=recording]")
    page.wait_for_function("() => Number(document.querySelector('.cc-media-file').dataset.chunks || 0) >= 8")
    clock = page.inner_text(".recorder-clock")
    assert re.search(r"Recording 0:0\d · stops by itself in \d+:\d\d", clock), clock

    def recording() -> None:  # the camera and one button (Stop); nothing else to press or play
        assert _visible(page, f"{field} button") == 1 and _visible(page, f"{field} video") == 1
        assert page.locator(f"{field} video.live").is_visible()

    _at_both_widths(page, recording)
    shots(page, "recorder-recording", check=True)
    page.click("button:has-text('Stop recording')")
    page.wait_for_selector(f"{field}[data-state=done]", timeout=20000)

    def done() -> None:  # one player (the stored copy), its length, Remove; the camera is gone
        assert _visible(page, f"{field} video") == 1 and page.locator(f"{field} video.live").is_hidden()
        assert page.locator(f"{field} .recorder-clock").is_hidden()
        assert page.locator(f"{field} button:has-text('Remove')").is_visible()
        assert page.locator("button:has-text('Record video again')").is_visible()

    _at_both_widths(page, done)
    length = page.inner_text(f"{field} [data-testid=file-length]")
    assert re.fullmatch(r" ?· 0:(0[2-9]|[1-5]\d)", length), length  # 2 s and up: 8 pieces, then the checks
    src = page.get_attribute(f"{field} .file-preview video", "src")
    assert src.startswith("/w/attachments/")
    got = page.evaluate(SEEK, f"{field} .file-preview video")
    assert 1.9 < got["duration"] < 60 and abs(got["at"] - 1.5) < 0.2 and got["seekable"] > 1.9, got
    shots(page, "recorder-done")

    with live.db.read() as conn:
        stored = conn.execute(select(attachments)).one()
    assert stored.media_type == "video/webm" and 1_900_000 < stored.duration_us < 60_000_000
    with av.open(str(live.settings.media_dir / stored.storage_key)) as container:
        assert container.duration is not None  # the stored copy has what the recorder left out

    page.click("#submit")
    page.wait_for_selector("#after:not([hidden])")
    # the review desk shows the same length and seeks too (on the worker's page, her cookie cleared: she is done)
    review = as_stranger(page)
    review.set_viewport_size({"width": 1280, "height": 900})
    sign_in_desk(review, live, f"/desk/pools/{pool_id}/review")
    review.wait_for_selector("body[data-ready='1']")
    assert review.inner_text("[data-testid=file-length]") == length
    got = review.evaluate(SEEK, "video.review-media")
    assert 1.9 < got["duration"] < 60 and abs(got["at"] - 1.5) < 0.2, got
    shots(review, "desk-review-length")


# The fake camera's small picture (tests/browser.py) and its microphone write about 20 kB a second, most
# of it the sound: a limit this size ends a recording after about a second and a half.
SMALL_LIMIT = 30_000


@pytest.mark.browser
def test_recording_stops_by_itself_before_the_upload_limit(browser: Any, tmp_path: Path) -> None:
    server = start_server(tmp_path, max_upload_bytes=SMALL_LIMIT)
    live = next(server)
    try:
        page, _pool = _task(live, browser, "tiny", 1280)
        page.click("button:has-text('Record video')")
        # no click on Stop: the recorder stops at 90% of the limit and the upload goes through (a recording
        # began: pieces were counted; it ended: the state left recording and uploading)
        page.wait_for_selector(".cc-media-file[data-chunks]:not([data-state=recording]):not([data-state=uploading])",
                               timeout=30000)
        assert "Uploaded" in page.inner_text(".file-status"), page.inner_text(".cc-media-file")
        # the clock said so while it recorded (read after: with a limit this small the recording may end
        # within a frame of the warning, and the clock is hidden when it ends, keeping its last words)
        assert "stops by itself" in (page.text_content(".recorder-clock") or "")
        with live.db.read() as conn:
            assert conn.execute(select(attachments.c.size)).scalar_one() <= SMALL_LIMIT
        page.goto("about:blank")  # the camera off before its server stops
    finally:
        server.close()


def test_upload_of_a_live_webm_gets_a_duration(live: LiveServer, tmp_path: Path) -> None:
    pool_id = live.video_setup(task_count=1)
    live.worker("uma", client_type="TOLOKA_APP")
    live.worker("vic", client_type="TOLOKA_APP")
    token = workers.sign_in(live.db, "uma", "password123")
    headers = {"Authorization": f"OAuth {token}"}
    taken = httpx.post(f"{live.url}/api/v1/worker/pools/{pool_id}/next", headers=headers)
    assert taken.status_code in (200, 201), taken.text
    assignment_id = taken.json()["id"]
    clip = write_live_webm(tmp_path / "live.webm", seconds=3)
    made = httpx.post(f"{live.url}/api/v1/worker/assignments/{assignment_id}/attachments?name=live.webm",
                      content=clip.read_bytes(), headers={**headers, "Content-Type": "video/webm"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert abs(body["duration"] - 3.0) < 0.1 and body["media_type"] == "video/webm"
    assert body["size"] != clip.stat().st_size  # stored as the remuxed copy, hashed as such
    listed = httpx.get(f"{live.url}/api/v1/attachments/{body['id']}",
                       headers={"Authorization": f"OAuth {live.requester_token}"}).json()
    assert listed["duration"] == body["duration"]

    # the worker's own preview URL serves it with ranges; nobody else's file is reachable there
    mine = httpx.get(f"{live.url}/w/attachments/{body['id']}", headers={"Range": "bytes=0-99"},
                     cookies={"clipcrowd_token": token})
    assert mine.status_code == 206 and len(mine.content) == 100
    other = workers.sign_in(live.db, "vic", "password123")
    theirs = httpx.get(f"{live.url}/w/attachments/{body['id']}", cookies={"clipcrowd_token": other})
    assert theirs.status_code == 404
    for bad in ("abc", "-1", "9" * 40):
        refused = httpx.get(f"{live.url}/w/attachments/{bad}", cookies={"clipcrowd_token": token})
        assert refused.status_code in (400, 404), (bad, refused.status_code)
    with live.db.read() as conn:
        assert conn.execute(select(assignments.c.status)).scalar_one() == "ACTIVE"


def test_a_remuxed_copy_past_the_limit_is_not_stored(tmp_path: Path) -> None:
    """The seekable copy's index adds bytes: an upload exactly at the limit is kept as it came rather
    than stored larger than the limit, and still gets its duration."""
    clip = write_live_webm(tmp_path / "live.webm", seconds=2)
    limit = clip.stat().st_size
    server = start_server(tmp_path / "home", max_upload_bytes=limit)
    live = next(server)
    try:
        pool_id = live.video_setup(task_count=1)
        live.worker("uma", client_type="TOLOKA_APP")
        headers = {"Authorization": f"OAuth {workers.sign_in(live.db, 'uma', 'password123')}"}
        taken = httpx.post(f"{live.url}/api/v1/worker/pools/{pool_id}/next", headers=headers)
        assert taken.status_code in (200, 201), taken.text
        made = httpx.post(
            f"{live.url}/api/v1/worker/assignments/{taken.json()['id']}/attachments?name=live.webm",
            content=clip.read_bytes(), headers={**headers, "Content-Type": "video/webm"})
        assert made.status_code == 201, made.text
        body = made.json()
        assert body["size"] == limit and abs(body["duration"] - 2.0) < 0.1
        with live.db.read() as conn:
            assert conn.execute(select(attachments.c.size)).scalar_one() == limit
    finally:
        server.close()
