"""The frame-scorer interface: a batch of frames in, one score per class out.

A scorer declares what it wants to see (:class:`InputSpec`: size, colour order, layout, dtype and
normalisation), so the pipeline decodes straight to that size with one reformatter and the scorer
never resizes. Frames arrive as ``uint8`` arrays shaped ``(N, H, W, 3)`` (RGB) or ``(N, H, W)``
(grey); :meth:`InputSpec.prepare` turns them into the tensor a model eats.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np

from clipcrowd.media import FrameSpec

from ..errors import MiningError


@dataclass(frozen=True)
class InputSpec:
    """What a scorer's model wants; the defaults suit a float model trained on RGB in ``[0, 1]``.

    ``width``/``height`` of ``None`` follow the video's aspect ratio (at least one must be given).
    ``prepare`` computes ``(pixel * scale - mean) / std`` per channel, in ``colour`` order and
    ``layout``; with ``dtype="uint8"`` the pixels are passed through untouched.
    """

    width: int | None = 224
    height: int | None = 224
    colour: Literal["rgb", "bgr", "gray"] = "rgb"
    layout: Literal["nhwc", "nchw"] = "nhwc"
    dtype: Literal["float32", "uint8"] = "float32"
    scale: float = 1 / 255
    mean: tuple[float, ...] = (0.0,)
    std: tuple[float, ...] = (1.0,)

    def __post_init__(self) -> None:
        if self.width is None and self.height is None:
            raise MiningError("a scorer's input needs a width or a height")
        for side in (self.width, self.height):
            if side is not None and not 1 <= side <= 4096:
                raise MiningError(f"a scorer's input side must be 1..4096 pixels, got {side}")
        channels = 1 if self.colour == "gray" else 3
        for name, values in (("mean", self.mean), ("std", self.std)):
            if len(values) not in (1, channels):
                raise MiningError(f"{name} needs 1 or {channels} values, got {len(values)}")
        if any(s == 0 for s in self.std):
            raise MiningError("std must not be zero")

    @property
    def frame_spec(self) -> FrameSpec:
        """What to ask the decoder for (grey straight from the Y plane, colour as RGB)."""
        return FrameSpec(width=self.width, height=self.height, format="gray" if self.colour == "gray" else "rgb24")

    def prepare(self, frames: np.ndarray) -> np.ndarray:
        """The model input for a ``uint8`` batch decoded by :attr:`frame_spec`."""
        x = frames
        if self.colour == "gray":
            x = x[..., None] if x.ndim == 3 else x
        elif self.colour == "bgr":
            x = x[..., ::-1]
        if self.dtype == "float32":
            x = x.astype(np.float32) * np.float32(self.scale)
            x = (x - np.asarray(self.mean, np.float32)) / np.asarray(self.std, np.float32)
        if self.layout == "nchw":
            x = x.transpose(0, 3, 1, 2)
        return np.ascontiguousarray(x)


class FrameScorer(ABC):
    """Scores frames: ``score(batch) -> (N, len(classes))`` float32.

    Scorers that compare a frame with the one before (motion, scene change) are *stateful*: the
    pipeline calls :meth:`reset` before each video and feeds batches in time order.
    """

    name: ClassVar[str]
    classes: tuple[str, ...]
    input: InputSpec

    def reset(self) -> None:  # noqa: B027 - optional hook, stateless scorers need nothing
        """Forget the previous frame (a new video starts)."""

    @abstractmethod
    def score(self, frames: np.ndarray) -> np.ndarray:
        """One row of class scores per frame of the ``uint8`` batch."""

    def check_labels(self, labels: Sequence[str], source: str = "the scorer's classes") -> None:
        """Refuse labels this scorer cannot score, naming what it can."""
        for label in labels:
            if label not in self.classes:
                shown = ", ".join(repr(c) for c in self.classes[:10]) + (" ..." if len(self.classes) > 10 else "")
                raise MiningError(f"label {label!r} is not in {source} ({len(self.classes)} classes: {shown})")


def check_scores(scores: object, frames: int, classes: int, who: str) -> np.ndarray:
    """The scorer's output as an ``(frames, classes)`` float32 array, or a MiningError that says why not."""
    out = np.asarray(scores, dtype=np.float32)
    if out.ndim == 1 and classes == 1:
        out = out[:, None]
    if out.ndim != 2 or out.shape[0] != frames:
        raise MiningError(f"{who} returned scores shaped {out.shape}; expected ({frames}, {classes})")
    if out.shape[1] != classes:
        raise MiningError(f"{who} outputs {out.shape[1]} scores per frame but there are {classes} class names")
    if not np.isfinite(out).all():
        raise MiningError(f"{who} returned a non-finite score (NaN or infinity)")
    return out
