"""Mining generated videos end to end with the tiny ONNX model: clips land on the drawn square."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import av
import numpy as np
import pytest

from clipcrowd.media import probe
from clipcrowd.mining.candidates import best_moments, clip_window
from clipcrowd.mining.dedupe import FLAT, frame_hash, matched_frames
from clipcrowd.mining.errors import MiningError
from clipcrowd.mining.pipeline import MineOptions, mine, sources_from_path
from clipcrowd.mining.scorers import make_scorer

from .conftest import Corpus

LABEL = "red square"


def _mine(corpus: Corpus, model: Path, classes: Path, out: Path, **options: object) -> dict:
    scorer = make_scorer(f"onnx:{model}", classes)
    opts = {"labels": (LABEL,), "clip_seconds": 4.0, "sample_fps": 2.0, "min_score": 0.5, **options}
    mine(sources_from_path(corpus.folder), scorer, MineOptions(**opts), out)  # type: ignore[arg-type]
    return json.loads((out / "candidates.json").read_text())


def frame_table_keys(path: Path) -> list[int]:
    """Indices of the keyframes, read from the packets."""
    with av.open(str(path)) as container:
        packets = [p for p in container.demux(video=0) if p.pts is not None]
    packets.sort(key=lambda p: p.pts)
    return [i for i, p in enumerate(packets) if p.is_keyframe]


def _frames_shown(path: Path, start: float, end: float) -> tuple[int, int | None]:
    """First frame index at or after ``start`` and first at or after ``end`` (None past the last)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = sorted(float(p.pts * stream.time_base) for p in container.demux(stream) if p.pts is not None)
    times = [t - times[0] for t in times]
    first = next(i for i, t in enumerate(times) if t >= start - 1e-6)
    stop = next((i for i, t in enumerate(times) if t >= end - 1e-6), None)
    return first, stop


