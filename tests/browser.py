"""Debian's Chromium through Playwright, for every browser test: one Chromium per run of browser tests.

Playwright's sync API runs an asyncio loop on the main thread while it is open: a second
`sync_playwright()` started while the first lives fails, and so does `asyncio.run` in a test that runs
while it is open. So the fixture is defined once, here (registered by the root conftest); Chromium is
started by the first browser test of a run of them and stopped after the last one (tests/conftest.py's
teardown hook), so a worker pays one start (about 2 s of CPU) for many test modules. Each test gets the
same Chromium, and whatever browser contexts it leaves open are closed after it (pages do not keep
running into the next test); the first page a test asks for is the page of the test before, reset
(`Chromium.new_page`).

The fake camera plays a small file (`camera_file`) instead of Chromium's own 640x480 pattern at 30
frames a second: recording a second of that pattern cost Chromium about 0.75 s of CPU (drawing, showing
and VP8-encoding every frame), a second of the file about 0.1 s. The tests check what a recording is
(its pieces, length, seeking, upload, review), not what it shows.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--use-fake-device-for-media-stream",
                 "--use-fake-ui-for-media-stream", "--disable-gpu"]

_open: list[Any] = []  # [playwright context manager, Chromium, camera folder] while a run of browser tests lasts


def camera_file(folder: Path, size: tuple[int, int] = (160, 120), rate: int = 10, frames: int = 20) -> Path:
    """Two seconds of a bar moving across a 160x120 picture at 10 frames a second, as raw YUV (y4m, which
    Chromium's fake capture device reads and loops), written with PyAV."""
    import av
    import numpy as np

    path = folder / "camera.y4m"
    with av.open(str(path), "w", format="yuv4mpegpipe") as out:
        stream = out.add_stream("rawvideo", rate=Fraction(rate))
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for i in range(frames):
            picture = np.full((size[1], size[0], 3), 90, np.uint8)
            left = i * size[0] // frames
            picture[:, left:left + size[0] // 8, 1] = 220
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


#: the options of a page a test may take over from the test before (`Chromium.new_page`): the viewport,
#: which Playwright's reuse sets again. A page asked for with any other option (a time zone, a locale, a
#: phone: five tests a run) gets a new context of its own; handed the kept one, Playwright would replace
#: it by a new one, and the next test would replace that again.
DEFAULT_VIEWPORT = {"width": 1280, "height": 720}  # Playwright's, for a context asked for with none
REUSABLE = frozenset({"viewport"})


class Chromium:
    """The run's Chromium as a test sees it: Playwright's `Browser` (every attribute passed on), plus
    `new_page`, which hands the test's first page over from the test before instead of opening a new one.

    A new context with its page and a first navigation cost Chromium and Playwright's driver 0.59-0.65 s
    of CPU, the same page handed over 0.26-0.28 s (a scratch script, 10 rounds each, twice; see
    docs/testing.md, helper `browserctx`), and a run opens about 35. The hand-over is Playwright's own
    context reuse (what its test runner does with `reuse: true`: `Browser._new_context_for_reuse`). At
    the end of a test the context is disconnected from this client, so the test's event handlers,
    routes, init scripts, bindings and dialog handlers go with its objects; when the next test asks,
    Playwright closes every page but the first, loads about:blank in it, uninstalls the fake clock, sets
    the viewport (and media, user agent) again, clears the cookies and the HTTP cache, and in every
    origin the context has been to clears local and session storage, IndexedDB and the origin file
    system and unregisters service workers. What that leaves, this resets: permissions, geolocation,
    offline mode and extra HTTP headers when the page is handed over; at the end of the test, the keys
    and mouse buttons the test pressed down and did not let go (Playwright keeps them down), and every
    kind of storage of every origin its pages went to (Chromium's `Storage.clearDataForOrigin`, which
    takes CacheStorage too). A page asked for with options outside `REUSABLE`, or a second page in the
    same test, gets a new context of its own, closed after the test.
    tests/web/test_context_reuse.py leaves all of that behind and checks the next page sees none of it.
    """

    def __init__(self, browser: Any) -> None:
        self.playwright_browser = browser
        self._reuse = _private_reuse(browser)
        self._reused: Any = None  # the context handed over in this test, if one was
        self._origins: set[str] = set()  # where its pages went
        self._held: list[Any] = []  # what lets go of the keys and buttons its first page pressed down

    def __getattr__(self, name: str) -> Any:
        return getattr(self.playwright_browser, name)

    def new_page(self, **options: Any) -> Any:
        """A page in a context of its own with `options` (Playwright's `new_context` options): the
        previous test's page, reset, where it can be (see the class), else a new context's page."""
        options.setdefault("viewport", DEFAULT_VIEWPORT)  # a reused context keeps its own unless told
        if self._reuse is None or self._reused is not None or not options.keys() <= REUSABLE:
            return self.playwright_browser.new_context(**options).new_page()
        context = self._reuse.take(options)
        context.clear_permissions()
        context.set_geolocation(None)
        context.set_offline(False)
        context.set_extra_http_headers({})
        self._reused, self._origins, self._held = context, set(), []
        context.on("page", self._track)
        for page in context.pages:
            self._track(page)
        page = context.pages[0] if context.pages else context.new_page()
        self._hold(page)
        return page

    def _hold(self, page: Any) -> None:
        """Keys and mouse buttons pressed down on the page (Playwright keeps them down, page after page,
        until let go): noted, to be let go after the test."""
        keyboard, mouse = page.keyboard, page.mouse
        key_down, button_down = keyboard.down, mouse.down

        def press_key(name: str) -> None:
            self._held.append(lambda: keyboard.up(name))
            key_down(name)

        def press_button(**options: Any) -> None:
            self._held.append(lambda: mouse.up(**options))
            button_down(**options)

        keyboard.down, mouse.down = press_key, press_button

    def _track(self, page: Any) -> None:
        """The origins the handed-over context's pages go to: their storage is cleared after the test."""
        def seen(frame: Any) -> None:
            parts = urlsplit(frame.url)
            if parts.scheme in ("http", "https"):
                self._origins.add(f"{parts.scheme}://{parts.netloc}")

        page.on("framenavigated", seen)

    def end_test(self) -> None:
        """After each test: its other contexts closed, the one handed over kept for the next test."""
        browser = self.playwright_browser
        for context in browser.contexts:
            if context is not self._reused:
                context.close()
        kept, self._reused = self._reused, None
        if kept is None or kept not in browser.contexts:  # none handed over, or the test closed it
            return
        try:  # nothing of the test's pages runs on (timers, polling, the camera) until the next one asks
            for page in kept.pages[1:]:
                page.close()
            for page in kept.pages:
                page.goto("about:blank")
                for let_go in reversed(self._held):
                    let_go()
                session = kept.new_cdp_session(page)
                for origin in sorted(self._origins):  # all of it: Playwright's reset leaves CacheStorage
                    session.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
                session.detach()
        except Exception:  # a page that cannot be left (crashed, say): closed, so the next test gets a new one
            kept.close()
            return
        assert self._reuse is not None  # a context is only handed over through it
        self._reuse.release()


class _PrivateReuse:
    """Playwright's context reuse, which is not public API (its test runner's `reuse: true`): reached
    only through here. Where a Playwright release no longer has it, `_private_reuse` says so and every
    page gets a new context, as before the reuse: slower, not broken."""

    def __init__(self, browser: Any, from_impl: Any) -> None:
        self.browser, self.from_impl = browser, from_impl

    def take(self, options: dict[str, Any]) -> Any:
        return self.from_impl(self.browser._sync(self.browser._impl_obj._new_context_for_reuse(dict(options))))

    def release(self) -> None:
        self.browser._sync(self.browser._impl_obj._disconnect_from_reused_context("the test ended"))


def _private_reuse(browser: Any) -> _PrivateReuse | None:
    try:
        from playwright.sync_api._generated import mapping
    except ImportError:
        return None
    impl = getattr(browser, "_impl_obj", None)
    if not all(callable(getattr(impl, name, None)) and callable(getattr(browser, "_sync", None))
               for name in ("_new_context_for_reuse", "_disconnect_from_reused_context")):
        return None
    return _PrivateReuse(browser, mapping.from_impl)


@pytest.fixture
def browser() -> Iterator[Chromium]:
    if not _open:
        from playwright.sync_api import sync_playwright

        folder = Path(tempfile.mkdtemp(prefix="clipcrowd-camera-"))
        camera = f"--use-file-for-fake-video-capture={camera_file(folder)}"
        manager = sync_playwright()
        playwright = manager.__enter__()
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, camera])
        except BaseException:
            manager.__exit__(None, None, None)
            shutil.rmtree(folder, ignore_errors=True)
            raise
        _open[:] = [manager, Chromium(chromium), folder]
    chromium = _open[1]
    yield chromium
    chromium.end_test()


def stop_browser() -> None:
    """Close Chromium and Playwright's loop (before a test that is not a browser test, and at the end)."""
    if _open:
        manager, chromium, folder = _open
        _open.clear()
        try:
            chromium.close()
        finally:
            manager.__exit__(None, None, None)
            shutil.rmtree(folder, ignore_errors=True)
