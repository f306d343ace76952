"""Generated test media for mining: textured backgrounds, a red square drawn during known intervals,
and a tiny ONNX model (built with the ``onnx`` helpers) that scores how much red square it sees.

Every expectation is known by construction: a segment is ``(seconds, background seed, square?)``;
two videos that use the same seed for a segment share that material frame for frame.
"""

from __future__ import annotations

import fractions
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

WIDTH, HEIGHT, RATE = 160, 120, 10
SQUARE = 48
CLASSES = ("red square", "no square")


@dataclass(frozen=True)
class Segment:
    seconds: float
    seed: int
    square: bool = False
    light: float = 1.0  # scales every pixel: 0.03 makes a nearly black segment


def background(seed: int, shift: int, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """A grey texture of blocks a sixteenth of the width wide (seeded), drifting right by ``shift`` pixels."""
    rng = np.random.default_rng(seed)
    side = max(width // 16, 1)
    blocks = rng.integers(40, 216, size=(-(-height // side), width // side + 8), dtype=np.uint8)
    big = np.repeat(np.repeat(blocks, side, axis=0), side, axis=1)
    x = shift % (8 * side)
    gray = big[:height, x:x + width]
    return np.repeat(gray[..., None], 3, axis=2)


def write_video(path: Path, segments: Sequence[Segment], *, gop: int = 10, bframes: int = 2, width: int = WIDTH,
                height: int = HEIGHT, rate: int = RATE) -> list[tuple[float, float]]:
    """Write ``segments`` back to back; returns the ``[start, end)`` seconds of every square.

    The square covers a tenth of the picture and slides right while it is shown.
    """
    squares = []
    t0 = 0.0
    tb = fractions.Fraction(1, rate)
    side = round(SQUARE * width / WIDTH)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=rate, options={"g": str(gop), "bf": str(bframes),
                                                                "preset": "ultrafast", "crf": "23"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = tb
        index = 0
        for seg in segments:
            count = round(seg.seconds * rate)
            if seg.square:
                squares.append((t0, t0 + count / rate))
            for k in range(count):
                img = background(seg.seed, k, width, height).copy()
                if seg.square:
                    x = round((20 + k % 40) * width / WIDTH)
                    y = round(30 * height / HEIGHT)
                    img[y:y + side, x:x + side] = (230, 20, 20)
                if seg.light != 1.0:
                    img = (img * seg.light).astype(np.uint8)
                frame = av.VideoFrame.from_ndarray(img, format="rgb24")
                frame.pts, frame.time_base = index, tb
                out.mux(stream.encode(frame))
                index += 1
            t0 += count / rate
        out.mux(stream.encode(None))
    return squares


def write_audio_only(path: Path, seconds: float = 1.0) -> Path:
    rate = 16000
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=rate)
        samples = np.zeros((1, int(seconds * rate)), np.float32)
        for start in range(0, samples.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[:, start:start + 1024]), format="fltp",
                                               layout="mono")
            frame.sample_rate, frame.pts = rate, start
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def write_red_model(path: Path, *, side: int = 32, outputs: int = 2) -> Path:
    """An ONNX model ``[N, 3, side, side]`` float in ``[0, 1]`` -> ``[N, outputs]``.

    Score 0 is ``sigmoid(100 * (mean(R - G) - 0.03))``: near 1 when a red square covers a tenth of
    the picture, near 0 on grey. Score 1 is its complement; further outputs (for the mismatch test)
    repeat score 0.
    """
    import onnx  # here: at the top, every test process paid its import (with protobuf's) to collect
    from onnx import TensorProto, helper

    weights = np.zeros((3, outputs), np.float32)
    weights[0, :], weights[1, :] = 1.0, -1.0
    bias = np.full(outputs, -0.03, np.float32)
    if outputs > 1:
        weights[:, 1] *= -1
        bias[1] = 0.03
    graph = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["frames", "axes"], ["means"], keepdims=0),
            helper.make_node("MatMul", ["means", "weights"], ["diff"]),
            helper.make_node("Add", ["diff", "bias"], ["shifted"]),
            helper.make_node("Mul", ["shifted", "gain"], ["logits"]),
            helper.make_node("Sigmoid", ["logits"], ["scores"]),
        ],
        "red_square",
        [helper.make_tensor_value_info("frames", TensorProto.FLOAT, ["batch", 3, side, side])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", outputs])],
        initializer=[
            helper.make_tensor("axes", TensorProto.INT64, [2], [2, 3]),
            helper.make_tensor("weights", TensorProto.FLOAT, [3, outputs], weights.ravel().tolist()),
            helper.make_tensor("bias", TensorProto.FLOAT, [outputs], bias.tolist()),
            helper.make_tensor("gain", TensorProto.FLOAT, [], [100.0]),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="clipcrowd-tests")
    model.ir_version = 9
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def write_classes(path: Path, names: Sequence[str] = CLASSES) -> Path:
    path.write_text("\n".join(names) + "\n", encoding="utf-8")
    return path


def red_share(batch: np.ndarray) -> np.ndarray:
    """A plain-Python scorer for ``python:``: the share of strongly red pixels per frame."""
    red = (batch[..., 0] > 0.5) & (batch[..., 1] < 0.3)
    return red.mean(axis=(1, 2))[:, None]
