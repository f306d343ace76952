"""Mining as one streaming pipeline: videos in, a folder of candidate clips out.

1. :func:`propose` (one shard per video): probe, refuse a clip longer than the video, stream-scan
   at the sample rate, take the top-k moments per label with temporal non-maximum suppression and
   centre a clip on each, clamped to the video;
2. :func:`finish`: de-duplicate across videos (:mod:`.dedupe`), cut the kept clips (stream copy
   when the cut falls on keyframes, re-encoded otherwise) and write ``candidates.csv`` and
   ``candidates.json``.

The output folder is built under a temporary name beside it and renamed into place at the end, so
a failed run leaves nothing half-written. A video that cannot be mined (unreadable, no video
stream, too short) is reported in ``candidates.json`` under ``failed`` while the others are mined.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from clipcrowd.media import MediaError, cut_clip

from .candidates import Candidate, best_moments
from .dedupe import select
from .errors import MiningError
from .outdir import atomic_folder, check_output
from .scan import BATCH, scan, video_clock
from .scorers import FrameScorer

CSV_COLUMNS = ("video", "label", "time_start", "time_end", "score", "clip_path")
#: Bounds on user options (a clip longer than an hour is not a candidate clip).
MAX_CLIP_SECONDS = 3600.0
MAX_SAMPLE_FPS = 120.0
MAX_TOP_K = 1000

#: ``progress(source, seconds_scanned, seconds_total)``.
Progress = Callable[["Source", float, float], None]


@dataclass(frozen=True)
class Source:
    """A video to mine: the id it is known by in the results, and where its file is."""

    video: str
    path: Path


@dataclass(frozen=True)
class MineOptions:
    labels: tuple[str, ...]
    clip_seconds: float = 10.0
    sample_fps: float = 2.0
    top_k: int = 1
    min_score: float | None = None
    one_per_video: bool = False
    drop_unusable: bool = False
    batch: int = BATCH

    def __post_init__(self) -> None:
        if not self.labels:
            raise MiningError("give at least one --label to mine")
        if not (math.isfinite(self.clip_seconds) and 0 < self.clip_seconds <= MAX_CLIP_SECONDS):
            raise MiningError(f"--clip-seconds must be in (0, {MAX_CLIP_SECONDS:g}], got {self.clip_seconds:g}")
        if not (math.isfinite(self.sample_fps) and 0 < self.sample_fps <= MAX_SAMPLE_FPS):
            raise MiningError(f"--sample-fps must be in (0, {MAX_SAMPLE_FPS:g}], got {self.sample_fps:g}")
        if not 1 <= self.top_k <= MAX_TOP_K:
            raise MiningError(f"--top-k must be in [1, {MAX_TOP_K}], got {self.top_k}")
        if self.min_score is not None and not math.isfinite(self.min_score):
            raise MiningError("--min-score must be a finite number")
        if not 1 <= self.batch <= 4096:
            raise MiningError(f"batch must be in [1, 4096], got {self.batch}")


@dataclass
class Failure:
    video: str
    source: str
    error: str


@dataclass
class MiningResult:
    kept: list[Candidate]
    dropped: list[Candidate]
    failed: list[Failure]
    out: Path
    options: MineOptions = field(repr=False)


def sources_from_path(path: str | os.PathLike[str]) -> list[Source]:
    """A file, or the regular (not hidden) files of a folder, sorted; ids are file stems (names on clashes)."""
    p = Path(path)
    if p.is_file():
        return [Source(p.stem, p)]
    if not p.is_dir():
        raise MiningError(f"{p}: no such file or folder")
    files = sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith("."))
    if not files:
        raise MiningError(f"{p}: the folder has no files to mine")
    stems = [f.stem for f in files]
    return [Source(f.stem if stems.count(f.stem) == 1 else f.name, f) for f in files]


def propose(source: Source, scorer: FrameScorer, options: MineOptions,
            progress: Progress | None = None) -> list[Candidate]:
    """The candidates of one video (the work of one shard); raises MediaError/MiningError for this video."""
    _, duration = video_clock(source.path)
    if options.clip_seconds > duration:
        raise MiningError(f"{source.path.name}: --clip-seconds {options.clip_seconds:g} is longer than the video "
                          f"({duration:.3f} s)")
    report = None if progress is None else (lambda done, total: progress(source, done, total))
    track = scan(source.path, scorer, options.labels, options.sample_fps, batch=options.batch, progress=report,
                 drop_unusable=options.drop_unusable)
    found = []
    for j, label in enumerate(options.labels):
        column = track.scores[:, j]
        for m in best_moments(track.times, column, options.top_k, options.clip_seconds, track.duration,
                              options.min_score):
            found.append(Candidate(source.video, label, m.peak_time, m.time_start, m.time_end, m.score,
                                   source=str(source.path), hashes=track.window(m.time_start, m.time_end)))
    return found


def clip_name(cand: Candidate) -> str:
    """``<video>_<label>_<start ms>_<end ms>.mp4`` with anything but letters, digits, ``-`` and ``.`` as ``_``."""
    safe = re.sub(r"[^A-Za-z0-9.-]+", "_", f"{cand.video}_{cand.label}").strip("_")[:150] or "clip"
    return f"{safe}_{round(cand.time_start * 1000):09d}_{round(cand.time_end * 1000):09d}.mp4"


def finish(candidates: Iterable[Candidate], failed: Sequence[Failure], options: MineOptions,
           out: str | os.PathLike[str]) -> MiningResult:
    """De-duplicate, cut the kept clips and write the results, all into ``out`` at once."""
    every = list(candidates)
    kept = select(every, sample_fps=options.sample_fps, one_per_video=options.one_per_video)
    dropped = [c for c in every if c.dropped]
    with atomic_folder(out) as tmp:
        (tmp / "clips").mkdir()
        for cand in sorted(kept, key=lambda c: (c.video, c.label, c.time_start)):
            first = video_clock(cand.source)[0]
            name = clip_name(cand)
            clip = cut_clip(cand.source, tmp / "clips" / name, first + cand.time_start, first + cand.time_end)
            cand.clip_path, cand.cut = f"clips/{name}", "copy" if clip.copied else "reencode"
        write_tables(tmp, kept, dropped, failed, options)
    return MiningResult(kept, dropped, list(failed), Path(out), options)


def write_tables(folder: Path, kept: Sequence[Candidate], dropped: Sequence[Candidate], failed: Sequence[Failure],
                 options: MineOptions) -> None:
    rows = [c.row() for c in sorted(kept, key=lambda c: (c.video, c.label, c.time_start))]
    with (folder / "candidates.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    body = {"options": {**asdict(options), "labels": list(options.labels)}, "candidates": rows,
            "dropped": [c.row() for c in dropped], "failed": [asdict(f) for f in failed]}
    (folder / "candidates.json").write_text(json.dumps(body, indent=1), encoding="utf-8")


def mine(sources: Sequence[Source], scorer: FrameScorer, options: MineOptions, out: str | os.PathLike[str],
         progress: Progress | None = None) -> MiningResult:
    """Mine ``sources`` into ``out``; raises MiningError when no video at all could be mined."""
    scorer.check_labels(options.labels)
    check_output(out)
    found: list[Candidate] = []
    failed: list[Failure] = []
    for source in sources:
        try:
            found.extend(propose(source, scorer, options, progress))
        except (MediaError, MiningError) as exc:
            failed.append(Failure(source.video, str(source.path), str(exc)))
    if failed and len(failed) == len(sources):
        raise MiningError(failed[0].error if len(failed) == 1 else
                          f"no video could be mined ({len(failed)} failed; first: {failed[0].error})")
    return finish(found, failed, options, out)
