"""Generated camera footage with known motion: a static textured scene, sensor noise, and objects
that cross it during given intervals. Ground truth is known by construction."""

from __future__ import annotations

import fractions
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np


@dataclass(frozen=True)
class Mover:
    """An object crossing the picture between ``start`` and ``end`` seconds (it is absent otherwise)."""

    start: float
    end: float
    color: tuple[int, int, int] = (230, 40, 40)
    direction: str = "right"  # right | left | down | up
    size: float = 0.18  # side, as a share of the picture height


def background(width: int, height: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    coarse = rng.integers(40, 200, size=(height // 8 + 1, width // 8 + 1, 3), dtype=np.uint8)
    return np.kron(coarse, np.ones((8, 8, 1), np.uint8))[:height, :width].copy()


def _place(img: np.ndarray, mover: Mover, t: float) -> None:
    h, w = img.shape[:2]
    side = max(4, int(h * mover.size))
    p = (t - mover.start) / (mover.end - mover.start)
    horizontal = mover.direction in ("right", "left")
    span = (w if horizontal else h) - side
    pos = int(p * span) if mover.direction in ("right", "down") else int((1 - p) * span)
    if horizontal:
        x, y = pos, (h - side) // 2
    else:
        x, y = (w - side) // 2, pos
    img[y:y + side, x:x + side] = mover.color


def write_scene(path: Path, seconds: float, movers: Sequence[Mover], *, fps: int = 15, width: int = 320,
                height: int = 180, seed: int = 0, noise: int = 3, bframes: int = 0) -> Path:
    """Write an H.264 MP4 of ``seconds`` with ``movers``; returns ``path``."""
    rng = np.random.default_rng(seed + 1)
    base = background(width, height, seed).astype(np.int16)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "g": str(fps * 2),
                                                             "bf": str(bframes), "crf": "23"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        tb = fractions.Fraction(1, fps)
        for i in range(round(seconds * fps)):
            t = i / fps
            img = base + rng.integers(-noise, noise + 1, size=base.shape, dtype=np.int16) if noise else base.copy()
            img = np.clip(img, 0, 255).astype(np.uint8)
            for m in movers:
                if m.start <= t < m.end:
                    _place(img, m, t)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = i, tb
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Temporal IoU-like overlap: intersection over the union of two intervals."""
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def match(found: Sequence[tuple[float, float]], truth: Sequence[tuple[float, float]],
          min_overlap: float = 0.5) -> list[tuple[int, int]]:
    """Greedy one-to-one matching of found events to true intervals at ``min_overlap``."""
    pairs = sorted(((overlap(f, t), i, j) for i, f in enumerate(found) for j, t in enumerate(truth)), reverse=True)
    used_f: set[int] = set()
    used_t: set[int] = set()
    out = []
    for score, i, j in pairs:
        if score >= min_overlap and i not in used_f and j not in used_t:
            used_f.add(i)
            used_t.add(j)
            out.append((i, j))
    return out
