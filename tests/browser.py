"""Debian's Chromium through Playwright, one browser per test module, for every browser test.

Playwright's sync API runs an asyncio loop on the main thread while it is open: a second
`sync_playwright()` started while the first lives fails, and so does `asyncio.run` in any later test
on the same (xdist) worker. So the fixture is defined once, here (registered by the root conftest),
and lives for one module; tests of a module-scoped fixture share one xdist worker (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--use-fake-device-for-media-stream",
                 "--use-fake-ui-for-media-stream", "--disable-gpu"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
