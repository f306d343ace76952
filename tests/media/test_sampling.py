from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from clipcrowd.media.convert import FrameSpec
from clipcrowd.media.probe import frame_table
from clipcrowd.media.sampling import sample_frames

from ._generate import Written, read_barcode


def _indices(path, fps, policy="nearest", **kw):  # type: ignore[no-untyped-def]
    out = []
    for s in sample_frames(path, fps, policy=policy, spec=kw.pop("spec", FrameSpec(width=160)), **kw):
        # the picture is the frame the timestamp says it is
        assert read_barcode(s.image) == s.time.index
        out.append(s.time.index)
    return out


@pytest.mark.parametrize("policy", ["exact", "nearest"])
def test_full_rate_yields_every_frame_once(cfr: Written, policy: str) -> None:
    assert _indices(cfr.path, 30, policy) == list(range(60))
    assert _indices(cfr.path, None, policy) == list(range(60))


def test_exact_sampling_is_frame_exact(cfr: Written) -> None:
    assert _indices(cfr.path, 10, "exact") == list(range(0, 60, 3))
    assert _indices(cfr.path, 1, "exact") == [0, 30]


def test_nearest_sparse_skips_b_frames_but_keeps_real_times(cfr: Written) -> None:
    got = _indices(cfr.path, 5, "nearest")
    assert len(got) == 10
    wanted = list(range(0, 60, 6))
    assert all(abs(g - w) <= 3 for g, w in zip(got, wanted, strict=True))
    assert got != wanted  # B-frames were not decoded, so some samples moved


def test_keyframes_policy(cfr: Written) -> None:
    assert _indices(cfr.path, 2, "keyframes") == [0, 15, 30, 45]


def test_sample_time_carries_pts_and_target(cfr: Written) -> None:
    samples = list(sample_frames(cfr.path, 10, policy="exact", spec=FrameSpec(width=80)))
    assert [s.target for s in samples[:3]] == [0, Fraction(1, 10), Fraction(2, 10)]
    assert samples[1].time.pts == cfr.pts[3]
    assert samples[1].time.time_base == cfr.time_base
    assert samples[1].image.shape == (60, 80, 3)


def test_vfr_sampling_follows_the_table(vfr: Written) -> None:
    table = frame_table(vfr.path)
    got = _indices(vfr.path, 10, "exact")
    expected = []
    for k in range(21):  # 0 .. 2.0 s, the last frame lasts to 2.033 s
        index = int(np.searchsorted(table, k * 100, side="right")) - 1
        if not expected or expected[-1] != index:
            expected.append(index)
    assert got == expected
    assert 6 in got and 7 in got and got.count(6) == 1  # the 600 ms gap gives frame 6 once


def test_start_end_window(cfr: Written) -> None:
    assert _indices(cfr.path, 10, "exact", start=0.5, end=1.0) == [15, 18, 21, 24, 27]


def test_gray_reads_the_luma_plane(cfr: Written) -> None:
    samples = list(sample_frames(cfr.path, 10, spec=FrameSpec(width=80, format="gray")))
    assert samples[0].image.shape == (60, 80) and samples[0].image.dtype == np.uint8
    assert read_barcode(samples[4].image) == samples[4].time.index


def test_odd_size_rgb_keeps_aspect(odd: Written) -> None:
    samples = list(sample_frames(odd.path, None, spec=FrameSpec(width=160)))
    assert samples[0].image.shape == (120, 160, 3)
    assert [read_barcode(s.image) for s in samples] == list(range(12))


def test_upright_rotation(rotated: Written) -> None:
    sample = next(iter(sample_frames(rotated.path, None, spec=FrameSpec(width=60))))
    assert sample.image.shape == (80, 60, 3)  # portrait after a quarter turn
    assert read_barcode(np.rot90(sample.image, -1)) == 0
    raw = next(iter(sample_frames(rotated.path, None, spec=FrameSpec(width=80, upright=False))))
    assert raw.image.shape == (60, 80, 3)


@pytest.mark.slow
def test_sparse_sampling_of_a_long_video_seeks(long_video: Written) -> None:
    samples = list(sample_frames(long_video.path, Fraction(1, 10), policy="exact", spec=FrameSpec(width=80)))
    assert [s.time.index for s in samples] == list(range(0, 6000, 100))
    assert all(read_barcode(s.image) == s.time.index for s in samples)
