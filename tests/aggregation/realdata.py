"""The real data sets kept in tests/data/crowd (see its PROVENANCE.md)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

#: the six sets the first defaults were chosen on, then eight more added to test how they carry over,
#: then four more (temp, wsd, cf, sp_amt) to widen the cross-validation of the defaults
DATASETS = ("d_product", "d_possent", "rte", "web", "s_rel", "bluebirds",
            "dog", "face", "adult", "zencrowd_in", "zencrowd_us", "music", "sp", "cf_amt",
            "temp", "wsd", "cf", "sp_amt")
#: the sets the directions tried in bench/ds_goal_tried.py, ds_model_select.py and ds_communities_vb.py
#: were measured on (docs/aggregation.md), before temp, wsd, cf and sp_amt were added
FIRST_FOURTEEN = DATASETS[:14]
CROWD_DIR = Path(__file__).resolve().parents[1] / "data" / "crowd"


def data_file(folder: Path, stem: str) -> Path:
    """``stem.csv`` or its gzip-compressed ``stem.csv.gz`` (large files are kept compressed)."""
    plain = folder / f"{stem}.csv"
    return plain if plain.exists() else folder / f"{stem}.csv.gz"


@cache
def load(name: str) -> tuple[pd.DataFrame, pd.Series]:
    """(answers, gold) of one data set; gold is a Series indexed by task."""
    folder = CROWD_DIR / name
    answers = pd.read_csv(data_file(folder, "answers"))
    gold = pd.read_csv(data_file(folder, "gold")).set_index("task")["true_label"]
    return answers, gold


def accuracy(labels: pd.Series, gold: pd.Series) -> float:
    return float((labels.reindex(gold.index) == gold).mean())


# crowd-kit's stored outputs (bench/crowdkit_expected.py writes them; `pytest -m peer` re-checks them)
EXPECTED_LABELS = CROWD_DIR / "crowdkit_expected.csv.gz"
EXPECTED_META = CROWD_DIR / "crowdkit_expected.json"


@cache
def _expected() -> pd.DataFrame:
    return pd.read_csv(EXPECTED_LABELS, dtype={"dataset": str, "run": str, "task": str})


@cache
def crowdkit_meta() -> dict[str, Any]:
    meta: dict[str, Any] = json.loads(EXPECTED_META.read_text())
    return meta


def crowdkit_labels(name: str, run: str) -> pd.Series:
    """crowd-kit's stored labels of one run on one data set, indexed by task as text."""
    rows = _expected()
    rows = rows[(rows["dataset"] == name) & (rows["run"] == run)]
    if rows.empty:
        raise LookupError(f"no stored crowd-kit run {run!r} for {name!r}; see bench/crowdkit_expected.py")
    return pd.Series(rows["label"].to_numpy(), index=pd.Index(rows["task"].to_numpy(), name="task"), name=run)


def as_text_index(labels: pd.Series) -> pd.Series:
    return labels.set_axis(labels.index.astype(str))


def agreement(ours: pd.Series, theirs: pd.Series) -> float:
    """Share of ``theirs``'s tasks (text index) on which ``ours`` has the same label."""
    return float((as_text_index(ours).reindex(theirs.index) == theirs).mean())


def crowdkit_accuracy(name: str, run: str) -> float:
    return accuracy(crowdkit_labels(name, run), as_text_index(load(name)[1]))
