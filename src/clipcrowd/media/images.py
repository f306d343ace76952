"""Covers and thumbnails: small JPEG/PNG pictures encoded by FFmpeg's own encoders (no Pillow).

The cover is the first keyframe, decoded with ``skip_frame=NONKEY`` so nothing else is decoded
(50-120 ms for 720p), turned upright and scaled to :data:`~clipcrowd.media.defaults.COVER_WIDTH`.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Literal, cast

import av
import numpy as np
from av.video.codeccontext import VideoCodecContext

from . import defaults
from ._container import PathLike
from .convert import FrameSpec
from .decoder import open_decoder
from .errors import BadDimensionsError, TruncatedFileError
from .sampling import sample_frames
from .timecode import FrameTime

ImageFormat = Literal["jpeg", "png"]
#: FFmpeg's lambda per quantiser step (FF_QP2LAMBDA): ``global_quality = qscale * 118``.
_QP2LAMBDA = 118


def encode_image(rgb: np.ndarray, fmt: ImageFormat = "jpeg", qscale: int = defaults.JPEG_QSCALE) -> bytes:
    """Encode an ``(h, w, 3)`` uint8 RGB array as JPEG or PNG bytes."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.shape[0] < 1 or rgb.shape[1] < 1:
        raise BadDimensionsError(f"expected an (h, w, 3) RGB image, got shape {rgb.shape}")
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb, dtype=np.uint8), format="rgb24")
    codec, pix_fmt = ("mjpeg", "yuvj444p") if fmt == "jpeg" else ("png", "rgb24")
    ctx = cast(VideoCodecContext, av.CodecContext.create(codec, "w"))
    ctx.width, ctx.height = frame.width, frame.height
    ctx.pix_fmt = pix_fmt
    ctx.time_base = Fraction(1, 25)
    if fmt == "jpeg":
        ctx.qscale = True
        ctx.global_quality = qscale * _QP2LAMBDA
    packets = [*ctx.encode(frame.reformat(format=pix_fmt)), *ctx.encode(None)]
    return b"".join(bytes(p) for p in packets)


def cover(path: PathLike, width: int = defaults.COVER_WIDTH, fmt: ImageFormat = "jpeg") -> bytes:
    """The first keyframe, upright, ``width`` pixels wide, as JPEG/PNG bytes."""
    with open_decoder(path) as decoder:
        convert = decoder.converter(FrameSpec(width=width))
        for frame in decoder.frames(skip="nonkey"):
            return encode_image(convert(frame.native), fmt)
    raise TruncatedFileError(f"{path}: no keyframe could be decoded for a cover")


def save_cover(path: PathLike, dest: PathLike, width: int = defaults.COVER_WIDTH) -> Path:
    """Write :func:`cover` to ``dest``; the format follows its suffix (``.png`` or JPEG)."""
    out = Path(dest)
    out.write_bytes(cover(path, width, "png" if out.suffix.lower() == ".png" else "jpeg"))
    return out


def thumbnails(
    path: PathLike, count: int = 10, width: int = defaults.THUMBNAIL_WIDTH, fmt: ImageFormat = "jpeg"
) -> list[tuple[FrameTime, bytes]]:
    """About ``count`` pictures spread evenly over the video (a timeline strip), each with its time."""
    if count <= 0:
        raise ValueError(f"count must be positive, got {count}")
    with open_decoder(path) as decoder:
        info = decoder.info
    rate = min(Fraction(count) / info.duration, info.native_rate or info.average_rate or Fraction(count))
    return [
        (s.time, encode_image(s.image, fmt))
        for s in sample_frames(path, rate, spec=FrameSpec(width=width), policy="nearest")
    ]
