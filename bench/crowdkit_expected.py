"""Record crowd-kit's outputs on the real data sets of tests/data/crowd as test data.

The quality tests in tests/aggregation compare clipcrowd's labels with these stored outputs
instead of running crowd-kit every time (minutes per run); ``pytest -m peer`` (or
``bench/aggregation.py --parity``) re-runs crowd-kit and checks that the stored outputs still match.

    .venv/bin/python bench/crowdkit_expected.py          # records the (set, run) pairs not yet stored
    .venv/bin/python bench/crowdkit_expected.py --fresh  # re-records everything
    .venv/bin/python bench/crowdkit_expected.py ds mv    # only these runs (others keep their stored rows)

Writes ``crowdkit_expected.csv.gz`` (one row per data set, run and task: ``dataset, run, task,
label``; tasks as text; sorted by data set, task and run) and ``crowdkit_expected.json``
(crowd-kit's version, how each run was made, and per data set the order of the columns of
crowd-kit's majority-vote ``probas_``, which decides its ties). Pairs of (data set, run) already
stored are kept as they are unless named on the command line or ``--fresh`` is given.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CROWD = ROOT / "tests" / "data" / "crowd"
DATASETS = ("d_product", "d_possent", "rte", "web", "s_rel", "bluebirds",
            "dog", "face", "adult", "zencrowd_in", "zencrowd_us", "music", "sp", "cf_amt",
            "temp", "wsd", "cf", "sp_amt")
#: runs of crowd-kit's slow GLAD are limited to these sets (several seconds per iteration at 10k answers)
GLAD_SETS = ("bluebirds", "rte", "web", "d_possent", "dog", "face", "music", "cf_amt", "temp", "wsd", "cf")
GLAD_DEFAULT_SETS = ("bluebirds", "rte", "face", "music", "cf_amt", "temp", "wsd", "cf")
#: finished (data set, run) pairs are kept here, so that an interrupted recording resumes
CACHE = Path(tempfile.gettempdir()) / "clipcrowd-crowdkit-expected"


def read(name: str, stem: str) -> pd.DataFrame:
    plain = CROWD / name / f"{stem}.csv"
    return pd.read_csv(plain if plain.exists() else CROWD / name / f"{stem}.csv.gz")


def canonical(answers: pd.DataFrame) -> pd.DataFrame:
    """Workers and labels as first-appearance codes (see tests/aggregation/test_crowdkit_parity.py)."""
    worker, _ = pd.factorize(answers["worker"])
    label, _ = pd.factorize(answers["label"])
    return pd.DataFrame({"task": answers["task"].to_numpy(), "worker": worker, "label": label})


def mv_renamed(answers: pd.DataFrame, order: list[int]) -> pd.DataFrame:
    """Labels renamed to their rank in crowd-kit's majority-vote column order (so that sorted order
    and crowd-kit's tie order coincide)."""
    rank = {label: code for code, label in enumerate(order)}
    return answers.assign(label=answers["label"].map(rank))


def runs(ck: object) -> dict[str, tuple[str, Callable[[pd.DataFrame, list[int]], pd.Series], tuple[str, ...]]]:
    """run name -> (how it was made, function of (answers, mv order), data sets)."""
    def mace20(a: pd.DataFrame, _: list[int]) -> pd.Series:
        return ck.MACE(n_restarts=1, n_iter=20).fit_predict(canonical(a))  # type: ignore[attr-defined]

    return {
        "mv": ("MajorityVote().fit_predict(answers)", lambda a, _: ck.MajorityVote().fit_predict(a), DATASETS),
        "mv_renamed": ("MajorityVote().fit_predict(answers with labels renamed by mv order)",
                       lambda a, o: ck.MajorityVote().fit_predict(mv_renamed(a, o)), DATASETS),
        "wawa_renamed": ("Wawa().fit_predict(answers with labels renamed by mv order)",
                         lambda a, o: ck.Wawa().fit_predict(mv_renamed(a, o)), DATASETS),
        "ds_fixed20": ("DawidSkene(n_iter=20, tol=-inf)",
                       lambda a, _: ck.DawidSkene(n_iter=20, tol=-np.inf).fit_predict(a), DATASETS),
        "ds": ("DawidSkene(n_iter=100)", lambda a, _: ck.DawidSkene(n_iter=100).fit_predict(a), DATASETS),
        "one_coin_ds": ("OneCoinDawidSkene(n_iter=100)",
                        lambda a, _: ck.OneCoinDawidSkene(n_iter=100).fit_predict(a), DATASETS),
        "glad_fixed10": ("GLAD(n_iter=10, tol=-inf)",
                         lambda a, _: ck.GLAD(n_iter=10, tol=-np.inf).fit_predict(a), GLAD_SETS),
        "glad": ("GLAD() (defaults: n_iter=100, tol=1e-5)", lambda a, _: ck.GLAD().fit_predict(a),
                 GLAD_DEFAULT_SETS),
        "mace_fixed20": ("MACE(n_restarts=1, n_iter=20) on canonical codes (workers, labels factorised)",
                         mace20, DATASETS),
        "mace": ("MACE() (defaults: 10 restarts of 50 iterations)", lambda a, _: ck.MACE().fit_predict(a), DATASETS),
    }


