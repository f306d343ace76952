"""The frame-rate rule, in one place: which playback or sampling rate a video accepts, and when a
requested rate is just its own.

A rate is compared to the stream's base rate (FFmpeg's ``r_frame_rate``, which every pts fits) and
only when that is unknown to the average rate. On a variable-frame-rate clip (base 30, average 15)
20 fps is therefore accepted: the stream does hold frames 1/30 s apart. Everything is a `Fraction`,
so 30000/1001 compares exactly.

>>> check_rate(20, native=Fraction(30), average=Fraction(15))
Fraction(20, 1)
>>> is_native_rate(Fraction(30), native=Fraction(30000, 1001), average=None)
True
"""

from __future__ import annotations

import math
from fractions import Fraction

from .errors import BadFrameRateError

#: A requested rate may exceed the native one by this much (30 on a 29.97 source) before it is refused.
RATE_SLACK = Fraction(1005, 1000)


def reference_rate(native: Fraction | None, average: Fraction | None) -> Fraction | None:
    """The rate a requested one is measured against: the base rate, else the average, else unknown."""
    return native or average or None


def check_rate(wanted: float | Fraction, *, native: Fraction | None, average: Fraction | None) -> Fraction:
    """``wanted`` as a Fraction; refuses a non-finite, non-positive or above-native rate."""
    if isinstance(wanted, bool) or not math.isfinite(float(wanted)) or wanted <= 0:
        raise BadFrameRateError(f"the frame rate must be > 0, got {wanted}")
    rate = Fraction(wanted).limit_denominator(1_000_000)
    reference = reference_rate(native, average)
    if reference is not None and rate > reference * RATE_SLACK:
        raise BadFrameRateError(f"{float(rate):g} fps is above the video's native rate {float(reference):g}")
    return rate


def is_native_rate(rate: Fraction, *, native: Fraction | None, average: Fraction | None) -> bool:
    """Whether asking for ``rate`` is keeping the video's own (within the slack)."""
    reference = reference_rate(native, average)
    return reference is not None and rate * RATE_SLACK >= reference


def frames_at(rate: Fraction | None, *, duration: Fraction, frame_count: int) -> int:
    """Frames played at ``rate`` (None: the native rate): one per time ``first + k / rate`` inside the video."""
    if rate is None:
        return frame_count
    return math.ceil(duration * rate)
