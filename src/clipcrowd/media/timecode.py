"""Time as a value type: a frame's index, pts, time base and rate travel together.

A browser that guesses ``frame = seconds * fps`` is wrong on every variable-frame-rate file; the
only safe identity of a frame is its presentation timestamp (pts) in its stream's time base, and its
index in the stream's presentation order (see :func:`clipcrowd.media.probe.frame_table`).
``FrameTime`` keeps them together so that nothing downstream re-derives one from the other.

>>> from fractions import Fraction
>>> t = FrameTime(index=30, pts=15360, time_base=Fraction(1, 15360), fps=Fraction(30))
>>> t.seconds
1.0
>>> str(t)
'00:00:01.000'
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, order=True)
class FrameTime:
    """One frame's place in time. Ordered by ``index`` (equivalently by pts within one stream).

    ``fps`` is the stream's nominal (average) rate, kept for display and for rate arithmetic;
    it is never used to compute ``seconds``, which comes from ``pts * time_base`` only.
    """

    index: int
    pts: int
    time_base: Fraction
    fps: Fraction | None = None

    @property
    def exact(self) -> Fraction:
        """The presentation time in seconds as an exact fraction."""
        return self.pts * self.time_base

    @property
    def seconds(self) -> float:
        """The presentation time in seconds (float: for display and JSON)."""
        return float(self.exact)

    @property
    def milliseconds(self) -> int:
        """The presentation time rounded to whole milliseconds (for the web player)."""
        return round(self.exact * 1000)

    def __str__(self) -> str:
        ms = self.milliseconds
        sign = "-" if ms < 0 else ""
        ms = abs(ms)
        h, rem = divmod(ms, 3_600_000)
        m, rem = divmod(rem, 60_000)
        s, ms = divmod(rem, 1000)
        return f"{sign}{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def to_pts(seconds: float | Fraction, time_base: Fraction) -> int:
    """The pts nearest to ``seconds`` in ``time_base`` (exact when given a Fraction)."""
    return round(Fraction(seconds) / time_base)


def as_fraction(seconds: float | Fraction) -> Fraction:
    """Seconds as an exact Fraction; a float is read as the decimal a person typed (0.4 is 2/5)."""
    if isinstance(seconds, Fraction):
        return seconds
    return Fraction(seconds).limit_denominator(1_000_000)
