"""De-duplication: one clip per video when asked, and no two clips that share material.

Shared material is found with perceptual hashes of the sampled frames (a difference hash: 64 bits
saying whether each of 8x8 cells is brighter than its right neighbour, computed on a 9x8 area
downscale). Re-encoding, rescaling and small colour shifts change few bits; different pictures
differ in about half. Two clips share material when at least :data:`SHARED_SECONDS` of one clip's
sampled frames (and at least two frames) have a near-identical frame in the other. Flat frames
(black, one colour) hash to noise and are never counted as a match.

Candidates are taken best score first; a later one that repeats a kept video (``one_per_video``) or
shares material with a kept clip of another video is dropped, and says which clip it lost to.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from .candidates import Candidate

#: Hashes at most this many bits apart (of 64) show the same picture.
MATCH_BITS = 10
#: Seconds of sampled frames that must match before two clips are said to share material.
SHARED_SECONDS = 1.0
#: A 9x8 downscale whose grey levels vary less than this (standard deviation) is flat: no hash.
FLAT_STD = 2.0
#: The hash value marking a flat frame (never matched).
FLAT = np.uint64(0xFFFF_FFFF_FFFF_FFFF)

_BITS = (np.uint64(1) << np.arange(64, dtype=np.uint64))


def _area(gray: np.ndarray, rows: int, cols: int) -> np.ndarray:
    h, w = gray.shape
    if h < rows or w < cols:  # tiny frames: nearest neighbour
        return gray[np.linspace(0, h - 1, rows).astype(int)][:, np.linspace(0, w - 1, cols).astype(int)]
    r = np.linspace(0, h, rows + 1).astype(int)
    c = np.linspace(0, w, cols + 1).astype(int)
    sums = np.add.reduceat(np.add.reduceat(gray, r[:-1], axis=0), c[:-1], axis=1)
    return sums / np.outer(np.diff(r), np.diff(c))


def frame_hash(image: np.ndarray) -> np.uint64:
    """The 64-bit difference hash of an RGB or grey ``uint8`` frame (:data:`FLAT` for a flat one)."""
    gray = image.astype(np.float32)
    if gray.ndim == 3:
        gray = gray.mean(axis=2)
    small = _area(gray, 8, 9)
    if small.std() < FLAT_STD:
        return FLAT
    bits = (small[:, 1:] > small[:, :-1]).ravel()
    return np.uint64(_BITS[bits].sum(dtype=np.uint64))


def _popcount(x: np.ndarray) -> np.ndarray:
    return np.unpackbits(x.view(np.uint8).reshape(*x.shape, 8), axis=-1).sum(axis=-1)


def matched_frames(a: np.ndarray, b: np.ndarray) -> int:
    """How many frames of ``a`` have a frame within :data:`MATCH_BITS` bits in ``b`` (flat ones never)."""
    a, b = a[a != FLAT], b[b != FLAT]
    if not len(a) or not len(b):
        return 0
    distances = _popcount(np.bitwise_xor(a[:, None], b[None, :]))
    return int((distances.min(axis=1) <= MATCH_BITS).sum())


def select(candidates: Iterable[Candidate], *, sample_fps: float, one_per_video: bool = False) -> list[Candidate]:
    """Mark dropped candidates (their ``dropped`` says why); returns the kept ones, best score first."""
    need = max(2, math.ceil(SHARED_SECONDS * sample_fps))
    kept: list[Candidate] = []
    for cand in sorted(candidates, key=lambda c: (-c.score, c.video, c.time_start)):
        if one_per_video:
            same = next((k for k in kept if k.video == cand.video), None)
            if same is not None:
                cand.dropped = (f"one clip per video: {same.video} already has {same.label!r} "
                                f"at {same.time_start:.3f}-{same.time_end:.3f} s with a higher score {same.score:.4f}")
                continue
        for other in kept:
            if other.video == cand.video:
                continue
            shared = matched_frames(cand.hashes, other.hashes)
            if shared >= need:
                cand.dropped = (f"shares material with {other.video} {other.time_start:.3f}-{other.time_end:.3f} s "
                                f"({shared} of {len(cand.hashes)} sampled frames match), which scored higher "
                                f"({other.score:.4f} >= {cand.score:.4f})")
                break
        else:
            kept.append(cand)
    return kept
