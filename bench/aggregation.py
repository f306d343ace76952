"""Aggregation speed and memory, clipcrowd vs crowd-kit, side by side in one run.

Every (data set, method, implementation) runs in its own subprocess, which reads the answers from
a parquet file, records its resident set size (RSS) after loading, fits, and reports wall time and
its peak RSS (``VmHWM``; ``ru_maxrss`` would report the parent's size when that is larger).
"Extra memory" is peak RSS minus RSS after loading: what the algorithm itself costs
above the input's own size. Synthetic inputs come from the seeded generator
``clipcrowd.aggregation.synthetic.make_answers`` (good, mediocre and spamming workers, string ids).

    .venv/bin/python bench/aggregation.py                      # 100k and 1M, K=2/5, overlap 3/5
    .venv/bin/python bench/aggregation.py --sizes 5000000 --no-crowdkit --methods ds mv
    .venv/bin/python bench/aggregation.py --real                # the real data sets of tests/data/crowd
    .venv/bin/python bench/aggregation.py --parity              # re-run crowd-kit: stored outputs still hold

GLAD and MACE run a fixed number of iterations on both sides (tolerance off: the same work):
MACE at crowd-kit's defaults (10 restarts of 50 iterations), GLAD at 5 (``--glad-iter``; crowd-kit's
GLAD needs about half a minute per iteration at 100k answers), on inputs up to ``--crowdkit-slow-max`` answers.

On a shared machine other processes slow single runs down at random: ``--repeat N`` runs each
(input, method) N times, alternating ours and crowd-kit's, and keeps each side's fastest run
(with that run's memory). Runs slower than ``--repeat-max-seconds`` are not repeated.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
path, impl, method, params = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
answers = pd.read_parquet(path)
def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20
if impl == "ours":
    import clipcrowd.aggregation as agg
    names = {"mv": "MajorityVote", "wawa": "Wawa", "ds": "DawidSkene", "glad": "GLAD", "mace": "MACE",
             "one_coin_ds": "OneCoinDawidSkene", "zbs": "ZeroBasedSkill", "ds_ml": "DawidSkene"}
    model = getattr(agg, names[method])(**params)
else:
    import crowdkit.aggregation as ck
    names = {"mv": "MajorityVote", "wawa": "Wawa", "ds": "DawidSkene", "glad": "GLAD", "mace": "MACE",
             "one_coin_ds": "OneCoinDawidSkene", "zbs": "ZeroBasedSkill", "ds_ml": "DawidSkene"}
    model = getattr(ck, names[method])(**params)
def peak_mb():
    # VmHWM: the high-water mark of this process's own memory map. Not ru_maxrss, which Linux
    # carries over exec from the forked copy of the parent: with a parent holding large inputs it
    # reports the parent's size, hiding any child that needs less.
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
base = rss_mb()  # after imports: the extra memory is the algorithm's own
start = time.perf_counter()
labels = model.fit_predict(answers)
seconds = time.perf_counter() - start
peak = peak_mb()
print(json.dumps({"seconds": seconds, "base_mb": base, "peak_mb": peak, "n_tasks": len(labels)}))
"""



def params_for(method: str, impl: str, args: argparse.Namespace) -> dict[str, object]:
    """Same work on both sides: GLAD/MACE at a fixed iteration count, tolerance off. ``ds_ml`` is our
    DS without its default prior (``prior_strength=0``, crowd-kit's model) against crowd-kit's DS."""
    if method == "ds_ml":
        return {"prior_strength": 0.0} if impl == "ours" else {}
    if method == "glad":
        return {"n_iter": args.glad_iter, "tol": 0.0 if impl == "ours" else float("-inf")}
    if method == "mace":
        return {"n_iter": args.mace_iter, "n_restarts": args.mace_restarts} | ({"tol": 0.0} if impl == "ours" else {})
    return {}


