"""The six shared real data sets (tests skip when they are absent; CI has them)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

DATASETS = ("d_product", "d_possent", "rte", "web", "s_rel", "bluebirds")


def shared_dir() -> Path:
    default = Path(__file__).parents[2].parent / "shared"
    return Path(os.environ.get("CLIPCROWD_SHARED_DIR", default))


@cache
def load(name: str) -> tuple[pd.DataFrame, pd.Series]:
    folder = shared_dir() / "data" / "crowd" / name
    if not (folder / "answers.csv").exists():
        pytest.skip(f"real data set {name} not found under {folder} (set CLIPCROWD_SHARED_DIR)")
    answers = pd.read_csv(folder / "answers.csv")
    gold = pd.read_csv(folder / "gold.csv").set_index("task")["true_label"]
    return answers, gold


def accuracy(labels: pd.Series, gold: pd.Series) -> float:
    return float((labels.reindex(gold.index) == gold).mean())
