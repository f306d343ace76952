"""Debian's Chromium through Playwright, for every browser test: one Chromium per run of browser tests.

Playwright's sync API runs an asyncio loop on the main thread while it is open: a second
`sync_playwright()` started while the first lives fails, and so does `asyncio.run` in a test that runs
while it is open. So the fixture is defined once, here (registered by the root conftest); Chromium is
started by the first browser test of a run of them and stopped after the last one (tests/conftest.py's
teardown hook), so a worker pays one start (about 2 s of CPU) for many test modules. Each test gets the
same Chromium, and whatever browser contexts it leaves open are closed after it (pages do not keep
running into the next test).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--use-fake-device-for-media-stream",
                 "--use-fake-ui-for-media-stream", "--disable-gpu"]

_open: list[Any] = []  # [playwright context manager, Chromium] while a run of browser tests lasts


@pytest.fixture
def browser() -> Iterator[Any]:
    if not _open:
        from playwright.sync_api import sync_playwright

        manager = sync_playwright()
        playwright = manager.__enter__()
        try:
            _open[:] = [manager, playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)]
        except BaseException:
            manager.__exit__(None, None, None)
            raise
    chromium = _open[1]
    yield chromium
    for context in chromium.contexts:
        context.close()


def stop_browser() -> None:
    """Close Chromium and Playwright's loop (before a test that is not a browser test, and at the end)."""
    if _open:
        manager, chromium = _open
        _open.clear()
        try:
            chromium.close()
        finally:
            manager.__exit__(None, None, None)
