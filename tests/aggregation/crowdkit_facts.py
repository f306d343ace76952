"""crowd-kit's toy data sets and expected outputs, read from tests/data/crowdkit (see PROVENANCE.md)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

FOLDER = Path(__file__).resolve().parents[1] / "data" / "crowdkit"


@cache
def _manifest() -> dict[str, Any]:
    entries: dict[str, Any] = json.loads((FOLDER / "manifest.json").read_text())["entries"]
    return entries


def fact(name: str) -> Any:
    """A fresh copy of one stored value (a Series or a DataFrame, as crowd-kit's fixture returned it)."""
    entry = _manifest()[name]
    frame = pd.read_csv(FOLDER / f"{name}.csv").set_index(entry["index"])
    frame.index.names = [n if named else None for n, named in zip(entry["index"], entry["index_named"], strict=True)]
    if entry["kind"] == "series":
        return frame["__value__"].rename(entry["name"])
    frame.columns = pd.Index(entry["columns"], name=entry["columns_name"])
    return frame
