"""The streaming scan of one video: sample, score in batches, hash; nothing but one batch in memory.

Frames are decoded once, sampled at the requested rate and converted by one reformatter straight to
the size and colour the scorer declares (:mod:`clipcrowd.media.sampling`). What survives the scan
is small whatever the video's length: per sample its time, the scores of the wanted labels and a
64-bit perceptual hash.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from clipcrowd.media import NoVideoStreamError, probe, sample_frames

from .dedupe import frame_hash
from .errors import MiningError
from .scorers import FrameScorer, Quality

#: ``progress(seconds_scanned, seconds_total)`` after each batch.
Progress = Callable[[float, float], None]
BATCH = 32


@dataclass
class Track:
    """What a scan keeps: sample times (s from the first frame), label scores, frame hashes."""

    duration: float
    times: np.ndarray
    scores: np.ndarray
    hashes: np.ndarray
    labels: tuple[str, ...]

    def window(self, start: float, end: float) -> np.ndarray:
        """Hashes of the samples shown in ``[start, end)``."""
        return self.hashes[(self.times >= start) & (self.times < end)]


def video_clock(path: str | os.PathLike[str]) -> tuple[float, float]:
    """``(first frame time, duration)`` in seconds (probe only, no decoding); a MediaError without video."""
    info = probe(path)
    if info.video is None:
        raise NoVideoStreamError(f"{path}: the file has no video stream")
    return float(info.video.first_time), float(info.video.duration)


def scan(
    path: str | os.PathLike[str],
    scorer: FrameScorer,
    labels: Sequence[str],
    sample_fps: float,
    *,
    batch: int = BATCH,
    progress: Progress | None = None,
    drop_unusable: bool = False,
) -> Track:
    """Score ``path`` at ``sample_fps`` for ``labels``; the scorer is reset first.

    With ``drop_unusable`` a frame the built-in quality scorer calls unusable (too dark, blown out or
    blurred) scores 0 for every label, so no clip is centred on it.
    """
    gate = Quality() if drop_unusable else None
    columns = [scorer.classes.index(label) for label in labels]
    first, duration = video_clock(path)
    scorer.reset()
    times: list[float] = []
    rows: list[np.ndarray] = []
    hashes: list[np.uint64] = []
    pending: list[np.ndarray] = []

    def flush() -> None:
        if not pending:
            return
        scored = scorer.score(np.stack(pending))
        if scored.shape != (len(pending), len(scorer.classes)):
            raise MiningError(f"the {scorer.name} scorer returned {scored.shape} scores for {len(pending)} frames")
        kept = scored[:, columns]
        if gate is not None:
            frames = np.stack(pending)
            gray = frames if frames.ndim == 3 else frames.mean(axis=3).astype(np.uint8)
            kept = kept * gate.score(gray)[:, 2:3]
        rows.append(kept)
        pending.clear()
        if progress is not None:
            progress(min(times[-1], duration), duration)

    for sample in sample_frames(path, sample_fps, spec=scorer.input.frame_spec):
        times.append(float(sample.time.exact) - first)
        hashes.append(frame_hash(sample.image))
        pending.append(sample.image)
        if len(pending) == batch:
            flush()
    flush()
    if not times:
        raise MiningError(f"{path}: no frame could be decoded")
    return Track(duration, np.asarray(times), np.concatenate(rows), np.asarray(hashes, np.uint64), tuple(labels))
