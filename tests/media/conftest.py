"""Session-wide generated media: each file is written once per run with PyAV into a temp folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import _generate as gen

#: Irregular frame times (ms) for the variable-frame-rate file: bursts, a 600 ms gap, 1-tick steps.
VFR_PTS = (0, 33, 50, 120, 200, 210, 400, 1000, 1033, 1066, 1100, 1101, 1500, 1533, 1566, 2000)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def cfr(media_dir: Path) -> gen.Written:
    """2 s, 160x120, 30 fps H.264 with B-frames, keyframe every 15 frames, no audio."""
    return gen.write_video(media_dir / "cfr.mp4", frames=60, bframes=3, gop=15)


@pytest.fixture(scope="session")
def with_audio(media_dir: Path) -> gen.Written:
    """2 s, 25 fps H.264 plus a 48 kHz stereo AAC track (silent first second, tone after)."""
    return gen.write_video(media_dir / "av.mp4", frames=50, rate=25, audio=True)


@pytest.fixture(scope="session")
def vfr(media_dir: Path) -> gen.Written:
    return gen.write_vfr(media_dir / "vfr.mkv", VFR_PTS)


@pytest.fixture(scope="session")
def rotated(media_dir: Path) -> gen.Written:
    """A 160x120 video whose display matrix says: turn 90 degrees counter-clockwise."""
    return gen.write_video(media_dir / "rotated.mp4", frames=10, rotation=90)


@pytest.fixture(scope="session")
def odd(media_dir: Path) -> gen.Written:
    """321x241 needs 4:4:4 chroma (4:2:0 wants even sides)."""
    return gen.write_video(media_dir / "odd.mp4", frames=12, width=321, height=241, pix_fmt="yuv444p")


@pytest.fixture(scope="session")
def offset(media_dir: Path) -> gen.Written:
    """Matroska whose first frame is at 0.5 s (frame pts start at 15 in 1/30 s)."""
    return gen.write_video(media_dir / "offset.mkv", frames=30, first_pts=15)


@pytest.fixture(scope="session")
def audio_only(media_dir: Path) -> gen.Written:
    return gen.write_audio_only(media_dir / "tone.m4a", seconds=2.0, rate=44100)


@pytest.fixture(scope="session")
def webm(media_dir: Path) -> gen.Written:
    """VP9 in WebM: a codec/container pair that needs a browser proxy by our rules."""
    return gen.write_video(
        media_dir / "clip.webm",
        frames=20,
        codec="libvpx-vp9",
        options={"deadline": "realtime", "cpu-used": "8"},
    )


@pytest.fixture(scope="session")
def long_video(media_dir: Path) -> gen.Written:
    """10 minutes at 160x120, 10 fps, keyframe every 2 s: 6,000 frames."""
    return gen.write_video(
        media_dir / "long.mp4", frames=6000, rate=10, gop=20, bframes=2, options={"crf": "40"}
    )
