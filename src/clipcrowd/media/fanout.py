"""Decode once, fan out: one streaming decode feeds several consumers, each at its own rate and size.

A sampler wanting 1 fps RGB at 320 px, a motion detector wanting 5 fps luma at 160 px and a cover
writer all read the same pass: the decoder skips only what *every* consumer can do without, each
consumer has its own :class:`~clipcrowd.media.sampling.Selector` and converter, and conversion
happens only for frames a consumer takes.

Consumers are callbacks. With ``threaded=True`` each runs in its own thread behind a bounded queue
(``buffer`` samples), so a slow consumer overlaps with decoding and applies back-pressure instead of
letting memory grow.

>>> fan = FanOut("clip.mp4")                                             # doctest: +SKIP
>>> fan.subscribe(frames.append, fps=1, spec=FrameSpec(width=320))        # doctest: +SKIP
>>> fan.subscribe(motion.feed, fps=5, spec=FrameSpec(width=160, format="gray"))  # doctest: +SKIP
>>> fan.run()                                                             # doctest: +SKIP
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from . import defaults
from ._container import PathLike
from .convert import FrameSpec
from .decoder import SkipLevel, open_decoder
from .sampling import Policy, Sample, Selector, check_rate, skip_level

_ORDER: tuple[SkipLevel, ...] = ("none", "nonref", "bidir", "nonkey")
_END = object()


@dataclass
class _Subscriber:
    callback: Callable[[Sample], Any]
    fps: float | Fraction | None
    spec: FrameSpec
    policy: Policy
    taken: int = 0
    selector: Selector | None = field(default=None, repr=False)
    convert: Callable[[Any], Any] | None = field(default=None, repr=False)


class _Worker(threading.Thread):
    """Runs one callback over samples taken from a bounded queue."""

    def __init__(self, callback: Callable[[Sample], Any], buffer: int) -> None:
        super().__init__(daemon=True)
        self.callback = callback
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=buffer)
        self.error: BaseException | None = None

    def run(self) -> None:
        while (item := self.queue.get()) is not _END:
            if self.error is None:
                try:
                    self.callback(item)
                except BaseException as exc:  # handed back to the producer, re-raised by FanOut.run
                    self.error = exc

    def put(self, item: Any) -> None:
        while True:
            if self.error is not None and item is not _END:
                return
            try:
                self.queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue


class FanOut:
    """One decode of ``path``, several subscribers."""

    def __init__(self, path: PathLike, *, backend: str = "pyav", threads: int = 0) -> None:
        self.path = path
        self.backend = backend
        self.threads = threads
        self.subscribers: list[_Subscriber] = []

    def subscribe(
        self,
        callback: Callable[[Sample], Any],
        *,
        fps: float | Fraction | None = None,
        spec: FrameSpec | None = None,
        policy: Policy = "nearest",
    ) -> None:
        """Call ``callback(sample)`` for each frame sampled at ``fps`` and converted as ``spec`` says."""
        self.subscribers.append(_Subscriber(callback, fps, spec or FrameSpec(width=320), policy))

    def run(self, *, threaded: bool = False, buffer: int = defaults.FANOUT_BUFFER) -> list[int]:
        """Decode once and deliver; returns how many samples each subscriber received."""
        if not self.subscribers:
            return []
        with open_decoder(self.path, self.backend, threads=self.threads) as decoder:
            info = decoder.info
            skips = []
            for sub in self.subscribers:
                rate = check_rate(info, sub.fps)
                sub.selector = Selector(info, rate, sub.policy)
                sub.convert = decoder.converter(sub.spec)
                skips.append(skip_level(sub.policy, rate, info))
            skip = min(skips, key=_ORDER.index)
            workers = [_Worker(s.callback, buffer) for s in self.subscribers] if threaded else []
            for w in workers:
                w.start()

            def deliver(i: int, picks: list[tuple[Any, Fraction]]) -> None:
                sub = self.subscribers[i]
                assert sub.convert is not None
                for picked, target in picks:
                    sample = Sample(sub.convert(picked.native), picked.time, target)
                    sub.taken += 1
                    workers[i].put(sample) if workers else sub.callback(sample)

            def wanted() -> int | None:
                pending = [s.selector.wanted_pts() for s in self.subscribers if s.selector]
                return min((p for p in pending if p is not None), default=None)

            try:
                for frame in decoder.frames(skip=skip, wanted=wanted):
                    for i, sub in enumerate(self.subscribers):
                        assert sub.selector is not None
                        deliver(i, sub.selector.feed(frame))
                    if any(w.error for w in workers):
                        break
                for i, sub in enumerate(self.subscribers):
                    assert sub.selector is not None
                    deliver(i, sub.selector.finish())
            finally:
                for w in workers:
                    w.put(_END)
                for w in workers:
                    w.join()
            for w in workers:
                if w.error is not None:
                    raise w.error
        return [s.taken for s in self.subscribers]
