"""Every bad input gets a specific MediaError whose message names the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from clipcrowd.media import (
    BadDimensionsError,
    BadFrameRateError,
    EmptyFileError,
    FrameSpec,
    MediaError,
    NotDecodableError,
    NoVideoStreamError,
    TruncatedFileError,
    cover,
    frame_table,
    probe,
    sample_frames,
)

from ._generate import Written, write_video


def _y4m(path: Path, width: int, height: int, frames: int = 1) -> Path:
    """A hand-written YUV4MPEG2 file: lets a test state any dimensions it likes."""
    header = f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 Cmono\n".encode()
    path.write_bytes(header + (b"FRAME\n" + bytes(width * height)) * frames)
    return path


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.touch()
    with pytest.raises(EmptyFileError, match=r"empty \(0 bytes\)"):
        probe(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no such file"):
        probe(tmp_path / "nope.mp4")


def test_text_file_named_mp4(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("this is not a video\n" * 20)
    with pytest.raises(NotDecodableError, match="not a media file"):
        probe(path)


def test_truncated_mp4(tmp_path: Path) -> None:
    full = write_video(tmp_path / "full.mp4", frames=60)
    data = full.path.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # the index (moov) is at the end: it is gone
    with pytest.raises(TruncatedFileError, match="truncated"):
        probe(cut)


def test_truncated_faststart_mp4_loses_frames(tmp_path: Path) -> None:
    full = write_video(tmp_path / "fs.mp4", frames=60, options={"movflags": "+faststart"})
    data = full.path.read_bytes()
    cut = tmp_path / "fs_cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    with pytest.raises(TruncatedFileError, match=r"frames|ends early|truncated"):
        probe(cut)


def test_truncated_matroska(tmp_path: Path) -> None:
    full = write_video(tmp_path / "full.mkv", frames=60)
    data = full.path.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[:200])
    with pytest.raises((TruncatedFileError, NotDecodableError)):
        probe(cut)


def test_absurd_dimensions(tmp_path: Path) -> None:
    path = _y4m(tmp_path / "wide.y4m", 20000, 2)
    with pytest.raises(BadDimensionsError, match="20000x2"):
        probe(path)


def test_zero_dimensions(tmp_path: Path) -> None:
    path = _y4m(tmp_path / "zero.y4m", 0, 0)
    with pytest.raises(MediaError):
        probe(path)


def test_sane_y4m_probes(tmp_path: Path) -> None:
    info = probe(_y4m(tmp_path / "ok.y4m", 64, 32, frames=3)).require_video()
    assert (info.width, info.height, info.frame_count) == (64, 32, 3)


def test_audio_only_has_no_video_stream(audio_only: Written) -> None:
    with pytest.raises(NoVideoStreamError, match="no video stream"):
        probe(audio_only.path).require_video()
    with pytest.raises(NoVideoStreamError):
        frame_table(audio_only.path)
    with pytest.raises(NoVideoStreamError):
        list(sample_frames(audio_only.path, 1))
    with pytest.raises(NoVideoStreamError):
        cover(audio_only.path)


@pytest.mark.parametrize("fps", [0, -1, float("nan")])
def test_non_positive_rate(cfr: Written, fps: float) -> None:
    with pytest.raises(BadFrameRateError, match="must be > 0"):
        list(sample_frames(cfr.path, fps))


def test_rate_above_native(cfr: Written) -> None:
    with pytest.raises(BadFrameRateError, match="above the video's native rate 30"):
        list(sample_frames(cfr.path, 60))


def test_bad_frame_spec() -> None:
    with pytest.raises(BadDimensionsError):
        FrameSpec(width=0)
