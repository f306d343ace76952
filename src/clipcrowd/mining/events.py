"""From a per-frame motion score to events: hysteresis, debounce, merge gap, minimum and maximum length.

The rules are stated in seconds (what a person means by "a blip" or "the same event") and turned
into frame counts from the stream's rate only where counting frames is the point (the debounce);
gaps and lengths are compared on presentation times, so a variable-frame-rate file is cut the
same way as a constant one.

- An event **opens** after ``open_seconds`` worth of consecutive frames scoring at least ``on``
  (one noisy frame is not an event); it starts where the first of those frames' motion began.
- It **stays open** while frames score at least ``off`` (< ``on``: hysteresis keeps a slowing
  object in one event) and across quiet stretches shorter than ``merge_gap``.
- It **closes** at the end of its last frame scoring ``off`` or more; shorter than ``min_seconds``
  it is dropped, longer than ``max_seconds`` it is cut there (so clips and covers stay bounded).

>>> seg = Segmenter(EventRules(open_seconds=0, min_seconds=0), fps=10)
>>> [s for t in range(30) for s in seg.feed(t / 10, (t + 1) / 10, 0.5 if 5 <= t < 15 else 0.0)]
[Segment(start=0.5, end=1.5, first=5, last=14)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class EventRules:
    """Thresholds on the score (share of the picture that changed) and the time rules, in seconds."""

    on: float = 0.002
    off: float = 0.001
    open_seconds: float = 0.2
    merge_gap: float = 1.0
    min_seconds: float = 0.5
    max_seconds: float = 300.0

    def __post_init__(self) -> None:
        if not 0 < self.off <= self.on <= 1:
            raise ValueError(f"need 0 < off <= on <= 1, got off={self.off} on={self.on}")
        for name in ("open_seconds", "merge_gap", "min_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if self.max_seconds <= self.min_seconds:
            raise ValueError("max_seconds must exceed min_seconds")

    def open_frames(self, fps: float | Fraction | None) -> int:
        """Consecutive active frames needed to open an event at ``fps`` (at least one)."""
        if not fps or fps <= 0:
            return 1
        return max(1, math.ceil(self.open_seconds * float(fps) - 1e-9))


@dataclass(frozen=True)
class Segment:
    """A kept event: times in seconds from the stream's clock, ``first``/``last`` in feed order."""

    start: float | Fraction
    end: float | Fraction
    first: int
    last: int


class Segmenter:
    """A state machine fed one analysed frame at a time; holds O(1) state whatever the length."""

    def __init__(self, rules: EventRules, fps: float | Fraction | None) -> None:
        self.rules = rules
        self.need = rules.open_frames(fps)
        self.seq = -1
        self._run = 0  # consecutive frames >= on while not yet open
        self._open = False
        self._start: float | Fraction = 0
        self._first = -1
        self._end: float | Fraction = 0
        self._last = -1

    @property
    def active_since(self) -> int | None:
        """Feed index where the current (pending or open) event began, else None."""
        return self._first if (self._open or self._run) else None

    @property
    def is_open(self) -> bool:
        return self._open

    def feed(self, begins: float | Fraction, ends: float | Fraction, score: float) -> list[Segment]:
        """One frame whose motion happened in ``[begins, ends]`` seconds; returns events it closed."""
        self.seq += 1
        rules = self.rules
        out: list[Segment] = []
        if not self._open:
            if score >= rules.on:
                if self._run == 0:
                    self._start, self._first = begins, self.seq
                self._run += 1
                self._end, self._last = ends, self.seq
                if self._run >= self.need:
                    self._open, self._run = True, 0
            else:
                self._run = 0
            return out
        if score >= rules.off:
            self._end, self._last = ends, self.seq
            if self._end - self._start >= rules.max_seconds:
                out.extend(self._close())
        elif begins - self._end >= rules.merge_gap:
            out.extend(self._close())
        return out

    def finish(self) -> list[Segment]:
        """End of stream: close what is open."""
        self._run = 0
        return self._close() if self._open else []

    def _close(self) -> list[Segment]:
        self._open, self._run = False, 0
        if self._end - self._start < self.rules.min_seconds:
            return []
        return [Segment(self._start, self._end, self._first, self._last)]
