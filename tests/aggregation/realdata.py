"""The six real data sets kept in tests/data/crowd (see its PROVENANCE.md)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

DATASETS = ("d_product", "d_possent", "rte", "web", "s_rel", "bluebirds")
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
