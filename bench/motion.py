"""Motion segmentation speed and memory: clipcrowd vs PySceneDetect's ContentDetector vs ``ffmpeg -f null``.

One generated file (default: 10 minutes, 1280x720, 30 fps, H.264 with B-frames, sensor noise, an
object crossing the picture for 6 s every 30 s) is processed side by side in one run, each way in
its own process:

- ``clipcrowd``: :func:`clipcrowd.mining.detect_motion` (events, metadata and covers) as configured by
  default (B-frames of a 30 fps stream are not decoded: about 10 analysed frames a second);
- ``clipcrowd-every-frame``: the same with ``skip="none"`` (every frame decoded and analysed);
- ``pyscenedetect``: ``SceneManager`` + ``ContentDetector`` with its default auto-downscale;
- ``ffmpeg``: ``ffmpeg -v error -i FILE -f null -`` (decode only: the floor any analysis stands on).

Each reports frames per second (frames of the video / wall seconds) and peak resident memory
(``VmHWM`` of the child; ``ru_maxrss`` for ffmpeg). Ratios are printed against PySceneDetect.
On a shared machine single runs vary: ``--repeat N`` alternates the ways N times and keeps each
way's fastest run. The ``ffmpeg`` binary is needed for its row (Debian: ``apt-get install ffmpeg``).

    .venv/bin/python bench/motion.py                 # 10 minutes
    .venv/bin/python bench/motion.py --minutes 2 --repeat 2
"""

from __future__ import annotations

import argparse
import fractions
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

CHILD = r"""
import json, sys, time
path, way = sys.argv[1], sys.argv[2]
start = time.perf_counter()
if way.startswith("clipcrowd"):
    from clipcrowd.media import probe
    from clipcrowd.mining import MotionParams, detect_motion
    params = MotionParams(skip="none" if way.endswith("every-frame") else "auto")
    events = [(float(e.start_offset), float(e.end_offset)) for e in detect_motion(path, params)]
    frames = probe(path).video.frame_count
else:
    from scenedetect import ContentDetector, SceneManager, open_video
    video = open_video(path)
    manager = SceneManager()
    manager.add_detector(ContentDetector())
    manager.detect_scenes(video)
    events = [(a.get_seconds(), b.get_seconds()) for a, b in manager.get_scene_list()]
    frames = video.frame_number
seconds = time.perf_counter() - start
peak = 0
with open("/proc/self/status") as status:
    for line in status:
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
print(json.dumps({"frames": frames, "seconds": seconds, "peak_mb": peak, "events": events}))
"""

SIZE = (1280, 720)
PERIOD, CROSSING = 30.0, 6.0


def truth(minutes: float) -> list[tuple[float, float]]:
    starts = np.arange(5.0, minutes * 60 - CROSSING, PERIOD)
    return [(float(s), float(s + CROSSING)) for s in starts]


def generate(path: Path, minutes: float, fps: int = 30) -> None:
    """The test file: a static textured scene with noise; a box crosses during each ``truth`` interval."""
    rng = np.random.default_rng(0)
    w, h = SIZE
    coarse = rng.integers(40, 200, size=(h // 16 + 1, w // 16 + 1, 3), dtype=np.uint8)
    base = np.kron(coarse, np.ones((16, 16, 1), np.uint8))[:h, :w].astype(np.int16)
    noisy = [np.clip(base + rng.integers(-3, 4, size=base.shape, dtype=np.int16), 0, 255).astype(np.uint8)
             for _ in range(8)]
    spans = truth(minutes)
    side = 140
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "bf": "2", "g": "60",
                                                             "crf": "23"})
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.codec_context.max_b_frames = 2
        tb = fractions.Fraction(1, fps)
        for i in range(int(minutes * 60 * fps)):
            t = i / fps
            img = noisy[i % len(noisy)]
            for a, b in spans:
                if a <= t < b:
                    img = img.copy()
                    x = int((t - a) / (b - a) * (w - side))
                    img[(h - side) // 2:(h + side) // 2, x:x + side] = (220, 50, 40)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = i, tb
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def run_child(path: Path, way: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), way], capture_output=True, text=True, env=env,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{way} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_ffmpeg(path: Path, frames: int) -> dict | None:
    exe = shutil.which("ffmpeg")
    if exe is None:
        return None
    start = time.perf_counter()
    proc = subprocess.Popen([exe, "-v", "error", "-i", str(path), "-f", "null", "-"])
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise RuntimeError("ffmpeg failed")
    return {"frames": frames, "seconds": seconds, "peak_mb": usage.ru_maxrss / 1024, "events": []}


def recall(found: list[list[float]], spans: list[tuple[float, float]]) -> str:
    hit = sum(any(min(b, f[1]) - max(a, f[0]) >= 0.5 * (b - a) for f in found) for a, b in spans)
    return f"{hit}/{len(spans)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="Keep (and reuse) the generated file here.")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="clipcrowd-bench-motion-"))
    path = args.keep or folder / "motion.mp4"
    try:
        if not path.exists():
            t0 = time.perf_counter()
            generate(path, args.minutes)
            print(f"generated {path.name}: {args.minutes:g} min {SIZE[0]}x{SIZE[1]} 30 fps H.264 "
                  f"({path.stat().st_size / 2**20:.0f} MB) in {time.perf_counter() - t0:.0f} s", flush=True)
        best: dict[str, dict] = {}
        for _ in range(args.repeat):
            for way in ("clipcrowd", "clipcrowd-every-frame", "pyscenedetect", "ffmpeg"):
                if way == "ffmpeg":
                    result = run_ffmpeg(path, best["clipcrowd"]["frames"])
                    if result is None:
                        continue
                else:
                    result = run_child(path, way)
                if way not in best or result["seconds"] < best[way]["seconds"]:
                    best[way] = result
        spans = truth(args.minutes)
        peer = best["pyscenedetect"]
        print(f"{'way':<23}{'frames/s':>10}{'x PySceneDetect':>17}{'peak MB':>10}{'wall s':>9}  events found")
        for way, r in best.items():
            fps = r["frames"] / r["seconds"]
            ratio = fps / (peer["frames"] / peer["seconds"])
            found = recall(r["events"], spans) if way.startswith("clipcrowd") else (
                f"{len(r['events'])} scenes" if way == "pyscenedetect" else "-")
            print(f"{way:<23}{fps:>10.0f}{ratio:>17.2f}{r['peak_mb']:>10.0f}{r['seconds']:>9.1f}  {found}")
        if "ffmpeg" not in best:
            print("ffmpeg: not installed; its row is missing (apt-get install ffmpeg)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
