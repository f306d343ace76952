"""Ingest fixtures: generated media, a local HTTP server for URL imports, a live clipcrowd server
with a small upload cap, and the Kili facade pointed at it."""

from __future__ import annotations

import http.server
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from clipcrowd.compat.kili import Kili
from clipcrowd.store.db import Database
from tests.media._generate import write_audio_only, write_images, write_video
from tests.support import Live, live_server

#: The upload and download cap of the test server: the "too large" file is just over it.
CAP = 1_500_000


def y4m(path: Path, width: int, height: int, frames: int = 1) -> Path:
    """A hand-written YUV4MPEG2 file: any dimensions a test likes."""
    header = f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 Cmono\n".encode()
    path.write_bytes(header + (b"FRAME\n" + bytes(width * height)) * frames)
    return path


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every file the ingest tests import, generated once per run."""
    root = tmp_path_factory.mktemp("ingest-media")
    good = write_video(root / "short_video.mp4", frames=60, rate=30)  # 2 s, H.264: browser-safe
    write_video(root / "short_video.mkv", frames=60, rate=30, codec="mpeg4")  # needs a proxy
    for i, image in enumerate(write_images(root / "vid2_frame", 3, width=64, height=48, ext="jpg"), start=1):
        image.rename(root / "vid2_frame" / f"video2-img{i:06d}.jpg")
    write_images(root / "other", 1, width=80, height=48, ext="jpg")[0].rename(root / "vid2_frame" / "wider.jpg")
    write_audio_only(root / "tone.m4a", seconds=1.0)
    (root / "empty.mp4").write_bytes(b"")
    data = good.path.read_bytes()
    (root / "truncated.mp4").write_bytes(data[: len(data) // 2])
    (root / "notes.mp4").write_text("this is not a video\n" * 50)
    y4m(root / "wide.y4m", 20000, 2)
    y4m(root / "zero.y4m", 0, 0)
    (root / "big.mp4").write_bytes(data * (CAP // len(data) + 2))
    return root


class _Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/loop"):
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the test output is the report
        pass


@dataclass
class Web:
    base: str

    def url(self, path: str) -> str:
        return f"{self.base}/{path}"


@pytest.fixture(scope="session")
def web(media: Path) -> Iterator[Web]:
    """``http.server`` on 127.0.0.1 serving the generated media (``/loop`` redirects to itself)."""
    handler = lambda *a, **k: _Handler(*a, directory=str(media), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Web(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def ingest_live(db: Database, tmp_path: Path) -> Iterator[Live]:
    with live_server(db, tmp_path / "server", max_upload_bytes=CAP) as server:
        yield server


@pytest.fixture
def kili(ingest_live: Live) -> Iterator[Kili]:
    client = Kili(api_key=ingest_live.token, api_endpoint=ingest_live.url)
    yield client
    client.close()


@pytest.fixture
def workdir(tmp_path: Path, media: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The notebook's working directory (it reads ``./test.mp4`` and friends)."""
    folder = tmp_path / "notebook"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def copy(media: Path, name: str, dest: Path) -> Path:
    return Path(shutil.copy(media / name, dest))


def stored_files(live: Live, project_id: str | None = None) -> list[Path]:
    """Files in the server's storage (under one project when given), ignoring empty folders."""
    root = live.settings.media_dir / ("projects" if project_id is None else f"projects/{project_id}")
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def wait_for(check: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)
