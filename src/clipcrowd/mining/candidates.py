"""Candidate moments: top-k peaks per video and class with non-maximum suppression in time, and the
clip window around each, centred on the peak and clamped to the video.

Pure functions over score arrays; the pipeline feeds them what the streaming scan kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import MiningError


@dataclass
class Candidate:
    """One proposed clip. Times are seconds from the start of the video (its first frame).

    ``dropped`` says why a candidate was not kept (``None`` while it is); ``hashes`` are the
    perceptual hashes of the sampled frames inside the clip (for de-duplication, never written).
    """

    video: str
    label: str
    time: float
    time_start: float
    time_end: float
    score: float
    source: str = ""
    clip_path: str | None = None
    cut: str | None = None  # "copy" (stream copy: the clip starts and ends on keyframes) or "reencode"
    dropped: str | None = None
    hashes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64), repr=False)

    def row(self) -> dict[str, object]:
        """The public record (CSV/JSON/API): no hashes, times in milliseconds precision."""
        body: dict[str, object] = {
            "video": self.video, "label": self.label, "time_start": round(self.time_start, 3),
            "time_end": round(self.time_end, 3), "score": round(self.score, 6), "clip_path": self.clip_path or "",
            "peak_time": round(self.time, 3), "source": self.source,
        }
        if self.cut:
            body["cut"] = self.cut
        if self.dropped:
            body["dropped"] = self.dropped
        return body

    def state(self) -> dict[str, object]:
        """Everything needed to rebuild the candidate elsewhere (a job item's result): JSON-safe."""
        return {**self.row(), "hashes": [f"{int(h):016x}" for h in self.hashes]}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Candidate:
        """The candidate :meth:`state` described."""
        hashes = np.array([int(str(h), 16) for h in state.get("hashes") or ()], dtype=np.uint64)
        return cls(video=str(state["video"]), label=str(state["label"]), time=float(state["peak_time"]),
                   time_start=float(state["time_start"]), time_end=float(state["time_end"]),
                   score=float(state["score"]), source=str(state.get("source", "")),
                   clip_path=str(state.get("clip_path") or "") or None, cut=state.get("cut"), hashes=hashes)


@dataclass(frozen=True)
class Moment:
    """A chosen clip window and what it holds: its best frame's time and score."""

    time_start: float
    time_end: float
    peak_time: float
    score: float


def best_moments(times: np.ndarray, scores: np.ndarray, k: int, clip_seconds: float, duration: float,
                 min_score: float | None = None) -> list[Moment]:
    """Up to ``k`` non-overlapping clip windows, best first, for one class's sampled scores.

    1. Every sample proposes the window centred on it (clamped to the video); windows are ranked by
       the mean score of the samples inside them, so one stray high frame does not outrank a stretch.
    2. The chosen window's best frame is widened to its *peak*: the run of samples around it that
       stay above half-way between its score and the video's lowest score (the peak's width at
       half maximum), never reaching into a clip already taken. The clip is centred on the middle of
       that run, so it lands on the middle of what was seen, however long it lasted.
    3. Greedy non-maximum suppression: a window overlapping a clip already taken is skipped.

    A clip's score is its best frame's score; clips whose best frame is below ``min_score`` are
    not taken. Ties go to the earlier window.
    """
    if k < 1:
        raise MiningError(f"top-k must be at least 1, got {k}")
    if not len(times):
        return []
    starts = np.array([clip_window(float(t), clip_seconds, duration)[0] for t in times])
    lo = np.searchsorted(times, starts, side="left")
    hi = np.maximum(np.searchsorted(times, starts + clip_seconds, side="left"), lo + 1)
    total = np.concatenate([[0.0], np.cumsum(scores, dtype=np.float64)])
    means = (total[hi] - total[lo]) / (hi - lo)
    background = float(scores.min())
    taken = np.zeros(len(times), bool)  # samples inside clips already chosen: a peak never spans them

    def peak_start(best: int) -> float:
        level = (float(scores[best]) + background) / 2
        stop = (scores < level) | taken
        below = np.flatnonzero(stop[:best])
        after = np.flatnonzero(stop[best + 1:])
        first = int(below[-1]) + 1 if len(below) else 0
        last = best + int(after[0]) if len(after) else len(scores) - 1
        return clip_window((float(times[first]) + float(times[last])) / 2, clip_seconds, duration)[0]

    chosen: list[Moment] = []
    for i in np.lexsort((times, -means)):
        if len(chosen) == k:
            break
        if any(abs(starts[i] - m.time_start) < clip_seconds for m in chosen):
            continue
        start = peak_start(int(lo[i] + np.argmax(scores[lo[i]:hi[i]])))
        if any(abs(start - m.time_start) < clip_seconds for m in chosen):
            start = float(starts[i])  # centred on its peak it would overlap a clip taken: keep the window
        a = int(np.searchsorted(times, start, side="left"))
        b = max(int(np.searchsorted(times, start + clip_seconds, side="left")), a + 1)
        best = int(a + np.argmax(scores[a:b]))
        if min_score is not None and scores[best] < min_score:
            continue
        chosen.append(Moment(start, start + clip_seconds, float(times[best]), float(scores[best])))
        taken[a:b] = True
    return chosen


def clip_window(centre: float, clip_seconds: float, duration: float) -> tuple[float, float]:
    """``[start, end)`` of ``clip_seconds`` centred on ``centre``, shifted to lie inside ``[0, duration]``."""
    if clip_seconds > duration:
        raise MiningError(f"--clip-seconds {clip_seconds:g} is longer than the video ({duration:.3f} s)")
    start = min(max(centre - clip_seconds / 2, 0.0), duration - clip_seconds)
    return start, start + clip_seconds
