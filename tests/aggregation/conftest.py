"""Fixtures for the aggregation tests."""

from __future__ import annotations

import pandas as pd
import pytest

from clipcrowd.aggregation.synthetic import make_answers


@pytest.fixture(scope="session")
def synthetic() -> tuple[pd.DataFrame, pd.Series]:
    """6000 answers, 3 labels, overlap 5, good / mediocre / spamming workers."""
    return make_answers(6000, n_labels=3, overlap=5, seed=7, answers_per_worker=150)
