"""A live-style WebM (no duration, no cues) gets both by a stream copy; other files keep their bytes."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import pytest

from clipcrowd.media import MediaError, make_seekable
from tests.media import _generate as gen

CUES = bytes.fromhex("1C53BB6B")  # the Matroska Cues element: what lets a player seek


def test_live_webm_gets_duration_and_cues(tmp_path: Path) -> None:
    live = gen.write_live_webm(tmp_path / "live.webm", seconds=3)
    with av.open(str(live)) as container:
        assert container.duration is None  # as a browser's recorder leaves it
    assert CUES not in live.read_bytes()
    done = make_seekable(live, tmp_path / "fixed.webm")
    assert done.remuxed
    assert abs(done.duration - 3) < Fraction(1, 10)
    fixed = (tmp_path / "fixed.webm").read_bytes()
    assert CUES in fixed
    with av.open(str(tmp_path / "fixed.webm")) as container:
        assert container.format.name.startswith("matroska")
        assert abs(Fraction(container.duration, av.time_base) - 3) < Fraction(1, 10)
        # every packet came through: same count of video packets as the original
        copied = sum(1 for p in container.demux(video=0) if p.size)
    with av.open(str(live)) as container:
        assert copied == sum(1 for p in container.demux(video=0) if p.size)


def test_video_only_live_webm(tmp_path: Path) -> None:
    live = gen.write_live_webm(tmp_path / "silent.webm", seconds=2, audio=False)
    done = make_seekable(live, tmp_path / "fixed.webm")
    assert done.remuxed and abs(done.duration - 2) < Fraction(1, 5)


def test_mp4_and_wav_keep_their_bytes(tmp_path: Path) -> None:
    mp4 = gen.write_video(tmp_path / "clip.mp4", frames=24, rate=12).path
    done = make_seekable(mp4, tmp_path / "out.webm")
    assert not done.remuxed and not (tmp_path / "out.webm").exists()
    assert abs(done.duration - 2) < Fraction(1, 5)
    wav = gen.write_audio_only(tmp_path / "tone.m4a", seconds=1.5).path
    done = make_seekable(wav, tmp_path / "out2.webm")
    assert not done.remuxed and abs(done.duration - Fraction(3, 2)) < Fraction(1, 10)


def test_truncated_and_garbage_raise_media_errors(tmp_path: Path) -> None:
    live = gen.write_live_webm(tmp_path / "live.webm", seconds=3)
    cut = tmp_path / "cut.webm"
    cut.write_bytes(live.read_bytes()[: live.stat().st_size // 2])
    try:
        done = make_seekable(cut, tmp_path / "cut-fixed.webm")
    except MediaError:
        pass  # refused with a reason is fine; a traceback of another kind is not
    else:
        assert done.duration is not None and done.duration < 3
    junk = tmp_path / "junk.webm"
    junk.write_bytes(b"not a recording at all" * 10)
    with pytest.raises(MediaError):
        make_seekable(junk, tmp_path / "junk-fixed.webm")
