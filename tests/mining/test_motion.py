"""Motion events on generated footage whose moving objects are known by construction."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from clipcrowd.mining.events import EventRules, Segmenter
from clipcrowd.mining.motion import MotionParams, detect_motion
from tests.mining.scenes import Mover, match, write_scene

MOVERS = [Mover(1.0, 3.5), Mover(5.0, 6.2, (40, 200, 40), "up"), Mover(8.0, 11.0, (40, 40, 230), "left")]


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_scene(tmp_path_factory.mktemp("motion") / "scene.mp4", 12, MOVERS)


def test_events_match_the_known_intervals(scene: Path) -> None:
    events = list(detect_motion(scene))
    found = [(float(e.start_offset), float(e.end_offset)) for e in events]
    truth = [(m.start, m.end) for m in MOVERS]
    pairs = match(found, truth)
    assert len(pairs) == len(truth) == len(found)
    for i, j in pairs:
        assert abs(found[i][0] - truth[j][0]) <= 0.5
        assert abs(found[i][1] - truth[j][1]) <= 0.5


def test_event_metadata_describes_the_mover(scene: Path) -> None:
    events = list(detect_motion(scene, MotionParams(cover_width=160, cover_height=90)))
    assert [e.direction for e in events] == ["right", "up", "left"]
    for event, mover in zip(events, MOVERS, strict=True):
        dominant = max(range(3), key=lambda c: mover.color[c])
        assert max(range(3), key=lambda c: event.color[c]) == dominant
        assert event.energy > 0 and event.peak >= event.energy
        x0, y0, x1, y1 = event.bbox
        assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
        assert event.start.pts < event.end.pts
        assert event.cover is not None
        with av.open(__import__("io").BytesIO(event.cover)) as img:
            frame = next(img.decode(video=0))
            assert (frame.width, frame.height) == (160, 90)
    horizontal, vertical = events[0].bbox, events[1].bbox
    assert horizontal[2] - horizontal[0] > 0.8 and horizontal[3] - horizontal[1] < 0.4
    assert vertical[3] - vertical[1] > 0.8 and vertical[2] - vertical[0] < 0.3


def test_a_still_scene_has_no_events(tmp_path: Path) -> None:
    path = write_scene(tmp_path / "still.mp4", 4, [], noise=6)
    assert list(detect_motion(path)) == []


@pytest.mark.parametrize(("skip", "tolerance"), [("none", 0.2), ("auto", 0.4)])
def test_b_frames_every_frame_or_skipped(tmp_path: Path, skip: str, tolerance: float) -> None:
    path = write_scene(tmp_path / "bf.mp4", 6, [Mover(2.0, 4.0)], bframes=2, fps=25)
    (event,) = detect_motion(path, MotionParams(skip=skip))  # type: ignore[arg-type]
    assert abs(float(event.start_offset) - 2.0) <= tolerance and abs(float(event.end_offset) - 4.0) <= tolerance
    assert event.direction == "right"


def test_segmenter_debounces_merges_and_drops() -> None:
    rules = EventRules(on=0.1, off=0.05, open_seconds=0.3, merge_gap=1.0, min_seconds=0.5, max_seconds=10)
    seg = Segmenter(rules, fps=10)
    scores = [0.0] * 10 + [0.5] * 2 + [0.0] * 10  # a 0.2 s blip: below the debounce
    scores += [0.5] * 10 + [0.07] * 5 + [0.0] * 5 + [0.5] * 10  # hysteresis and a 0.5 s gap: one event
    scores += [0.0] * 20 + [0.5] * 4 + [0.0] * 20  # 0.4 s: opens but is shorter than min_seconds
    out = [s for i, v in enumerate(scores) for s in seg.feed(i / 10, (i + 1) / 10, v)] + seg.finish()
    assert [(round(s.start, 2), round(s.end, 2)) for s in out] == [(2.2, 5.2)]


def test_segmenter_cuts_at_max_seconds() -> None:
    seg = Segmenter(EventRules(open_seconds=0, min_seconds=0, max_seconds=2.0), fps=10)
    out = [s for i in range(50) for s in seg.feed(i / 10, (i + 1) / 10, 0.5)] + seg.finish()
    assert len(out) >= 2 and all(s.end - s.start <= 2.0 + 1e-9 for s in out)
    assert out[0].start == 0 and out[-1].end == 5.0


def test_rules_are_checked() -> None:
    with pytest.raises(ValueError):
        EventRules(on=0.01, off=0.02)
    with pytest.raises(ValueError):
        MotionParams(width=4)
    assert EventRules(open_seconds=0.2).open_frames(30) == 6
    assert EventRules(open_seconds=0.2).open_frames(None) == 1


def test_memory_does_not_grow_with_length(tmp_path: Path) -> None:
    """Python-side allocations (numpy arrays included) peak the same for a 3 s and a 30 s video."""
    import tracemalloc

    def peak(seconds: float) -> int:
        movers = [Mover(t + 0.5, t + 2.0) for t in range(0, int(seconds) - 2, 3)]
        path = write_scene(tmp_path / f"{seconds}.mp4", seconds, movers, fps=10, width=160, height=90)
        tracemalloc.start()
        try:
            count = sum(1 for _ in detect_motion(path, MotionParams(cover_width=None)))
            return tracemalloc.get_traced_memory()[1] if count else -1
        finally:
            tracemalloc.stop()

    short, long = peak(3), peak(30)
    assert short > 0 and long > 0
    assert long < 1.5 * short + 200_000