def run(path: Path, impl: str, method: str, params: dict[str, object], timeout: float) -> dict[str, float] | None:
    cmd = [sys.executable, "-c", CHILD, str(path), impl, method, json.dumps(params)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as exc:
        print(f"  {impl} {method} failed: {exc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--labels", type=int, nargs="*", default=[2, 5])
    parser.add_argument("--overlaps", type=int, nargs="*", default=[3, 5])
    parser.add_argument("--methods", nargs="*", default=["mv", "wawa", "ds", "glad", "mace"])
    parser.add_argument("--real", action="store_true", help="also the real data sets of tests/data/crowd")
    parser.add_argument("--parity", action="store_true",
                        help="only run the peer tier (pytest -m peer tests/aggregation): crowd-kit re-run on the "
                             "real sets must give the stored outputs the fast tests compare against")
    parser.add_argument("--no-crowdkit", action="store_true", help="ours only")
    parser.add_argument("--crowdkit-max", type=int, default=1_000_000, help="skip crowd-kit above this size")
    parser.add_argument("--crowdkit-slow-max", type=int, default=100_000,
                        help="skip crowd-kit GLAD/MACE above this size")
    parser.add_argument("--glad-iter", type=int, default=5,
                        help="fixed GLAD iterations on both sides (crowd-kit's default of 100 takes hours at 100k)")
    parser.add_argument("--mace-iter", type=int, default=50, help="fixed MACE iterations (crowd-kit's default)")
    parser.add_argument("--mace-restarts", type=int, default=10, help="MACE restarts (crowd-kit's default)")
    parser.add_argument("--shuffled", action="store_true",
                        help="also each synthetic input with its rows shuffled (the generator lists answers "
                             "task by task, as exports do; shuffled rows cannot take the runs shortcut)")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--repeat", type=int, default=3, help="runs per side; the fastest is kept")
    parser.add_argument("--repeat-max-seconds", type=float, default=30.0, help="do not repeat runs slower than this")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    if args.parity:
        root = Path(__file__).resolve().parents[1]
        env = {**os.environ, "PYTHONPATH": str(root / "src")}
        sys.exit(subprocess.call([sys.executable, "-m", "pytest", "-m", "peer", "-q", "tests/aggregation"],
                                 cwd=root, env=env))

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import pandas as pd

    from clipcrowd.aggregation.synthetic import make_answers

    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        inputs: list[tuple[str, Path, int]] = []
        for size in args.sizes:
            for k in args.labels:
                for overlap in args.overlaps:
                    answers, _ = make_answers(size, n_labels=k, overlap=overlap, seed=size + 10 * k + overlap)
                    path = Path(tmp) / f"syn_{size}_{k}_{overlap}.parquet"
                    answers.to_parquet(path)
                    inputs.append((f"synthetic n={size:,} K={k} overlap={overlap}", path, size))
                    if args.shuffled:
                        path = Path(tmp) / f"syn_{size}_{k}_{overlap}_shuffled.parquet"
                        answers.sample(frac=1.0, random_state=size).reset_index(drop=True).to_parquet(path)
                        inputs.append((f"shuffled n={size:,} K={k} overlap={overlap}", path, size))
        if args.real:
            crowd = Path(__file__).resolve().parents[1] / "tests" / "data" / "crowd"
            for folder in sorted(p for p in crowd.iterdir() if p.is_dir()):
                found = sorted(folder.glob("answers.csv*"))
                if found:
                    answers = pd.read_csv(found[0])
                    path = Path(tmp) / f"real_{folder.name}.parquet"
                    answers.to_parquet(path)
                    inputs.append((f"real {folder.name} n={len(answers):,}", path, len(answers)))
        print(f"{'input':42s} {'method':6s} {'ours s':>8s} {'ck s':>9s} {'x faster':>9s} "
              f"{'ours +MB':>9s} {'ck +MB':>8s} {'mem ratio':>9s}")
        for name, path, size in inputs:
            for method in args.methods:
                slow = method in ("glad", "mace")
                skip = args.no_crowdkit or size > args.crowdkit_max or (slow and size > args.crowdkit_slow_max)
                ours: dict[str, float] | None = None
                theirs: dict[str, float] | None = None
                for attempt in range(max(args.repeat, 1)):
                    if attempt == 0 or (ours and ours["seconds"] < args.repeat_max_seconds):
                        mine = params_for(method, "ours", args)
                        ours = fastest(ours, run(path, "ours", method, mine, args.timeout))
                    if not skip and (attempt == 0 or (theirs and theirs["seconds"] < args.repeat_max_seconds)):
                        peer = params_for(method, "ck", args)
                        theirs = fastest(theirs, run(path, "crowdkit", method, peer, args.timeout))
                row = {"input": name, "method": method, "ours": ours, "crowdkit": theirs}
                rows.append(row)
                print(format_row(name, method, ours, theirs), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


def fastest(best: dict[str, float] | None, new: dict[str, float] | None) -> dict[str, float] | None:
    if best is None or (new is not None and new["seconds"] < best["seconds"]):
        return new
    return best


def format_row(name: str, method: str, ours: dict[str, float] | None, theirs: dict[str, float] | None) -> str:
    def extra(r: dict[str, float]) -> float:
        return max(r["peak_mb"] - r["base_mb"], 1.0)

    o_s = f"{ours['seconds']:8.2f}" if ours else f"{'timeout':>8s}"
    c_s = f"{theirs['seconds']:9.2f}" if theirs else f"{'-':>9s}"
    speed = f"{theirs['seconds'] / ours['seconds']:8.1f}x" if ours and theirs else f"{'-':>9s}"
    o_m = f"{extra(ours):9.0f}" if ours else f"{'-':>9s}"
    c_m = f"{extra(theirs):8.0f}" if theirs else f"{'-':>8s}"
    ratio = f"{extra(ours) / extra(theirs):9.3f}" if ours and theirs else f"{'-':>9s}"
    return f"{name:42s} {method:6s} {o_s} {c_s} {speed} {o_m} {c_m} {ratio}"


if __name__ == "__main__":
    main()
