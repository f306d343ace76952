"""Turning decoded frames into numpy arrays of the size and colour a consumer needs, cheaply.

Measured (see shared/reference/media.md): a fresh scaler per frame costs about 2x; one
``VideoReformatter`` per stream with ``area`` interpolation is both faster and better for large
downscales. Luma-only consumers (motion, scene change) skip colour conversion entirely and read the
Y plane, subsampled by an integer stride when the size allows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import av
import numpy as np
from av.video.reformatter import Interpolation, VideoReformatter

from .errors import BadDimensionsError

#: Pixel formats whose first plane is 8-bit luma at full resolution.
_Y_FIRST = frozenset(
    {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21", "gray", "yuv411p"}
)


@dataclass(frozen=True)
class FrameSpec:
    """What a consumer wants: size (``None`` keeps the aspect ratio or the native size) and colour.

    Sizes are *display* sizes: with ``upright`` the picture is rotated as its display matrix says,
    so a portrait phone video comes out portrait.
    """

    width: int | None = None
    height: int | None = None
    format: Literal["rgb24", "gray"] = "rgb24"
    upright: bool = True

    def __post_init__(self) -> None:
        for value in (self.width, self.height):
            if value is not None and value <= 0:
                raise BadDimensionsError(f"frame size must be positive, got {self.width}x{self.height}")


def output_size(spec: FrameSpec, width: int, height: int, rotation: int) -> tuple[int, int]:
    """The display (width, height) of frames converted by ``spec`` from a ``width`` x ``height`` source.

    A missing side follows the aspect ratio, rounded to an even number like FFmpeg's ``scale=W:-2``.
    """
    dw, dh = (height, width) if spec.upright and rotation in (90, 270) else (width, height)
    if spec.width is None and spec.height is None:
        return dw, dh
    if spec.width is not None and spec.height is not None:
        return spec.width, spec.height
    if spec.width is not None:
        return spec.width, max(2, round(spec.width * dh / dw / 2) * 2)
    assert spec.height is not None
    return max(2, round(spec.height * dw / dh / 2) * 2), spec.height


class FrameConverter:
    """Converts every frame of one stream for one :class:`FrameSpec`, reusing one scaler throughout."""

    def __init__(self, spec: FrameSpec, width: int, height: int, rotation: int = 0) -> None:
        self.spec = spec
        self.turns = (rotation // 90) % 4 if spec.upright else 0
        self.width, self.height = output_size(spec, width, height, rotation)
        # Scale in coded orientation, then rotate the small result.
        self._coded = (self.height, self.width) if self.turns % 2 else (self.width, self.height)
        self._reformatter = VideoReformatter()

    def __call__(self, frame: av.VideoFrame) -> np.ndarray:
        cw, ch = self._coded
        if self.spec.format == "gray" and frame.format.name in _Y_FIRST:
            image = self._luma(frame, cw, ch)
        else:
            fmt = "gray" if self.spec.format == "gray" else "rgb24"
            out = self._reformatter.reformat(
                frame, width=cw, height=ch, format=fmt, interpolation=Interpolation.AREA
            )
            image = out.to_ndarray()
        return np.ascontiguousarray(np.rot90(image, self.turns)) if self.turns else image

    def _luma(self, frame: av.VideoFrame, cw: int, ch: int) -> np.ndarray:
        plane = frame.planes[0]
        rows = np.frombuffer(memoryview(plane), np.uint8).reshape(-1, plane.line_size)
        y = rows[: frame.height, : frame.width]
        sx, sy = frame.width // cw, frame.height // ch
        if sx >= 1 and sy >= 1 and sx * cw == frame.width and sy * ch == frame.height:
            return y[::sy, ::sx].copy()  # copy: the decoder reuses the frame's buffer
        out = self._reformatter.reformat(
            frame, width=cw, height=ch, format="gray", interpolation=Interpolation.AREA
        )
        return out.to_ndarray()
