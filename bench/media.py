"""Media benchmark: clipcrowd sampling and probing side by side with `ffmpeg -f null`.

Run: ``.venv/bin/python bench/media.py [--minutes 10] [--runs 1]``. Needs the ffmpeg binary (to
generate the test file once and as the reference); ``apt-get install -y ffmpeg`` provides it.

Each measurement runs in its own subprocess so peak memory (ru_maxrss) belongs to that run only.
Targets (shared/reference/media.md): sampling at 30 fps within 1.25x of ffmpeg's full decode with
the same scaling; at 1 fps at least 2.5x faster; peak memory under 250 MB whatever the length.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
THREADS = os.cpu_count() or 1


def _run(cmd: list[str]) -> dict[str, float]:
    """Wall seconds and peak RSS (MB) of ``cmd``, measured by a fresh watcher process."""
    watcher = (
        "import json,resource,subprocess,sys,time; t=time.perf_counter(); "
        "r=subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "w=time.perf_counter()-t; "
        "print(json.dumps({'wall': w, 'mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024,"
        " 'rc': r.returncode, 'out': r.stdout[-2000:], 'err': r.stderr[-2000:]}))"
    )
    res = json.loads(subprocess.run([sys.executable, "-c", watcher, *cmd], capture_output=True, text=True).stdout)
    if res["rc"] != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{res['err']}")
    return res


def generate(minutes: int) -> Path:
    """The 1280x720 30 fps H.264 file with B-frames (generated once, kept in bench/out/)."""
    path = OUT / f"bench_{minutes}min_720p30.mp4"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        print(f"generating {path.name} (once) ...", flush=True)
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"testsrc2=size=1280x720:rate=30:duration={minutes * 60}",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-bf",
                "3",
                "-g",
                "60",
                "-pix_fmt",
                "yuv420p",
                "-movflags",
                "+faststart",
                str(path) + ".part.mp4",
            ],
            check=True,
        )
        os.replace(str(path) + ".part.mp4", path)
    return path


def generate_clips(count: int = 100) -> Path:
    folder = OUT / "clips"
    if len(list(folder.glob("*.mp4"))) < count:
        folder.mkdir(parents=True, exist_ok=True)
        print(f"generating {count} short clips (once) ...", flush=True)
        src = folder / "src.mp4"
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=640x360:rate=30:duration=3",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-bf",
                "2",
                "-g",
                "30",
                "-pix_fmt",
                "yuv420p",
                str(src),
            ],
            check=True,
        )
        for i in range(count):
            shutil.copy(src, folder / f"clip_{i:03d}.mp4")
        src.unlink()
    return folder


def child(argv: list[str]) -> None:
    """Work done inside a measured subprocess."""
    from clipcrowd.media import FrameSpec, cover, probe, sample_frames

    kind = argv[0]
    if kind == "sample":
        path, fps = argv[1], float(argv[2])
        n = 0
        for sample in sample_frames(path, fps, spec=FrameSpec(width=320), threads=THREADS):
            n += 1
            assert sample.image.shape[1] == 320
        print(n)
    elif kind == "probe_cover":
        n = 0
        for clip in sorted(Path(argv[1]).glob("*.mp4")):
            probe(clip)
            cover(clip)
            n += 1
        print(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if shutil.which("ffmpeg") is None:
        raise SystemExit("bench/media.py needs the ffmpeg binary: apt-get install -y ffmpeg")
    video = generate(args.minutes)
    frames = args.minutes * 60 * 30
    me = [sys.executable, __file__, "--child"]
    rows = []
    ff = _run(
        ["ffmpeg", "-v", "error", "-threads", str(THREADS), "-i", str(video), "-vf", "scale=320:-2", "-f", "null", "-"]
    )
    rows.append(("ffmpeg -f null, scale=320:-2", ff, frames))
    results = {}
    for fps in (30, 5, 1):
        r = _run([*me, "sample", str(video), str(fps)])
        results[fps] = r
        rows.append((f"clipcrowd sample_frames {fps} fps, 320 px", r, int(r["out"].strip())))
    clips = generate_clips()
    pc = _run([*me, "probe_cover", str(clips)])
    rows.append(("clipcrowd probe + cover, 100 clips", pc, int(pc["out"].strip())))

    print(
        f"\n{args.minutes}-minute 1280x720 30 fps H.264 (B-frames), {THREADS} threads, python {sys.version.split()[0]}"
    )
    print(f"{'run':44} {'wall s':>8} {'peak MB':>8} {'frames out':>10} {'vs ffmpeg':>9}")
    for name, r, n in rows:
        ratio = ff["wall"] / r["wall"]
        print(f"{name:44} {r['wall']:8.2f} {r['mb']:8.0f} {n:10d} {ratio:8.2f}x")
    s30 = results[30]["wall"] / ff["wall"]
    s1 = ff["wall"] / results[1]["wall"]
    peak = max(r["mb"] for r in results.values())
    print(f"\n30 fps time / ffmpeg time = {s30:.2f} (target <= 1.25): {'OK' if s30 <= 1.25 else 'MISSED'}")
    print(f"ffmpeg time / 1 fps time  = {s1:.2f} (target >= 2.5): {'OK' if s1 >= 2.5 else 'MISSED'}")
    print(f"peak memory of sampling    = {peak:.0f} MB (target < 250): {'OK' if peak < 250 else 'MISSED'}")
    print(f"probe + cover per clip     = {pc['wall'] / 100 * 1000:.0f} ms (including interpreter start)")


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
