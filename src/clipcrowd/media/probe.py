"""Probe: what a media file contains, read from its headers plus one demux pass (never a full decode).

The frame count and the frame-to-pts table come from demuxing every video packet: about 0.1 s for
ten minutes of 720p, against ~19 s to decode. Header frame counts are absent in Matroska and wrong
after edits, so they are never trusted. Rotation needs the display matrix, which PyAV exposes on
decoded frames, so probe decodes exactly one frame (which also proves the stream is decodable).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

import av
import av.container
import numpy as np

from . import defaults
from ._container import PathLike, check_file, classify, open_input
from .errors import BadDimensionsError, MediaError, NotDecodableError, NoVideoStreamError, TruncatedFileError
from .timecode import FrameTime


@dataclass(frozen=True)
class AudioInfo:
    """One audio stream."""

    index: int
    codec: str
    sample_rate: int
    channels: int
    duration: Fraction | None


@dataclass(frozen=True)
class VideoInfo:
    """The first video stream. Times are exact: ``pts * time_base``."""

    index: int
    codec: str
    width: int  # coded size, before rotation
    height: int
    pix_fmt: str | None
    rotation: int  # degrees counter-clockwise to show upright, in {0, 90, 180, 270}
    time_base: Fraction
    native_rate: Fraction | None  # FFmpeg's r_frame_rate: the base rate every pts fits
    average_rate: Fraction | None  # frames / duration
    vfr: bool
    start_pts: int | None  # the stream's declared start (container header)
    first_pts: int  # pts of the first frame in presentation order
    frame_count: int
    keyframe_count: int
    duration: Fraction  # first frame shown to last frame gone, in seconds

    @property
    def first_time(self) -> Fraction:
        """Offset in seconds of the first frame from zero (edit lists, MPEG-TS clocks, trimmed files)."""
        return self.first_pts * self.time_base

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) as shown, after rotation."""
        return (self.height, self.width) if self.rotation in (90, 270) else (self.width, self.height)


@dataclass(frozen=True)
class MediaInfo:
    """Everything :func:`probe` learns about a file."""

    path: str
    format_name: str
    size: int
    duration: Fraction | None  # container duration, seconds
    start_time: Fraction | None  # container start, seconds
    creation_time: datetime | None
    video: VideoInfo | None
    audio: tuple[AudioInfo, ...]

    @property
    def has_video(self) -> bool:
        return self.video is not None

    def require_video(self) -> VideoInfo:
        """The video stream, or a :class:`NoVideoStreamError` naming the file."""
        if self.video is None:
            raise NoVideoStreamError(f"{self.path}: no video stream (streams: audio x{len(self.audio)})")
        return self.video


@dataclass(frozen=True)
class PacketScan:
    """What one demux pass over a video stream yields (private to the media package)."""

    pts: np.ndarray  # int64, presentation order
    keyframes: np.ndarray  # int64 pts of keyframes, presentation order
    last_duration: int


def scan_packets(container: av.container.InputContainer, stream: av.VideoStream) -> PacketScan:
    """Demux every packet of ``stream`` (no decoding) and collect pts in presentation order."""
    for other in container.streams:
        if other.index != stream.index:
            other.discard = av.stream.Discard.all
    pts: list[int] = []
    keys: list[int] = []
    last_duration = 0
    try:
        for packet in container.demux(stream):
            if packet.size == 0 or packet.is_discard:
                continue
            stamp = packet.pts if packet.pts is not None else packet.dts
            if stamp is None:
                continue
            pts.append(stamp)
            if packet.is_keyframe:
                keys.append(stamp)
            last_duration = max(last_duration, packet.duration or 0)
    except av.FFmpegError as exc:
        name = container.name
        raise TruncatedFileError(f"{name}: data ends early after {len(pts)} frames ({exc})") from exc
    table = np.sort(np.asarray(pts, dtype=np.int64))
    return PacketScan(table, np.sort(np.asarray(keys, dtype=np.int64)), last_duration)


def frame_table(path: PathLike) -> np.ndarray:
    """The pts (int64, the stream's time base) of every video frame in presentation order.

    Frame ``N`` of a file is ``frame_table(path)[N]`` everywhere in clipcrowd: samplers, clips,
    the web player and exported labels all agree because they all come back to this table.
    """
    with open_input(path) as container:
        if not container.streams.video:
            raise NoVideoStreamError(f"{path}: no video stream")
        return scan_packets(container, container.streams.video[0]).pts


def frame_time(info: VideoInfo, table: np.ndarray, index: int) -> FrameTime:
    """The :class:`FrameTime` of frame ``index`` (negative indexes count from the end)."""
    if not -len(table) <= index < len(table):
        raise MediaError(f"frame {index} is out of range (the video has {len(table)} frames)")
    index %= len(table)
    return FrameTime(index, int(table[index]), info.time_base, info.average_rate)


