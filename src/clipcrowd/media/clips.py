"""Clips cut by time, frame-exact: frame ``i`` of the source is in the clip iff ``start <= t_i < end``.

Stream copy is used only when it is exact: the first wanted frame is a keyframe and the clip ends
at a keyframe or at the end of the video (otherwise B-frames before the end would lose the later
reference they need). Everything else is re-encoded with libx264 from the keyframe before ``start``.
Measured: a stream-copied 5 s clip takes ~20 ms, a re-encoded one ~0.6 s (veryfast).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from . import defaults
from ._container import PathLike, open_input
from ._encode import add_h264, atomic_output, even, open_mp4
from .decoder import Decoder, open_decoder
from .errors import MediaError
from .timecode import as_fraction


@dataclass(frozen=True)
class Clip:
    """A written clip: where it is, which source frames it holds, and how it was made."""

    path: Path
    first_frame: int
    frame_count: int
    copied: bool


def _frame_range(table: np.ndarray, tb: Fraction, start: Fraction, end: Fraction) -> tuple[int, int]:
    # t_i >= start  <=>  pts_i >= ceil(start / tb); likewise for end: exact, no float seconds.
    first = int(np.searchsorted(table, math.ceil(start / tb), side="left"))
    stop = int(np.searchsorted(table, math.ceil(end / tb), side="left"))
    return first, stop


def cut_clip(
    src: PathLike,
    dest: PathLike,
    start: float | Fraction,
    end: float | Fraction,
    *,
    mode: Literal["auto", "copy", "reencode"] = "auto",
) -> Clip:
    """Write the frames of ``src`` shown in ``[start, end)`` seconds (file clock) to ``dest`` (video only)."""
    start, end = as_fraction(start), as_fraction(end)
    with open_decoder(src) as decoder:
        info, keys, table = decoder.info, decoder.scan.keyframes, decoder.table
        first, stop = _frame_range(table, info.time_base, start, end)
        if stop <= first:
            raise MediaError(f"{src}: no frame is shown between {float(start)} s and {float(end)} s")
        aligned = bool(np.isin(table[first], keys)) and (
            stop == len(table) or bool(np.isin(table[stop], keys))
        )
        if mode == "copy" and not aligned:
            raise MediaError(
                f"{src}: [{float(start)}, {float(end)}) is not keyframe-aligned: "
                "a stream copy would not be exact"
            )
        lo, hi = int(table[first]), int(table[stop]) if stop < len(table) else None
        with atomic_output(dest) as tmp:
            if aligned and mode != "reencode":
                _copy(src, tmp, lo, hi)
            else:
                _reencode(decoder, tmp, lo, hi)
    return Clip(Path(dest), first, stop - first, aligned and mode != "reencode")


def _copy(src: PathLike, tmp: Path, lo: int, hi: int | None) -> None:
    with open_input(src) as inp, open_mp4(tmp) as out:
        vin = inp.streams.video[0]
        vout = out.add_stream_from_template(vin)
        inp.seek(lo, stream=vin, backward=True)
        for packet in inp.demux(vin):
            if packet.pts is None or packet.size == 0:
                continue
            if packet.pts < lo and packet.is_keyframe is False:
                continue
            if hi is not None and packet.dts is not None and packet.pts >= hi and packet.is_keyframe:
                break
            if packet.pts < lo or (hi is not None and packet.pts >= hi):
                continue
            packet.pts -= lo
            if packet.dts is not None:
                packet.dts -= lo
            packet.stream = vout
            out.mux(packet)


def _reencode(decoder: Decoder, tmp: Path, lo: int, hi: int | None) -> None:
    info = decoder.info
    target = [lo]

    def wanted() -> int | None:
        return target[0]

    scaler = VideoReformatter()
    with open_mp4(tmp) as out:
        stream = add_h264(
            out,
            even(info.width),
            even(info.height),
            info.time_base,
            info.native_rate,
            rotation=info.rotation,
            crf=defaults.PROXY_CRF,
        )
        for frame in decoder.frames(wanted=wanted):
            pts = frame.time.pts
            if pts < lo:
                continue
            if hi is not None and pts >= hi:
                target[0] = -1
                break
            picture = scaler.reformat(
                frame.native, width=stream.width, height=stream.height, format="yuv420p"
            )
            picture.pts, picture.time_base = pts - lo, info.time_base
            picture.pict_type = av.video.frame.PictureType.NONE
            out.mux(stream.encode(picture))
        out.mux(stream.encode(None))
