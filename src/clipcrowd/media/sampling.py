"""Sampling frames at a target rate: which decoded frame answers which wanted time.

Wanted times are ``first_time + k / fps`` on the file's own clock, for every ``k`` whose time falls
inside the video (or inside ``[start, end)``). Three policies trade exactness for speed:

``exact``
    the frame on screen at the wanted time (last pts <= t). Every frame between keyframes is
    decoded; whole GOPs with no wanted time are skipped by seeking.
``nearest`` (default)
    the decoded frame nearest to t. When ``fps`` is at most a quarter of the native rate,
    B-frames are not decoded (``skip_frame=BIDIR``): about a third of the cost of a full decode,
    samples within a frame or two of t, and each keeps its real pts.
``keyframes``
    keyframes only (``skip_frame=NONKEY``): cheapest, samples may be a GOP away from t.

A decoded frame is handed out at most once, so a variable-frame-rate gap never yields duplicates.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import numpy as np

from . import rate as rate_rule
from ._container import PathLike
from .convert import FrameSpec
from .decoder import DecodedFrame, SkipLevel, open_decoder
from .probe import VideoInfo
from .timecode import FrameTime, as_fraction

Policy = Literal["exact", "nearest", "keyframes"]
@dataclass(frozen=True)
class Sample:
    """One sampled frame: the image, its real time, and the wanted time (seconds) it answers."""

    image: np.ndarray
    time: FrameTime
    target: Fraction


def check_rate(info: VideoInfo, fps: float | Fraction | None) -> Fraction | None:
    """``fps`` as a Fraction after the frame-rate rule (:mod:`.rate`); None samples every frame."""
    if fps is None:
        return None
    return rate_rule.check_rate(fps, native=info.native_rate, average=info.average_rate)


def skip_level(policy: Policy, fps: Fraction | None, info: VideoInfo) -> SkipLevel:
    """What the decoder may skip for ``policy`` at ``fps``."""
    if policy == "keyframes":
        return "nonkey"
    native = info.native_rate or info.average_rate
    if policy == "nearest" and fps is not None and native is not None and fps * 4 <= native:
        return "bidir"
    return "none"


class Selector:
    """Feeds on frames in presentation order and returns those that answer the wanted times.

    Holds at most one frame back (the previous one), so memory does not grow with the video.
    """

    def __init__(
        self,
        info: VideoInfo,
        fps: Fraction | None,
        policy: Policy = "nearest",
        start: float | Fraction | None = None,
        end: float | Fraction | None = None,
    ) -> None:
        self.policy = policy
        self.tb = info.time_base
        first = info.first_time
        last = first + info.duration
        self.begin = max(first, as_fraction(start)) if start is not None else first
        self.end = min(last, as_fraction(end)) if end is not None else last
        self.step = None if fps is None else 1 / fps
        self.k = 0
        self.prev: DecodedFrame | None = None
        self.last_emitted = -1

    def target(self) -> Fraction | None:
        """The current wanted time in seconds, or None when every wanted time is answered."""
        if self.step is None:
            return None
        t = self.begin + self.k * self.step
        return t if t < self.end else None

    def wanted_pts(self) -> int | None:
        """The pts the decoder must reach next (for seeking), or None when done."""
        if self.step is None:
            return 0 if not self.done else None
        t = self.target()
        return None if t is None else math.floor(t / self.tb)

    @property
    def done(self) -> bool:
        if self.step is None:
            return self.prev is not None and (self.prev.time.pts + 1) * self.tb > self.end
        return self.target() is None

    def _emit(self, frame: DecodedFrame, target: Fraction, out: list[tuple[DecodedFrame, Fraction]]) -> None:
        if frame.time.index != self.last_emitted:
            out.append((frame, target))
            self.last_emitted = frame.time.index

    def feed(self, frame: DecodedFrame) -> list[tuple[DecodedFrame, Fraction]]:
        out: list[tuple[DecodedFrame, Fraction]] = []
        now = frame.time.exact
        if self.step is None:  # every frame in [begin, end)
            if self.begin <= now < self.end:
                self._emit(frame, now, out)
            self.prev = frame
            return out
        while (t := self.target()) is not None and (now > t if self.policy == "exact" else now >= t):
            prev = self.prev
            if self.policy == "exact" and prev is not None:
                pick = prev
            elif prev is None or (t - prev.time.exact) > (now - t):
                pick = frame
            else:
                pick = prev
            self._emit(pick, t, out)
            self.k += 1
        self.prev = frame
        return out

    def finish(self) -> list[tuple[DecodedFrame, Fraction]]:
        """Answer the wanted times after the last decoded frame (it stays on screen to the end)."""
        out: list[tuple[DecodedFrame, Fraction]] = []
        while (t := self.target()) is not None:
            if self.prev is not None:
                self._emit(self.prev, t, out)
            self.k += 1
        return out


def sample_frames(
    path: PathLike,
    fps: float | Fraction | None = None,
    *,
    spec: FrameSpec | None = None,
    policy: Policy = "nearest",
    start: float | None = None,
    end: float | None = None,
    backend: str = "pyav",
    threads: int = 0,
) -> Iterator[Sample]:
    """Stream frames sampled at ``fps`` (every frame when ``None``), converted as ``spec`` says.

    Nothing but the current frame is held in memory, whatever the video's length.

    >>> for s in sample_frames("clip.mp4", 1, spec=FrameSpec(width=320)):  # doctest: +SKIP
    ...     print(s.time.index, s.time, s.image.shape)
    0 00:00:00.000 (180, 320, 3)
    """
    spec = spec or FrameSpec(width=320)
    with open_decoder(path, backend, threads=threads) as decoder:
        rate = check_rate(decoder.info, fps)
        selector = Selector(decoder.info, rate, policy, start, end)
        convert = decoder.converter(spec)
        skip = skip_level(policy, rate, decoder.info)
        for frame in decoder.frames(skip=skip, wanted=selector.wanted_pts):
            for picked, target in selector.feed(frame):
                yield Sample(convert(picked.native), picked.time, target)
        for picked, target in selector.finish():
            yield Sample(convert(picked.native), picked.time, target)
