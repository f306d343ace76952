"""Any Python function as a frame scorer: ``fn(batch) -> scores``, for models the SDK user already holds.

>>> import numpy as np
>>> from clipcrowd.mining.scorers import CallableScorer, InputSpec
>>> red = CallableScorer(lambda x: x[..., 0].mean(axis=(1, 2))[:, None] / 255, ["red"],
...                      InputSpec(width=32, height=32, dtype="uint8"))
>>> red.score(np.full((2, 32, 32, 3), 255, np.uint8)).tolist()
[[1.0], [1.0]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import MiningError
from .base import FrameScorer, InputSpec, check_scores


class CallableScorer(FrameScorer):
    """``fn`` gets the batch as :meth:`InputSpec.prepare` makes it and returns ``(N, len(classes))`` scores."""

    name = "python"

    def __init__(self, fn: Callable[[np.ndarray], Any], classes: Sequence[str], input: InputSpec | None = None) -> None:
        if not callable(fn):
            raise MiningError(f"a python scorer needs a callable, got {type(fn).__name__}")
        if not classes:
            raise MiningError("a python scorer needs at least one class name")
        self.fn = fn
        self.classes = tuple(classes)
        self.input = input or InputSpec()

    def score(self, frames: np.ndarray) -> np.ndarray:
        who = getattr(self.fn, "__name__", "the scorer function")
        return check_scores(self.fn(self.input.prepare(frames)), len(frames), len(self.classes), who)
