"""Small real media files for simulated uploads, made in memory with PyAV (no files on disk)."""

from __future__ import annotations

import io
from fractions import Fraction

import av
import numpy as np


def tiny_video(seed: int = 0, seconds: float = 1.0, fps: int = 10, size: tuple[int, int] = (64, 48)) -> bytes:
    """An H.264 MP4 of moving colour, different per seed."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for i in range(max(1, int(seconds * fps))):
            frame = np.full((size[1], size[0], 3), (seed * 37 + i * 9) % 256, dtype=np.uint8)
            frame[:, (i * 4) % size[0]:, 1] = (seed * 11) % 256
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def tiny_audio(seed: int = 0, seconds: float = 1.0, rate: int = 16000) -> bytes:
    """A mono AAC-in-MP4 (m4a) tone whose pitch depends on the seed."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("aac", rate=rate)
        stream.layout = "mono"
        t = np.arange(int(seconds * rate)) / rate
        tone = (0.3 * np.sin(2 * np.pi * (220 + 20 * seed) * t)).astype(np.float32)
        chunk = 1024
        for start in range(0, len(tone), chunk):
            samples = tone[start:start + chunk].reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(samples, format="flt", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()
