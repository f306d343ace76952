"""Generate test media with PyAV so that every expectation is known by construction.

Each video frame carries its own index as a 16-bit barcode (a row of black/white blocks in the top
band), so a test can read back *which* frame a decoder handed out after scaling and compression,
instead of trusting timestamps alone.
"""

from __future__ import annotations

import fractions
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

BITS = 16


@dataclass(frozen=True)
class Written:
    """What a generator wrote: the facts probe and frame_table must report back."""

    path: Path
    width: int
    height: int
    pts: tuple[int, ...]  # presentation timestamps, in ``time_base`` units, in order
    time_base: fractions.Fraction
    rate: fractions.Fraction | None
    audio_rate: int | None = None
    audio_channels: int | None = None
    rotation: int = 0

    @property
    def frames(self) -> int:
        return len(self.pts)

    def seconds(self, index: int) -> fractions.Fraction:
        return self.pts[index] * self.time_base


def barcode_image(index: int, width: int, height: int) -> np.ndarray:
    """An RGB frame whose top band encodes ``index``; the rest is a moving gradient."""
    img = np.zeros((height, width, 3), np.uint8)
    yy, xx = np.mgrid[0:height, 0:width]
    img[..., 0] = (xx * 3 + index * 5) % 256
    img[..., 1] = (yy * 3 + index * 2) % 256
    img[..., 2] = 128
    band = max(height // 4, 8)
    block = width // BITS
    for bit in range(BITS):
        on = (index >> bit) & 1
        img[:band, bit * block : (bit + 1) * block] = 255 if on else 0
    return img


def read_barcode(image: np.ndarray) -> int:
    """Read back the index written by :func:`barcode_image` (any size, RGB or grey)."""
    gray = image if image.ndim == 2 else image.mean(axis=2)
    height, width = gray.shape
    band = max(int(height * 0.2), 1)
    value = 0
    for bit in range(BITS):
        x0 = int((bit + 0.3) * width / BITS)
        x1 = max(int((bit + 0.7) * width / BITS), x0 + 1)
        if gray[: band // 2 + 1, x0:x1].mean() > 127:
            value |= 1 << bit
    return value


def _frame(index: int, width: int, height: int) -> av.VideoFrame:
    return av.VideoFrame.from_ndarray(barcode_image(index, width, height), format="rgb24")


def write_video(
    path: Path,
    *,
    frames: int = 60,
    width: int = 160,
    height: int = 120,
    rate: int | fractions.Fraction = 30,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    bframes: int = 0,
    gop: int = 30,
    rotation: int | None = None,
    audio: bool = False,
    audio_rate: int = 48000,
    first_pts: int = 0,
    options: dict[str, str] | None = None,
) -> Written:
    """A constant-frame-rate video (optionally with a sine-tone AAC track and a display matrix)."""
    opts = {"bf": str(bframes), "g": str(gop), "preset": "ultrafast"} if codec == "libx264" else {}
    opts.update(options or {})
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=rate, options=opts)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if codec == "libx264" and bframes:
            stream.codec_context.max_b_frames = bframes
        if rotation is not None:
            stream.set_display_rotation(rotation)
        astream = out.add_stream("aac", rate=audio_rate) if audio else None
        tb = fractions.Fraction(1, 1) / fractions.Fraction(rate)
        stream.codec_context.time_base = tb
        for i in range(frames):
            frame = _frame(i, width, height)
            frame.pts = first_pts + i
            frame.time_base = tb
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
        if astream is not None:
            _write_tone(out, astream, seconds=float(frames / fractions.Fraction(rate)), rate=audio_rate)
    with av.open(str(path)) as inp:
        vs = inp.streams.video[0]
        assert vs.time_base is not None
        # The muxer rescales 1/rate to its own time base, rounding to the nearest tick.
        pts = tuple(round(((first_pts + i) * tb) / vs.time_base) for i in range(frames))
        time_base = vs.time_base
    return Written(
        path, width, height, pts, time_base, fractions.Fraction(rate),
        audio_rate if audio else None, 2 if audio else None, rotation or 0,
    )


def _write_tone(
    out: av.container.OutputContainer, astream: av.AudioStream, seconds: float, rate: int
) -> None:
    """Silence for the first half, a loud 440 Hz tone for the second: waveform peaks are predictable."""
    total = int(seconds * rate)
    t = np.arange(total) / rate
    signal = np.where(t >= seconds / 2, 0.8 * np.sin(2 * np.pi * 440 * t), 0.0).astype(np.float32)
    chunk = 1024
    for start in range(0, total, chunk):
        piece = signal[start : start + chunk]
        data = np.stack([piece, piece])
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format="fltp", layout="stereo")
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = fractions.Fraction(1, rate)
        out.mux(astream.encode(frame))
    out.mux(astream.encode(None))


