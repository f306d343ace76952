"""Aggregated labels (task, label, confidence) written to a file whose name says the format."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FORMATS = (".csv", ".json", ".parquet")


def write_labels(labels: pd.DataFrame, out: Path) -> None:
    """CSV, JSON records or Parquet by `out`'s suffix (ValueError for any other; OSError passes)."""
    suffix = out.suffix.lower()
    if suffix == ".csv":
        labels.to_csv(out, index=False)
    elif suffix == ".json":
        labels.to_json(out, orient="records", indent=1)
    elif suffix == ".parquet":
        labels.to_parquet(out, index=False)
    else:
        raise ValueError(f"the file name must end in one of {', '.join(FORMATS)}")
