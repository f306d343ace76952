"""The media type a stored file is served with comes from decoding it (generated media, real PyAV)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clipcrowd.services.served_types import OCTET_STREAM, detect, disposition, served_type
from tests.media._generate import write_audio_only, write_images, write_video


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("served")
    (root / "page.html").write_text("<html><script>alert(1)</script></html>")
    (root / "drawing.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    return {
        "mp4": write_video(root / "clip.mp4", frames=6).path,
        "webm": write_video(root / "clip.webm", frames=6, codec="libvpx-vp9", pix_fmt="yuv420p").path,
        "m4a": write_audio_only(root / "tone.m4a", seconds=0.5).path,
        "png": write_images(root / "png", 1, ext="png")[0],
        "jpg": write_images(root / "jpg", 1, ext="jpg")[0],
        "html": root / "page.html",
        "svg": root / "drawing.svg",
    }


@pytest.mark.parametrize(("name", "expected"), [
    ("mp4", "video/mp4"), ("webm", "video/webm"), ("m4a", "audio/mp4"), ("png", "image/png"), ("jpg", "image/jpeg"),
    ("html", OCTET_STREAM), ("svg", OCTET_STREAM)])
def test_detected_type(files: dict[str, Path], name: str, expected: str) -> None:
    found = detect(files[name])
    assert found == expected
    assert disposition(found) == ("attachment" if expected == OCTET_STREAM else "inline")


@pytest.mark.parametrize("declared", ["text/html", "image/svg+xml", "application/xhtml+xml", "text/xml",
                                      "application/javascript", "", None, "video/mp4; charset=x<script>"])
def test_stored_types_off_the_allow_list_go_out_as_downloads(declared: str | None) -> None:
    if declared == "video/mp4; charset=x<script>":
        assert served_type(declared) == "video/mp4"  # the parameters never reach the header
    else:
        assert served_type(declared) == OCTET_STREAM and disposition(declared) == "attachment"
