"""An ONNX model as a frame scorer (onnxruntime, CPU): the user points at a file, nothing is downloaded.

The input size and layout are read from the model's first input (``[N, 3, H, W]`` or
``[N, H, W, 3]``, or one channel for grey); its element type picks float or uint8 input. Colour
order and normalisation come from the model's metadata when it carries them (keys
``clipcrowd.colour`` = ``rgb``/``bgr``, ``clipcrowd.scale``, ``clipcrowd.mean``, ``clipcrowd.std``,
numbers comma-separated), otherwise RGB scaled to ``[0, 1]``. Scores are the first output as is:
one value per class, in the order of the classes file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MiningError
from .base import FrameScorer, InputSpec, check_scores

#: Larger model files are refused (a model that big is not a frame classifier we can run on CPU).
MAX_MODEL_BYTES = 2 * 1024**3
_META = "clipcrowd."


def _numbers(raw: str, key: str, path: Path) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in raw.split(","))
    except ValueError:
        raise MiningError(f"{path}: model metadata {key}={raw!r} is not a comma-separated list of numbers") from None
    if not values or not all(np.isfinite(values)):
        raise MiningError(f"{path}: model metadata {key}={raw!r} is not a list of finite numbers")
    return values


def _side(value: Any) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


class OnnxScorer(FrameScorer):
    """Runs ``model`` on batches; ``classes`` name its outputs (their count is checked against the model)."""

    name = "onnx"

    def __init__(self, model: str | os.PathLike[str], classes: tuple[str, ...]) -> None:
        try:
            import onnxruntime as ort
        except ImportError:
            raise MiningError("the onnx scorer needs onnxruntime: pip install 'clipcrowd[onnx]'") from None
        path = Path(model)
        if not path.is_file():
            raise MiningError(f"{path}: model file not found")
        if path.stat().st_size > MAX_MODEL_BYTES:
            raise MiningError(f"{path}: model file is larger than {MAX_MODEL_BYTES} bytes")
        options = ort.SessionOptions()
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors for bad files
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise MiningError(f"{path}: not an ONNX model onnxruntime can load ({first[:200]})") from None
        self.path = path
        self.classes = tuple(classes)
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        if len(inputs) != 1:
            raise MiningError(f"{path}: the model has {len(inputs)} inputs; a frame scorer takes one image batch")
        self._input = inputs[0]
        self._output = outputs[0].name
        self.input = self._read_input(path)
        self._batch = _side(self._input.shape[0])  # a model exported with a fixed batch size
        out_shape = outputs[0].shape
        n_out = out_shape[-1] if out_shape else None
        if isinstance(n_out, int) and n_out != len(self.classes):
            raise MiningError(f"the classes file has {len(self.classes)} names but {path.name} outputs "
                              f"{n_out} scores per frame")

    def _read_input(self, path: Path) -> InputSpec:
        shape = list(self._input.shape)
        if len(shape) != 4:
            raise MiningError(f"{path}: model input is shaped {shape}; expected [N, C, H, W] or [N, H, W, C]")
        if shape[1] in (1, 3) and shape[3] not in (1, 3):
            layout, channels, height, width = "nchw", shape[1], shape[2], shape[3]
        elif shape[3] in (1, 3):
            layout, channels, height, width = "nhwc", shape[3], shape[1], shape[2]
        else:
            raise MiningError(f"{path}: cannot tell the channel axis of the model input {shape} (want 1 or 3)")
        height, width = _side(height), _side(width)
        if height is None or width is None:
            raise MiningError(f"{path}: the model input {shape} has no fixed height and width to resize frames to")
        kind = self._input.type
        if kind not in ("tensor(float)", "tensor(uint8)"):
            raise MiningError(f"{path}: model input type {kind} is not supported (float32 or uint8)")
        meta = self.session.get_modelmeta().custom_metadata_map
        colour = meta.get(_META + "colour", "rgb").lower()
        if channels == 1:
            colour = "gray"
        elif colour not in ("rgb", "bgr"):
            raise MiningError(f"{path}: model metadata {_META}colour={colour!r}; expected rgb or bgr")
        scale = _numbers(meta[_META + "scale"], _META + "scale", path)[0] if _META + "scale" in meta else 1 / 255
        mean = _numbers(meta[_META + "mean"], _META + "mean", path) if _META + "mean" in meta else (0.0,)
        std = _numbers(meta[_META + "std"], _META + "std", path) if _META + "std" in meta else (1.0,)
        try:
            return InputSpec(width=width, height=height, colour=colour,
                             layout=layout, dtype="float32" if kind == "tensor(float)" else "uint8",  # type: ignore[arg-type]
                             scale=scale, mean=mean, std=std)
        except MiningError as exc:
            raise MiningError(f"{path}: {exc}") from None

    def score(self, frames: np.ndarray) -> np.ndarray:
        x = self.input.prepare(frames)
        step = self._batch or len(x)
        parts = []
        for i in range(0, len(x), step):
            try:
                parts.append(np.asarray(self.session.run([self._output], {self._input.name: x[i:i + step]})[0]))
            except Exception as exc:  # onnxruntime's errors are untyped
                raise MiningError(f"{self.path.name}: the model failed on a batch ({str(exc)[:200]})") from None
        out = np.concatenate(parts) if parts else np.zeros((0, len(self.classes)), np.float32)
        return check_scores(out.reshape(len(frames), -1), len(frames), len(self.classes), self.path.name)
