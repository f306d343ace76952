from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from clipcrowd.media.probe import frame_table, probe

from ._generate import Written


def test_cfr_probe_matches_what_was_written(cfr: Written) -> None:
    info = probe(cfr.path)
    video = info.require_video()
    assert (video.codec, video.width, video.height) == ("h264", 160, 120)
    assert video.frame_count == 60
    assert video.keyframe_count == 4  # gop=15
    assert video.native_rate == 30 and video.average_rate == 30
    assert not video.vfr
    assert video.duration == 2
    assert video.rotation == 0
    assert info.audio == ()
    assert info.format_name.startswith("mov,mp4")


def test_frame_table_is_the_written_pts_in_presentation_order(cfr: Written) -> None:
    table = frame_table(cfr.path)
    assert table.dtype == np.int64
    assert table.tolist() == list(cfr.pts)


def test_vfr_is_detected_and_its_table_is_exact(vfr: Written) -> None:
    video = probe(vfr.path).require_video()
    assert video.vfr
    assert video.time_base == Fraction(1, 1000)
    assert video.frame_count == len(vfr.pts)
    assert frame_table(vfr.path).tolist() == list(vfr.pts)
    # the average rate comes from frames over duration, not from a header's guess
    assert video.average_rate is not None and video.average_rate < 10


def test_one_tick_jitter_from_time_base_rounding_is_not_vfr(offset: Written) -> None:
    steps = set(np.diff(frame_table(offset.path)).tolist())
    assert steps == {33, 34}  # 1/30 s in milliseconds
    assert not probe(offset.path).require_video().vfr


def test_first_pts_offset(offset: Written) -> None:
    video = probe(offset.path).require_video()
    assert video.first_pts == offset.pts[0] == 500
    assert video.first_time == Fraction(1, 2)
    assert video.frame_count == 30


def test_rotation_from_display_matrix(rotated: Written) -> None:
    video = probe(rotated.path).require_video()
    assert video.rotation == 90
    assert (video.width, video.height) == (160, 120)
    assert video.display_size == (120, 160)


def test_odd_size_444(odd: Written) -> None:
    video = probe(odd.path).require_video()
    assert (video.width, video.height, video.pix_fmt) == (321, 241, "yuv444p")
    assert video.frame_count == 12


def test_audio_stream_facts(with_audio: Written) -> None:
    info = probe(with_audio.path)
    assert info.video is not None and info.video.native_rate == 25
    assert len(info.audio) == 1
    audio = info.audio[0]
    assert (audio.codec, audio.sample_rate, audio.channels) == ("aac", 48000, 2)
    assert audio.duration is not None and abs(audio.duration - 2) < Fraction(1, 10)


def test_audio_only_has_no_video(audio_only: Written) -> None:
    info = probe(audio_only.path)
    assert info.video is None and not info.has_video
    assert info.audio[0].sample_rate == 44100
    assert info.duration is not None and abs(info.duration - 2) < Fraction(1, 10)


def test_creation_time(media_dir) -> None:  # type: ignore[no-untyped-def]
    import av

    from ._generate import write_video

    path = media_dir / "dated.mp4"
    write_video(path, frames=3)
    with av.open(str(path)) as inp, av.open(str(media_dir / "dated2.mp4"), "w") as out:
        out.metadata["creation_time"] = "2024-05-01T12:30:00.000000Z"
        src = inp.streams.video[0]
        dst = out.add_stream_from_template(src)
        for packet in inp.demux(src):
            if packet.dts is not None:
                packet.stream = dst
                out.mux(packet)
    created = probe(media_dir / "dated2.mp4").creation_time
    assert created is not None
    assert (created.year, created.month, created.day, created.hour, created.minute) == (2024, 5, 1, 12, 30)
    assert created.utcoffset() is not None


@pytest.mark.slow
def test_ten_minute_video(long_video: Written) -> None:
    video = probe(long_video.path).require_video()
    assert video.frame_count == 6000
    assert video.duration == 600
    assert video.keyframe_count == 300
    table = frame_table(long_video.path)
    assert table.tolist() == list(long_video.pts)
