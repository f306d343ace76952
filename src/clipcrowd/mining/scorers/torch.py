"""A torch module as a frame scorer; torch is an optional extra (``pip install clipcrowd[torch]``).

``torch:MODEL.pt`` loads a TorchScript file (``torch.jit.load``, never pickle); the SDK can pass a
live ``torch.nn.Module``. Frames are prepared as the :class:`InputSpec` says (NCHW float by default,
ImageNet normalisation is the caller's to declare) and scored without gradients.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MiningError
from .base import FrameScorer, InputSpec, check_scores


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise MiningError("the torch scorer needs PyTorch: pip install 'clipcrowd[torch]'") from None
    return torch


class TorchScorer(FrameScorer):
    name = "torch"

    def __init__(self, module: Any, classes: Sequence[str], input: InputSpec | None = None) -> None:
        self.torch = _torch()
        self.module = module.eval() if hasattr(module, "eval") else module
        self.classes = tuple(classes)
        self.input = input or InputSpec(layout="nchw")

    @classmethod
    def load(cls, path: str | os.PathLike[str], classes: Sequence[str], input: InputSpec | None = None) -> TorchScorer:
        torch = _torch()
        p = Path(path)
        if not p.is_file():
            raise MiningError(f"{p}: model file not found")
        try:
            module = torch.jit.load(str(p), map_location="cpu")
        except Exception as exc:  # torch raises RuntimeError or its own types for bad files
            raise MiningError(f"{p}: not a TorchScript model ({str(exc).splitlines()[0][:200]})") from None
        return cls(module, classes, input)

    def score(self, frames: np.ndarray) -> np.ndarray:
        with self.torch.no_grad():
            out = self.module(self.torch.from_numpy(self.input.prepare(frames)))
        return check_scores(out.cpu().numpy(), len(frames), len(self.classes), "the torch module")
