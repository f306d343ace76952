"""Waveform peaks: N buckets of (min, max) amplitude, for drawing audio in the browser.

Streams the audio once through a resampler to planar float; memory stays at one audio frame plus
the ``(N, 2)`` result. Channels are folded by taking the extreme over all channels.
"""

from __future__ import annotations

import av
import av.audio.resampler
import numpy as np

from ._container import PathLike, open_input
from .errors import MediaError


def waveform_peaks(path: PathLike, buckets: int = 1000, stream: int = 0) -> np.ndarray:
    """A ``(buckets, 2)`` float32 array of per-bucket (min, max) samples in [-1, 1].

    ``stream`` is the index among the file's audio streams.
    """
    if buckets <= 0:
        raise ValueError(f"buckets must be positive, got {buckets}")
    peaks = np.zeros((buckets, 2), np.float32)
    with open_input(path) as container:
        if len(container.streams.audio) <= stream:
            raise MediaError(f"{path}: no audio stream #{stream}")
        audio = container.streams.audio[stream]
        rate = audio.codec_context.sample_rate or 1
        seconds = float(container.duration / av.time_base) if container.duration else 0.0
        if audio.duration and audio.time_base:
            seconds = float(audio.duration * audio.time_base)
        total = max(int(seconds * rate), 1)
        resampler = av.audio.resampler.AudioResampler(format="fltp")
        done = 0
        try:
            for frame in container.decode(audio):
                for chunk in resampler.resample(frame):
                    data = chunk.to_ndarray()  # (channels, samples)
                    n = data.shape[1]
                    if n == 0:
                        continue
                    lo, hi = data.min(axis=0), data.max(axis=0)
                    idx = np.minimum((np.arange(done, done + n) * buckets) // total, buckets - 1)
                    starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
                    where = idx[starts]
                    peaks[where, 0] = np.minimum(peaks[where, 0], np.minimum.reduceat(lo, starts))
                    peaks[where, 1] = np.maximum(peaks[where, 1], np.maximum.reduceat(hi, starts))
                    done += n
        except av.FFmpegError as exc:
            raise MediaError(f"{path}: audio decoding failed after {done} samples ({exc})") from exc
    return np.clip(peaks, -1.0, 1.0)