def write_vfr(path: Path, pts_ms: Sequence[int], *, width: int = 160, height: int = 120) -> Written:
    """A variable-frame-rate video: frame i is shown at ``pts_ms[i]`` milliseconds (Matroska, 1/1000)."""
    tb = fractions.Fraction(1, 1000)
    with av.open(str(path), "w", format="matroska") as out:
        stream = out.add_stream("libx264", rate=30, options={"bf": "0", "preset": "ultrafast", "g": "30"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = tb
        for i, ms in enumerate(pts_ms):
            frame = _frame(i, width, height)
            frame.pts = ms
            frame.time_base = tb
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return Written(path, width, height, tuple(pts_ms), tb, None)


def write_audio_only(path: Path, *, seconds: float = 2.0, rate: int = 44100) -> Written:
    """An AAC-in-MP4 (.m4a) file with no video stream."""
    with av.open(str(path), "w", format="mp4") as out:
        astream = out.add_stream("aac", rate=rate)
        _write_tone(out, astream, seconds=seconds, rate=rate)
    return Written(path, 0, 0, (), fractions.Fraction(1, rate), None, rate, 2)


def write_images(
    folder: Path, count: int, *, width: int = 64, height: int = 48, ext: str = "png"
) -> list[Path]:
    """Numbered still images (PNG or JPEG) encoded by PyAV itself (no Pillow needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        p = folder / f"img_{i:04d}.{ext}"
        codec, fmt = ("png", "rgb24") if ext == "png" else ("mjpeg", "yuvj420p")
        ctx = av.CodecContext.create(codec, "w")
        ctx.width, ctx.height, ctx.pix_fmt = width, height, fmt
        ctx.time_base = fractions.Fraction(1, 25)
        frame = _frame(i, width, height).reformat(format=fmt)
        data = b"".join(bytes(pkt) for pkt in [*ctx.encode(frame), *ctx.encode(None)])
        p.write_bytes(data)
        paths.append(p)
    return paths


def write_live_webm(path: Path, *, seconds: int = 3, fps: int = 12, audio: bool = True) -> Path:
    """A WebM written as a live stream, as a browser's MediaRecorder writes it: no duration, no cues."""
    with av.open(str(path), "w", format="webm", options={"live": "1"}) as out:
        video = out.add_stream("libvpx", rate=fractions.Fraction(fps))
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        sound = out.add_stream("libopus", rate=48000, layout="mono") if audio else None
        for i in range(seconds * fps):
            for packet in video.encode(_frame(i, 160, 120)):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
        if sound is not None:
            t = np.arange(48000 * seconds) / 48000
            samples = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16).reshape(1, -1)
            for start in range(0, samples.shape[1], 960):
                frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[:, start:start + 960]),
                                                   format="s16", layout="mono")
                frame.sample_rate, frame.pts = 48000, start
                for packet in sound.encode(frame):
                    out.mux(packet)
            for packet in sound.encode(None):
                out.mux(packet)
    return path
