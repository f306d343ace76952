"""Debian's Chromium through Playwright, for every browser test: one Chromium per run of browser tests.

Playwright's sync API runs an asyncio loop on the main thread while it is open: a second
`sync_playwright()` started while the first lives fails, and so does `asyncio.run` in a test that runs
while it is open. So the fixture is defined once, here (registered by the root conftest); Chromium is
started by the first browser test of a run of them and stopped after the last one (tests/conftest.py's
teardown hook), so a worker pays one start (about 2 s of CPU) for many test modules. Each test gets the
same Chromium, and whatever browser contexts it leaves open are closed after it (pages do not keep
running into the next test).

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


@pytest.fixture
def browser() -> Iterator[Any]:
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
        _open[:] = [manager, chromium, folder]
    chromium = _open[1]
    yield chromium
    for context in chromium.contexts:
        context.close()


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
