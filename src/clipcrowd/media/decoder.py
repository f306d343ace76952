"""Decoders: a small abstract base and a name-keyed registry (one implementation today: PyAV).

A decoder streams frames in presentation order, each stamped with its :class:`FrameTime` from the
file's frame table, so frame ``N`` here is frame ``N`` everywhere. It never holds more than the
codec's own reorder buffer in memory. Two levers keep sparse sampling cheap:

- ``skip``: ask the codec not to decode non-reference / bidirectional / non-key frames
  (``codec_context.skip_frame``); what is decoded keeps its real pts.
- ``wanted``: a callback telling the decoder the next pts the caller needs; when the keyframe before
  it lies further ahead than ``seek_min_frames``, the decoder seeks there instead of decoding the gap.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import av
import av.container
import numpy as np

from ._container import PathLike, open_input
from .convert import FrameConverter, FrameSpec
from .errors import MediaError
from .probe import PacketScan, VideoInfo, probe_video
from .timecode import FrameTime

SkipLevel = Literal["none", "nonref", "bidir", "nonkey"]
_SKIP = {"none": "DEFAULT", "nonref": "NONREF", "bidir": "BIDIR", "nonkey": "NONKEY"}
#: Seek only when it saves decoding at least this many frames (a seek flushes the codec pipeline).
SEEK_MIN_FRAMES = 24


@dataclass(frozen=True)
class DecodedFrame:
    """A decoded frame: its time, whether it is a keyframe, and the backend's native frame object."""

    time: FrameTime
    keyframe: bool
    native: Any


class Decoder(ABC):
    """Streams the frames of one video file. Use as a context manager."""

    name: ClassVar[str]

    def __init__(self, path: PathLike) -> None:
        self.path = str(path)
        self.info: VideoInfo
        self.scan: PacketScan
        self.info, self.scan = probe_video(path)

    @property
    def table(self) -> np.ndarray:
        """The frame-to-pts table (see :func:`clipcrowd.media.probe.frame_table`)."""
        return self.scan.pts

    def time_of(self, pts: int) -> FrameTime:
        """The :class:`FrameTime` of the frame whose pts is ``pts`` (nearest frame when not exact)."""
        table = self.table
        index = int(np.searchsorted(table, pts))
        if index == len(table) or (
            table[index] != pts and index > 0 and pts - table[index - 1] < table[index] - pts
        ):
            index -= 1
        return FrameTime(index, pts, self.info.time_base, self.info.average_rate)

    def keyframe_before(self, pts: int) -> int:
        """The pts of the last keyframe at or before ``pts`` (the first keyframe if none is)."""
        keys = self.scan.keyframes
        i = int(np.searchsorted(keys, pts, side="right")) - 1
        return int(keys[max(i, 0)])

    @abstractmethod
    def frames(
        self, *, skip: SkipLevel = "none", wanted: Callable[[], int | None] | None = None
    ) -> Iterator[DecodedFrame]:
        """Decoded frames in presentation order; stops early once ``wanted()`` returns ``None``."""

    @abstractmethod
    def converter(self, spec: FrameSpec) -> Callable[[Any], np.ndarray]:
        """A function turning this decoder's native frames into arrays as ``spec`` asks."""

    def close(self) -> None:  # noqa: B027 - optional hook, most backends need nothing
        """Release the file."""

    def __enter__(self) -> Decoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PyAVDecoder(Decoder):
    """FFmpeg through PyAV, in-process: no ffmpeg binary needed."""

    name = "pyav"

    def __init__(self, path: PathLike, *, threads: int = 0) -> None:
        super().__init__(path)
        self.threads = threads  # 0 = FFmpeg picks (one per core)
        self._container: av.container.InputContainer | None = None

    def _open(self) -> tuple[av.container.InputContainer, av.VideoStream]:
        self.close()
        container = open_input(self.path)
        stream = container.streams.video[0]
        for other in container.streams:
            if other.index != stream.index:
                other.discard = av.stream.Discard.all
        stream.codec_context.thread_count = self.threads
        self._container = container
        return container, stream

    def frames(
        self, *, skip: SkipLevel = "none", wanted: Callable[[], int | None] | None = None
    ) -> Iterator[DecodedFrame]:
        container, stream = self._open()
        ctx = stream.codec_context
        ctx.skip_frame = _SKIP[skip]  # type: ignore[assignment]
        last_index = -1
        while True:
            seek_to: int | None = None
            try:
                for packet in container.demux(stream):
                    for frame in packet.decode():
                        if frame.pts is None:
                            continue
                        time = self.time_of(frame.pts)
                        last_index = time.index
                        yield DecodedFrame(time, bool(frame.key_frame), frame)
                        if wanted is None:
                            continue
                        target = wanted()
                        if target is None:
                            return
                        key = self.keyframe_before(target)
                        if self.time_of(key).index - last_index > SEEK_MIN_FRAMES:
                            seek_to = key
                            break
                    if seek_to is not None:
                        break
            except av.FFmpegError as exc:
                raise MediaError(f"{self.path}: decoding failed after frame {last_index} ({exc})") from exc
            if seek_to is None:
                return
            container.seek(seek_to, stream=stream, backward=True)
            ctx.flush_buffers()

    def converter(self, spec: FrameSpec) -> FrameConverter:
        return FrameConverter(spec, self.info.width, self.info.height, self.info.rotation)

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None


#: Decoders by name; optional backends register themselves here when their import succeeds.
DECODERS: dict[str, type[Decoder]] = {PyAVDecoder.name: PyAVDecoder}


def open_decoder(path: PathLike, backend: str = PyAVDecoder.name, **options: Any) -> Decoder:
    """A decoder for ``path`` from :data:`DECODERS`; ``options`` go to the backend (e.g. ``threads``)."""
    name = backend
    try:
        cls = DECODERS[name]
    except KeyError:
        raise MediaError(f"unknown decoder {name!r}; available: {sorted(DECODERS)}") from None
    return cls(path, **options)