def _is_vfr(table: np.ndarray, time_base: Fraction) -> bool:
    if len(table) < 3:
        return False
    steps = np.diff(table)
    spread = int(steps.max() - steps.min())
    # Rounding to a time base that does not divide the frame period makes steps alternate
    # (33, 33, 34 ms), and re-muxing to a finer base keeps that millisecond jitter: not VFR.
    relative = defaults.VFR_TOLERANCE * float(np.median(steps))
    jitter = max(2.0, float(defaults.VFR_JITTER / time_base), relative)
    return spread > jitter


def _rotation(path: str, stream: av.VideoStream) -> int:
    tag = stream.metadata.get("rotate")
    if tag is not None:  # legacy tag, clockwise
        return (-int(float(tag))) % 360
    # A fresh open is cheaper and safer than seeking back in a container we just demuxed to the end.
    with av.open(path, metadata_errors="ignore") as container:
        for frame in container.decode(container.streams.video[0]):
            return int(round(frame.rotation / 90.0) * 90) % 360
    raise TruncatedFileError(f"{path}: the video stream has no decodable frame")


def _creation_time(meta: dict[str, str]) -> datetime | None:
    raw = meta.get("creation_time")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None


def _video_info(
    container: av.container.InputContainer, stream: av.VideoStream
) -> tuple[VideoInfo, PacketScan]:
    ctx = stream.codec_context
    if ctx is None:  # a stream FFmpeg can demux but has no decoder for (an SVG image, for one)
        raise NotDecodableError(f"{container.name}: its video stream has no decoder here")
    width, height = int(ctx.width or 0), int(ctx.height or 0)
    if width <= 0 or height <= 0 or width > defaults.MAX_DIMENSION or height > defaults.MAX_DIMENSION:
        raise BadDimensionsError(
            f"{container.name}: video dimensions {width}x{height} are outside 1..{defaults.MAX_DIMENSION}"
        )
    if stream.time_base is None:
        raise MediaError(f"{container.name}: the video stream has no time base")
    tb = Fraction(stream.time_base)
    scan = scan_packets(container, stream)
    if len(scan.pts) == 0:
        raise TruncatedFileError(f"{container.name}: the video stream has no frames")
    if stream.frames and len(scan.pts) < stream.frames:
        raise TruncatedFileError(
            f"{container.name}: the header promises {stream.frames} frames but only {len(scan.pts)} are there"
        )
    rotation = _rotation(container.name, stream)
    last = scan.last_duration or (int(np.median(np.diff(scan.pts))) if len(scan.pts) > 1 else 0)
    duration = (int(scan.pts[-1] - scan.pts[0]) + last) * tb
    average = Fraction(len(scan.pts)) / duration if duration > 0 else None
    info = VideoInfo(
        index=stream.index,
        codec=ctx.name,
        width=width,
        height=height,
        pix_fmt=ctx.pix_fmt,
        rotation=rotation,
        time_base=tb,
        native_rate=Fraction(stream.base_rate) if stream.base_rate else None,
        average_rate=average.limit_denominator(1001 * 1000) if average else None,
        vfr=_is_vfr(scan.pts, tb),
        start_pts=stream.start_time,
        first_pts=int(scan.pts[0]),
        frame_count=len(scan.pts),
        keyframe_count=len(scan.keyframes),
        duration=duration,
    )
    return info, scan


def probe_video(path: PathLike) -> tuple[VideoInfo, PacketScan]:
    """The video stream's facts and its packet scan (for decoders that need the keyframe positions)."""
    p = check_file(path)
    with open_input(p) as container:
        if not container.streams.video:
            raise NoVideoStreamError(f"{p}: no video stream")
        try:
            return _video_info(container, container.streams.video[0])
        except av.FFmpegError as exc:
            raise classify(p, exc) from exc


def probe(path: PathLike) -> MediaInfo:
    """Read the facts of a media file (see :class:`MediaInfo`); raises a :class:`MediaError` on bad input.

    >>> info = probe("clip.mp4")                                  # doctest: +SKIP
    >>> info.video.frame_count, info.video.vfr, info.audio[0].sample_rate  # doctest: +SKIP
    (300, False, 48000)
    """
    p = check_file(path)
    with open_input(p) as container:
        audio = tuple(
            AudioInfo(
                index=s.index,
                codec=s.codec_context.name,
                sample_rate=int(s.codec_context.sample_rate or 0),
                channels=int(s.codec_context.channels or 0),
                duration=(s.duration * Fraction(s.time_base)) if s.duration and s.time_base else None,
            )
            for s in container.streams.audio
        )
        try:
            video = _video_info(container, container.streams.video[0])[0] if container.streams.video else None
        except av.FFmpegError as exc:
            raise classify(p, exc) from exc
        if video is None and not audio:
            raise NoVideoStreamError(f"{p}: neither a video nor an audio stream")
        return MediaInfo(
            path=str(p),
            format_name=container.format.name,
            size=p.stat().st_size,
            duration=Fraction(container.duration, av.time_base) if container.duration is not None else None,
            start_time=(
                Fraction(container.start_time, av.time_base) if container.start_time is not None else None
            ),
            creation_time=_creation_time(dict(container.metadata)),
            video=video,
            audio=audio,
        )
