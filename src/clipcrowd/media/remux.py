"""Give a recorded file a duration and an index, so players show its length and can seek.

A browser's MediaRecorder writes WebM as a live stream: no Duration element and no Cues, so a
player shows 0:00 and cannot seek. Copying its packets (no decoding, no re-encoding) into a new
Matroska/WebM file on disk lets FFmpeg's muxer write both when it closes the file. Packets go
through one at a time, so memory stays flat however long the recording.

>>> done = make_seekable("recording.webm", "fixed.webm")         # doctest: +SKIP
>>> done.remuxed, float(done.duration)                            # doctest: +SKIP
(True, 4.52)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from ._container import PathLike, check_file, classify, open_input

# Containers whose browser recordings come without an index; others keep their own bytes.
REMUXED_FORMATS = ("matroska", "webm")


@dataclass(frozen=True)
class Playable:
    """The outcome: how long the media lasts and whether `dst` now holds a rewritten copy."""

    duration: Fraction | None
    remuxed: bool


def _span(container: av.container.InputContainer) -> Fraction | None:
    """From the first timestamp to the end of the last packet, over every audio and video stream."""
    first: Fraction | None = None
    last: Fraction | None = None
    streams = [s for s in container.streams if s.type in ("audio", "video")]
    for packet in container.demux(streams):
        if packet.pts is None or packet.time_base is None:
            continue
        start = packet.pts * Fraction(packet.time_base)
        end = (packet.pts + (packet.duration or 0)) * Fraction(packet.time_base)
        first = start if first is None else min(first, start)
        last = end if last is None else max(last, end)
    return None if first is None or last is None or last <= first else last - first


def _declared(container: av.container.InputContainer) -> Fraction | None:
    return Fraction(container.duration, av.time_base) if container.duration else None


def needs_remux(format_name: str) -> bool:
    return any(name in format_name.split(",") for name in REMUXED_FORMATS)


def make_seekable(src: PathLike, dst: PathLike) -> Playable:
    """Stream-copy `src` into `dst` when it is Matroska/WebM; return the media's duration.

    Other containers are left as they are (`remuxed` False, `dst` not written); their duration is
    the one they declare or, failing that, the span of their packets' timestamps.
    """
    path = check_file(src)
    try:
        with open_input(path) as source:
            if not needs_remux(source.format.name):
                return Playable(_declared(source) or _span(source), remuxed=False)
            streams = [s for s in source.streams if s.type in ("audio", "video")]
            muxer = "webm" if all(s.codec_context.name in ("vp8", "vp9", "av1", "opus", "vorbis")
                                  for s in streams) else "matroska"
            with av.open(str(dst), "w", format=muxer) as out:
                copies = {s.index: out.add_stream_from_template(s) for s in streams}
                for packet in source.demux(streams):
                    if packet.dts is None and packet.pts is None:
                        continue  # the demuxer's flush packet
                    packet.stream = copies[packet.stream.index]
                    out.mux(packet)
        with open_input(Path(dst)) as written:
            return Playable(_declared(written) or _span(written), remuxed=True)
    except av.FFmpegError as exc:
        raise classify(path, exc) from exc