def mv_order(ck: object, answers: pd.DataFrame) -> tuple[list[int], pd.Series]:
    """crowd-kit's majority-vote column order and, per task, whether its vote had a tie."""
    probas = ck.MajorityVote().fit(answers).probas_  # type: ignore[attr-defined]
    shares = probas.to_numpy()
    tied = (shares == shares.max(axis=1, keepdims=True)).sum(axis=1) > 1
    return [int(c) for c in probas.columns], pd.Series(tied, index=probas.index)


def stored() -> tuple[pd.DataFrame | None, dict[str, float]]:
    """The rows and timings already recorded (None when there are none)."""
    labels, meta = CROWD / "crowdkit_expected.csv.gz", CROWD / "crowdkit_expected.json"
    if not labels.exists() or not meta.exists():
        return None, {}
    return (pd.read_csv(labels, dtype={"dataset": str, "run": str, "task": str}),
            json.loads(meta.read_text()).get("seconds", {}))


def record(only: set[str] | None = None, fresh: bool = False) -> None:
    import crowdkit
    import crowdkit.aggregation as ck

    warnings.filterwarnings("ignore")
    kept, kept_seconds = (None, {}) if fresh else stored()
    frames, meta = [], {"generated_by": "bench/crowdkit_expected.py", "crowdkit_version": crowdkit.__version__,
                        "pandas_version": pd.__version__, "runs": {}, "mv_order": {}, "seconds": {}}
    for run, (how, _, sets) in runs(ck).items():
        meta["runs"][run] = {"call": how, "datasets": list(sets)}
    for name in DATASETS:
        answers = read(name, "answers")
        order, tied = mv_order(ck, answers)
        meta["mv_order"][name] = order
        frames.append(frame(name, "mv_tied", tied.astype(int)))
        for run, (_, fn, sets) in runs(ck).items():
            if name not in sets:
                continue
            rows = None if kept is None else kept[(kept["dataset"] == name) & (kept["run"] == run)]
            if rows is not None and len(rows) and f"{name}/{run}" in kept_seconds and not (only and run in only):
                meta["seconds"][f"{name}/{run}"] = kept_seconds[f"{name}/{run}"]
                frames.append(rows)
                continue
            if only and run not in only:
                continue
            cached = CACHE / f"{name}.{run}.pkl"
            if cached.exists():
                seconds, labels = pd.read_pickle(cached)
            else:
                start = time.perf_counter()
                labels = fn(answers, order)
                seconds = round(time.perf_counter() - start, 2)
                CACHE.mkdir(exist_ok=True)
                pd.to_pickle((seconds, labels), cached)
            meta["seconds"][f"{name}/{run}"] = seconds
            print(f"{name:10s} {run:14s} {seconds:8.2f} s", flush=True)
            frames.append(frame(name, run, labels))
    # rows of one task next to each other: gzip then finds each task name's repeats within its window
    rows = pd.concat(frames).sort_values(["dataset", "task", "run"], kind="stable")
    rows.to_csv(CROWD / "crowdkit_expected.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})
    (CROWD / "crowdkit_expected.json").write_text(json.dumps(meta, indent=1) + "\n")


def frame(name: str, run: str, labels: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"dataset": name, "run": run, "task": labels.index.astype(str),
                         "label": labels.to_numpy()})


if __name__ == "__main__":
    args = sys.argv[1:]
    record({a for a in args if a != "--fresh"} or None, fresh="--fresh" in args)
