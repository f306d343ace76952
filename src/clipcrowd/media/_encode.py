"""Shared H.264 output plumbing for proxies, image sequences and re-encoded clips.

Every writer goes through :func:`atomic_output` so a failed encode never leaves half a file where a
finished one is expected.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import av.container

from . import defaults
from ._container import PathLike


@contextlib.contextmanager
def atomic_output(dest: PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``dest``; move it into place only if the block succeeds."""
    final = Path(dest)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex}.part{final.suffix}")
    try:
        yield tmp
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def open_mp4(path: Path) -> av.container.OutputContainer:
    """An MP4 writer with the index up front (``faststart``) so browsers play before it downloads."""
    return av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"})


def add_h264(
    out: av.container.OutputContainer,
    width: int,
    height: int,
    time_base: Fraction,
    rate: Fraction | None,
    *,
    rotation: int = 0,
    preset: str = defaults.PROXY_PRESET,
    crf: str = defaults.PROXY_CRF,
) -> av.VideoStream:
    """A libx264 yuv420p stream at ``time_base`` (pts are passed through, so VFR stays VFR)."""
    stream = out.add_stream("libx264", rate=rate, options={"preset": preset, "crf": crf})
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.codec_context.time_base = time_base
    if rotation:
        stream.set_display_rotation(rotation)
    return stream


def even(value: int) -> int:
    """``value`` rounded down to an even number (4:2:0 chroma needs even sides), at least 2."""
    return max(2, value - value % 2)
