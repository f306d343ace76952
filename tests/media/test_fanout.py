from __future__ import annotations

import threading

import pytest

from clipcrowd.media import FanOut, FrameSpec, Sample, sample_frames

from ._generate import Written, read_barcode


def test_one_decode_feeds_consumers_at_their_own_rate_and_size(cfr: Written) -> None:
    rgb: list[Sample] = []
    luma: list[Sample] = []
    fan = FanOut(cfr.path)
    fan.subscribe(rgb.append, fps=5, spec=FrameSpec(width=80), policy="exact")
    fan.subscribe(luma.append, fps=30, spec=FrameSpec(width=40, format="gray"))
    assert fan.run() == [10, 60]
    assert [s.time.index for s in rgb] == list(range(0, 60, 6))
    assert [s.time.index for s in luma] == list(range(60))
    assert rgb[0].image.shape == (60, 80, 3) and luma[0].image.shape == (30, 40)
    assert all(read_barcode(s.image) == s.time.index for s in rgb + luma)


def test_fanout_matches_a_single_sampler(cfr: Written) -> None:
    got: list[int] = []
    fan = FanOut(cfr.path)
    fan.subscribe(lambda s: got.append(s.time.index), fps=10, policy="exact")
    fan.run()
    assert got == [s.time.index for s in sample_frames(cfr.path, 10, policy="exact")]


def test_threaded_consumers_are_bounded(cfr: Written) -> None:
    seen: list[int] = []
    in_flight = threading.Semaphore(0)

    def slow(sample: Sample) -> None:
        seen.append(sample.time.index)
        in_flight.release()

    fan = FanOut(cfr.path)
    fan.subscribe(slow, fps=30, spec=FrameSpec(width=16))
    fan.subscribe(lambda s: None, fps=1, spec=FrameSpec(width=16))
    assert fan.run(threaded=True, buffer=2) == [60, 2]
    assert seen == list(range(60))


def test_consumer_error_is_raised(cfr: Written) -> None:
    def boom(sample: Sample) -> None:
        if sample.time.index == 5:
            raise RuntimeError("consumer failed at frame 5")

    for threaded in (False, True):
        fan = FanOut(cfr.path)
        fan.subscribe(boom, fps=30, spec=FrameSpec(width=16))
        with pytest.raises(RuntimeError, match="frame 5"):
            fan.run(threaded=threaded)
