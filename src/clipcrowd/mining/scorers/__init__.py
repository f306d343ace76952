"""Frame scorers: the interface, the implementations and a name-keyed registry.

A scorer is named on the command line as ``NAME`` or ``NAME:ARGUMENT``:

=============================  ====================================================================
``motion``                     share of pixels that moved since the previous sample (no weights)
``scene``                      grey-histogram distance to the previous sample: cuts (no weights)
``quality``                    brightness, sharpness and a usable flag per frame (no weights)
``onnx:MODEL.onnx``            an ONNX model (``--classes`` names its outputs)
``torch:MODEL.pt``             a TorchScript model (optional extra)
``python:package.module:fn``   a Python function ``fn(batch) -> scores`` (``--classes`` names them)
=============================  ====================================================================
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path

from ..errors import MiningError
from .base import FrameScorer, InputSpec, check_scores
from .builtin import MotionEnergy, Quality, SceneChange
from .callable import CallableScorer
from .classes import load_classes
from .onnx import OnnxScorer
from .torch import TorchScorer

ScorerFactory = Callable[[str | None, "tuple[str, ...] | None"], FrameScorer]


def _needs(argument: str | None, classes: tuple[str, ...] | None, kind: str) -> tuple[str, tuple[str, ...]]:
    if not argument:
        raise MiningError(f"the {kind} scorer needs a file: --scorer {kind}:PATH")
    if classes is None:
        raise MiningError(f"the {kind} scorer needs --classes (a text file, one class name per line)")
    return argument, classes


def _builtin(cls: type[FrameScorer]) -> ScorerFactory:
    def make(argument: str | None, classes: tuple[str, ...] | None) -> FrameScorer:
        if argument:
            raise MiningError(f"the {cls.name} scorer takes no argument (got {argument!r})")
        return cls()

    return make


def _onnx(argument: str | None, classes: tuple[str, ...] | None) -> FrameScorer:
    return OnnxScorer(*_needs(argument, classes, "onnx"))


def _torch(argument: str | None, classes: tuple[str, ...] | None) -> FrameScorer:
    return TorchScorer.load(*_needs(argument, classes, "torch"))


def _python(argument: str | None, classes: tuple[str, ...] | None) -> FrameScorer:
    target, names = _needs(argument, classes, "python")
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise MiningError(f"python scorer {target!r}: expected package.module:function")
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise MiningError(f"python scorer {target!r} cannot be imported ({exc})") from None
    spec = getattr(fn, "input_spec", None)
    return CallableScorer(fn, names, spec if isinstance(spec, InputSpec) else None)


#: Scorer factories by name: ``factory(argument, classes) -> FrameScorer``. Add your own here.
SCORERS: dict[str, ScorerFactory] = {
    "motion": _builtin(MotionEnergy),
    "scene": _builtin(SceneChange),
    "quality": _builtin(Quality),
    "onnx": _onnx,
    "torch": _torch,
    "python": _python,
}


def make_scorer(spec: str, classes: str | os.PathLike[str] | tuple[str, ...] | None = None) -> FrameScorer:
    """The scorer named by ``spec`` (``NAME`` or ``NAME:ARGUMENT``); ``classes`` is a file or the names."""
    name, _, argument = spec.partition(":")
    factory = SCORERS.get(name)
    if factory is None:
        raise MiningError(f"unknown scorer {name!r}; one of {', '.join(sorted(SCORERS))}")
    names = load_classes(classes) if isinstance(classes, str | os.PathLike | Path) else classes
    return factory(argument or None, names)


__all__ = [
    "SCORERS",
    "CallableScorer",
    "FrameScorer",
    "InputSpec",
    "MotionEnergy",
    "OnnxScorer",
    "Quality",
    "SceneChange",
    "ScorerFactory",
    "TorchScorer",
    "check_scores",
    "load_classes",
    "make_scorer",
]