def _red_in_middle(path: Path) -> bool:
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    mid = frames[len(frames) // 2].astype(int)
    return bool(((mid[..., 0] - mid[..., 1]) > 120).mean() > 0.05)


def test_clip_covers_the_square_in_every_video_and_none_where_it_never_shows(
        corpus: Corpus, model: Path, classes: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _mine(corpus, model, classes, out)
    by_video = {row["video"]: row for row in result["candidates"]}
    assert set(by_video) == {v for v, squares in corpus.squares.items() if squares}  # not "never"
    for video, squares in corpus.squares.items():
        if not squares:
            continue
        (start, end), = squares
        row = by_video[video]
        middle = (start + end) / 2
        assert row["time_start"] <= middle < row["time_end"], (video, row, squares)
        assert row["time_end"] - row["time_start"] == pytest.approx(4.0)
        assert row["score"] > 0.5
        clip = out / row["clip_path"]
        info = probe(clip)
        assert info.video is not None and float(info.video.duration) == pytest.approx(4.0, abs=0.11)
        assert _red_in_middle(clip)
        first, stop = _frames_shown(corpus.folder / f"{video}.mp4", row["time_start"], row["time_end"])
        keys = set(frame_table_keys(corpus.folder / f"{video}.mp4"))
        aligned = first in keys and (stop in keys or stop is None)
        assert row["cut"] == ("copy" if aligned else "reencode"), (video, row)
    with (out / "candidates.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["video", "label", "time_start", "time_end", "score", "clip_path"]
    assert sorted(r["video"] for r in rows) == sorted(by_video)
    assert sorted(p.name for p in (out / "clips").iterdir()) == sorted(Path(r["clip_path"]).name for r in rows)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_without_min_score_every_video_gets_its_best_moment(corpus: Corpus, model: Path, classes: Path,
                                                           tmp_path: Path) -> None:
    result = _mine(corpus, model, classes, tmp_path / "out", min_score=None)
    scores = {row["video"]: row["score"] for row in result["candidates"]}
    assert set(scores) == set(corpus.squares)
    assert scores["never"] < 0.5 < min(s for v, s in scores.items() if v != "never")


def test_top_k_keeps_clips_apart_and_one_per_video_keeps_the_best(corpus: Corpus, model: Path, classes: Path,
                                                                 tmp_path: Path) -> None:
    result = _mine(corpus, model, classes, tmp_path / "k", min_score=None, top_k=2)
    rows = [r for r in result["candidates"] if r["video"] == "middle"]
    assert len(rows) == 2
    a, b = sorted(rows, key=lambda r: r["time_start"])
    assert b["time_start"] >= a["time_end"]  # non-maximum suppression: no overlap
    best = _mine(corpus, model, classes, tmp_path / "one", min_score=None, top_k=2, one_per_video=True)
    assert sorted(r["video"] for r in best["candidates"]) == sorted(corpus.squares)
    reasons = [r["dropped"] for r in best["dropped"]]
    assert len(reasons) == len(corpus.squares) and all(r.startswith("one clip per video") for r in reasons)


def test_two_videos_sharing_a_segment_keep_one_clip_of_it(shared: Corpus, model: Path, classes: Path,
                                                          tmp_path: Path) -> None:
    result = _mine(shared, model, classes, tmp_path / "out")
    kept = {row["video"] for row in result["candidates"]}
    assert "other" in kept  # its own material: never a duplicate
    assert len(kept & {"first", "second"}) == 1
    (dropped,) = result["dropped"]
    survivor = (kept & {"first", "second"}).pop()
    assert dropped["video"] == ({"first", "second"} - {survivor}).pop()
    assert dropped["clip_path"] == "" and f"shares material with {survivor}" in dropped["dropped"]
    assert len(list((tmp_path / "out" / "clips").iterdir())) == 2


def test_best_moments_centre_on_a_plateau_and_respect_bounds() -> None:
    times = np.arange(0, 60, 0.5)
    rng = np.random.default_rng(5)
    for start, end in ((8, 11), (20, 50)):  # shorter and much longer than the clip
        scores = np.where((times >= start) & (times < end), 0.95, 0.05) + rng.uniform(-0.03, 0.03, len(times))
        (m,) = best_moments(times, scores, 1, 4.0, 60.0, 0.5)
        middle = (start + end - 0.5) / 2  # the middle of the samples that show it
        assert m.time_start <= middle < m.time_end and m.time_end - m.time_start == 4.0
        assert abs((m.time_start + m.time_end) / 2 - middle) <= 0.25
    scores = np.where((times >= 8) & (times < 11), 0.99, 0.01)
    (m,) = best_moments(times, scores, 1, 4.0, 20.0, 0.5)
    assert best_moments(times, scores, 3, 4.0, 60.0, 0.5) == best_moments(times, scores, 1, 4.0, 60.0, 0.5)
    assert clip_window(0.2, 4.0, 20.0) == (0.0, 4.0)
    assert clip_window(19.9, 4.0, 20.0) == (16.0, 20.0)
    with pytest.raises(MiningError, match="longer than the video"):
        clip_window(1.0, 30.0, 20.0)


def test_hashes_match_the_same_picture_and_ignore_flat_frames() -> None:
    rng = np.random.default_rng(1)
    a = np.repeat(np.repeat(rng.integers(0, 255, (12, 16)), 10, 0), 10, 1).astype(np.uint8)
    b = np.repeat(np.repeat(rng.integers(0, 255, (12, 16)), 10, 0), 10, 1).astype(np.uint8)
    noisy = np.clip(a.astype(int) + rng.integers(-6, 7, a.shape), 0, 255).astype(np.uint8)
    ha, hb, hn = frame_hash(a), frame_hash(b), frame_hash(noisy)
    assert matched_frames(np.array([ha]), np.array([hn])) == 1
    assert matched_frames(np.array([ha]), np.array([hb])) == 0
    flat = frame_hash(np.full((120, 160), 7, np.uint8))
    assert flat == FLAT and matched_frames(np.array([flat]), np.array([flat])) == 0


def test_options_are_bounded() -> None:
    for bad in ({"clip_seconds": 0}, {"clip_seconds": float("nan")}, {"sample_fps": -1}, {"top_k": 0},
                {"labels": ()}, {"min_score": float("inf")}):
        with pytest.raises(MiningError):
            MineOptions(**{"labels": ("x",), **bad})  # type: ignore[arg-type]


def test_drop_unusable_keeps_clips_off_dark_frames(tmp_path: Path) -> None:
    from clipcrowd.mining.scorers import CallableScorer, InputSpec

    from . import _media as gen

    video = tmp_path / "dark_then_light.mp4"
    gen.write_video(video, [gen.Segment(6, 71, light=0.03), gen.Segment(6, 72)])
    everything = CallableScorer(lambda x: np.ones((len(x), 1)), ["anything"], InputSpec(width=64, height=48))
    options = {"labels": ("anything",), "clip_seconds": 3.0, "sample_fps": 2.0}
    plain = mine(sources_from_path(video), everything, MineOptions(**options), tmp_path / "plain")  # type: ignore[arg-type]
    assert plain.kept[0].time_start < 6  # every frame scores the same: the first clip wins, in the dark
    gated = mine(sources_from_path(video), everything, MineOptions(**options, drop_unusable=True),  # type: ignore[arg-type]
                 tmp_path / "gated")
    assert gated.kept[0].time_start >= 6


def test_clips_off_keyframes_are_reencoded_frame_exact(corpus: Corpus, model: Path, classes: Path,
                                                       tmp_path: Path) -> None:
    # samples every 0.5 s and a 3.5 s clip: every window starts a quarter second off the 1 s keyframe grid
    out = tmp_path / "out"
    result = _mine(corpus, model, classes, out, clip_seconds=3.5)
    assert len(result["candidates"]) == 3
    for row in result["candidates"]:
        assert row["cut"] == "reencode"
        with av.open(str(out / row["clip_path"])) as container:
            frames = sum(1 for _ in container.decode(video=0))
        assert frames == 35  # 3.5 s at 10 fps, no frame more or less


def test_a_long_appearance_gets_a_clip_at_its_middle(model: Path, classes: Path, tmp_path: Path) -> None:
    from . import _media as gen

    folder = tmp_path / "videos"
    folder.mkdir()
    ((start, end),) = gen.write_video(folder / "long.mp4", [gen.Segment(3, 81), gen.Segment(14, 82, True),
                                                            gen.Segment(3, 83)])
    result = _mine(Corpus(folder, {}), model, classes, tmp_path / "out")
    (row,) = result["candidates"]
    assert row["time_start"] <= (start + end) / 2 < row["time_end"]  # 4 s clip, 14 s of square
