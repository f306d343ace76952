"""Scorers that need no weights: motion energy, scene change and picture quality.

They read grey frames (the Y plane, no colour conversion) at a small size: what they measure does
not need detail, and the decoder reads luma for free.

- ``motion``: the share of pixels whose brightness changed by more than :data:`MOTION_DELTA` levels
  since the previous sample (0 = still, 1 = everything moved).
- ``scene``: half the L1 distance between the grey histograms of this sample and the previous one
  (0 = same tones, 1 = no tone in common): high at cuts.
- ``quality``: ``brightness`` (mean level in [0, 1]), ``sharpness`` (variance of the Laplacian
  ``v`` mapped to ``v / (v + SHARPNESS_HALF)``: 0.5 at the usual blur threshold) and ``usable``
  (1 when brightness is inside :data:`BRIGHTNESS_RANGE` and sharpness >= 0.5), to drop dark,
  blown-out or blurred frames.
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np

from .base import FrameScorer, InputSpec

#: Frame width the built-ins analyse (height follows the aspect ratio).
WIDTH = 160
#: A pixel "moved" when its level changed by more than this (out of 255): above compression noise.
MOTION_DELTA = 25
HISTOGRAM_BINS = 32
#: Variance of the Laplacian at which a frame is called sharp half the time (a common blur threshold).
SHARPNESS_HALF = 100.0
BRIGHTNESS_RANGE = (0.08, 0.92)

_GRAY = InputSpec(width=WIDTH, height=None, colour="gray", dtype="uint8")


class _Sequential(FrameScorer):
    """A scorer comparing each frame with the one before it (the first frame of a video scores 0)."""

    def __init__(self) -> None:
        self.input = _GRAY
        self._previous: np.ndarray | None = None

    def reset(self) -> None:
        self._previous = None

    def score(self, frames: np.ndarray) -> np.ndarray:
        out = np.zeros((len(frames), 1), np.float32)
        for i, frame in enumerate(frames):
            if self._previous is not None and self._previous.shape == frame.shape:
                out[i, 0] = self._compare(self._previous, frame)
            self._previous = frame
        return out

    @abstractmethod
    def _compare(self, before: np.ndarray, after: np.ndarray) -> float:
        """How different `after` is from `before` (each sequential scorer says it its own way)."""


class MotionEnergy(_Sequential):
    name = "motion"
    classes = ("motion",)

    def _compare(self, before: np.ndarray, after: np.ndarray) -> float:
        delta = np.abs(after.astype(np.int16) - before.astype(np.int16))
        return float((delta > MOTION_DELTA).mean())


class SceneChange(_Sequential):
    name = "scene"
    classes = ("scene_change",)

    def _compare(self, before: np.ndarray, after: np.ndarray) -> float:
        h0 = np.bincount((before >> 3).ravel(), minlength=HISTOGRAM_BINS) / before.size
        h1 = np.bincount((after >> 3).ravel(), minlength=HISTOGRAM_BINS) / after.size
        return float(0.5 * np.abs(h0 - h1).sum())


def laplacian_variance(gray: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian: low when the picture is blurred or flat."""
    g = gray.astype(np.float32)
    lap = g[1:-1, :-2] + g[1:-1, 2:] + g[:-2, 1:-1] + g[2:, 1:-1] - 4 * g[1:-1, 1:-1]
    return float(lap.var()) if lap.size else 0.0


class Quality(FrameScorer):
    name = "quality"
    classes = ("brightness", "sharpness", "usable")

    def __init__(self) -> None:
        self.input = _GRAY

    def score(self, frames: np.ndarray) -> np.ndarray:
        out = np.zeros((len(frames), 3), np.float32)
        low, high = BRIGHTNESS_RANGE
        for i, frame in enumerate(frames):
            brightness = float(frame.mean()) / 255
            v = laplacian_variance(frame)
            sharpness = v / (v + SHARPNESS_HALF)
            out[i] = (brightness, sharpness, float(low <= brightness <= high and sharpness >= 0.5))
        return out
