"""Mining benchmark: clipcrowd's streaming pipeline side by side with the Kinetics notebook's way.

Run: ``PYTHONPATH=src:. .venv/bin/python bench/mining.py [--minutes 10] [--cut 60] [--sample-fps 2]``.

One generated 1280x720 25 fps H.264 video (textured backgrounds, a red square shown for 4 s every
30 s; written once into ``bench/out/``) is mined four ways, each in its own subprocess so that its
peak memory (``VmHWM``) is its own:

- streaming, whole video: :func:`clipcrowd.mining.pipeline.mine` (decode once, sample at
  ``--sample-fps`` with one reformatter straight to the scorer's size, score in batches, cut the
  clip) with the built-in ``motion`` scorer and with an ONNX model (the tests' red-square model);
- the notebook's way on a ``--cut``-second cut of the same video (the whole video does not fit in
  memory that way): decode every frame into one in-memory array, take every k-th frame (k chosen
  so the same number of frames per second is scored), resize, score in batches, cut the clip
  around the best frame. Holding the frames as one preallocated uint8 array is the kindest form of
  it: ``torchvision.io.read_video`` stacks a list of frames (twice the memory) and the notebook then
  converts them to float (four times more).

Reported per run: peak memory, wall time and pipeline speed in source frames per second (frames of
video covered per second of wall time, decoding, scoring and cutting included), and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "mining"
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

CHILD = r"""
import json, shutil, sys, time
from pathlib import Path
mode, scorer_name, video, out, fps, model, classes = sys.argv[1:8]
fps = float(fps)
import numpy as np
from clipcrowd.mining.scorers import make_scorer
scorer = make_scorer("motion") if scorer_name == "motion" else make_scorer(f"onnx:{model}", Path(classes))
label = scorer.classes[0]
shutil.rmtree(out, ignore_errors=True)
start = time.perf_counter()
if mode == "stream":
    from clipcrowd.mining.pipeline import MineOptions, mine, sources_from_path
    result = mine(sources_from_path(video), scorer, MineOptions(labels=(label,), clip_seconds=10, sample_fps=fps), out)
    from clipcrowd.media import probe
    frames = probe(video).video.frame_count
    clip = (result.kept[0].time_start, result.kept[0].time_end)
else:
    import av, cv2
    from clipcrowd.media import cut_clip, probe
    info = probe(video).video
    frames = info.frame_count
    every = np.empty((frames, info.height, info.width, 3), np.uint8)  # the notebook: the whole video in memory
    with av.open(video) as container:
        for i, frame in enumerate(container.decode(video=0)):
            every[i] = frame.to_ndarray(format="rgb24")
    k = max(1, round(float(info.average_rate) / fps))
    kept = every[::k]
    spec = scorer.input
    width = spec.width or round(spec.height * info.width / info.height)
    height = spec.height or round(width * info.height / info.width)
    scores = []
    for b in range(0, len(kept), 64):
        batch = [cv2.resize(f, (width, height), interpolation=cv2.INTER_AREA) for f in kept[b:b + 64]]
        if spec.colour == "gray":
            batch = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in batch]
        scores.append(scorer.score(np.stack(batch))[:, 0])
    best = int(np.argmax(np.concatenate(scores))) * k
    centre = best / float(info.average_rate)
    duration = frames / float(info.average_rate)
    s = min(max(centre - 5, 0.0), duration - 10)
    Path(out).mkdir(parents=True)
    cut_clip(video, Path(out) / "clip.mp4", s, s + 10)
    clip = (s, s + 10)
wall = time.perf_counter() - start
with open("/proc/self/status") as f:
    peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
print(json.dumps({"wall": wall, "frames": frames, "peak_mb": peak, "clip": clip}))
"""


def generate(minutes: float, cut: float) -> tuple[Path, Path, Path, Path]:
    """The long video, its cut, the ONNX model and classes file (made once, kept in bench/out/mining)."""
    from tests.mining import _media as gen

    from clipcrowd.media import cut_clip

    OUT.mkdir(parents=True, exist_ok=True)
    video = OUT / f"long_{minutes:g}min_720p.mp4"
    if not video.exists():
        print(f"generating a {minutes:g}-minute 1280x720 video (once) ...", flush=True)
        segments = []
        for i in range(round(minutes * 2)):  # 30 s blocks: 13 s, the square for 4 s, 13 s
            segments += [gen.Segment(13, 3 * i), gen.Segment(4, 3 * i + 1, True), gen.Segment(13, 3 * i + 2)]
        part = video.with_suffix(".part.mp4")
        gen.write_video(part, segments, gop=50, bframes=2, width=1280, height=720, rate=25)
        part.rename(video)
    short = OUT / f"cut_{cut:g}s.mp4"
    if not short.exists():
        cut_clip(video, short, 0, cut)
    model = gen.write_red_model(OUT / "red.onnx")
    classes = gen.write_classes(OUT / "classes.txt")
    return video, short, model, classes


def measure(mode: str, scorer: str, video: Path, fps: float, model: Path, classes: Path) -> dict[str, float]:
    out = OUT / f"run_{mode}_{scorer}"
    done = subprocess.run([sys.executable, "-c", CHILD, mode, scorer, str(video), str(out), str(fps), str(model),
                           str(classes)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    if done.returncode != 0:
        raise SystemExit(f"{mode}/{scorer} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["fps"] = result["frames"] / result["wall"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--cut", type=float, default=60.0, help="seconds of video the notebook's way decodes")
    parser.add_argument("--sample-fps", type=float, default=2.0)
    args = parser.parse_args()
    video, short, model, classes = generate(args.minutes, args.cut)
    rows = []
    for scorer in ("motion", "onnx"):
        stream = measure("stream", scorer, video, args.sample_fps, model, classes)
        notebook = measure("notebook", scorer, short, args.sample_fps, model, classes)
        rows.append((scorer, stream, notebook))
    print(f"\nmining a {args.minutes:g}-minute 720p25 video at {args.sample_fps:g} samples/s "
          f"(notebook's way: a {args.cut:g} s cut)")
    print(f"{'scorer':8} {'way':26} {'frames':>7} {'wall s':>8} {'frames/s':>9} {'peak MB':>8}")
    for scorer, stream, notebook in rows:
        for way, r in ((f"streaming, {args.minutes:g} min", stream), (f"notebook, {args.cut:g} s", notebook)):
            print(f"{scorer:8} {way:26} {r['frames']:>7} {r['wall']:>8.1f} {r['fps']:>9.0f} {r['peak_mb']:>8.0f}")
        print(f"{scorer:8} {'ratio streaming/notebook':26} {'':>7} {'':>8} {stream['fps'] / notebook['fps']:>8.2f}x "
              f"{stream['peak_mb'] / notebook['peak_mb']:>7.3f}x")
    worst = max(r[1]["peak_mb"] for r in rows)
    print(f"\nstreaming peak memory {worst:.0f} MB (target < 300 MB): {'OK' if worst < 300 else 'OVER'}")


if __name__ == "__main__":
    main()
