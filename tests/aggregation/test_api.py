"""The public surface: exported names, the registry and aggregate()."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import clipcrowd.aggregation as agg
from clipcrowd.aggregation import AGGREGATORS, AggregationResult, BaseAggregator, aggregate


def test_exported_members_are_pinned() -> None:
    public = {name for name in vars(agg) if not name.startswith("_")}
    modules = {
        "api", "base", "binary_relevance", "dawid_skene", "errors", "glad", "gold_majority_vote", "k_of_n", "kos",
        "mace", "mmsr",
        "majority_vote", "one_coin_dawid_skene", "registry", "wawa", "zero_based_skill", "synthetic",
        "annotations",
    }
    assert public - modules == set(agg.__all__)


def test_registry_names() -> None:
    assert set(AGGREGATORS) == {"mv", "wawa", "gold_mv", "ds", "one_coin_ds", "glad", "mace", "zbs", "k_of_n"}
    assert all(issubclass(cls, BaseAggregator) for cls in AGGREGATORS.values())


def test_every_method_has_a_readable_name() -> None:
    assert set(agg.METHOD_NAMES) == set(AGGREGATORS)
    assert all(name and name != code for code, name in agg.METHOD_NAMES.items())
    assert agg.method_name("ds") == "Dawid-Skene" and agg.method_name("gone") == "gone"


@pytest.mark.parametrize("method", sorted(AGGREGATORS))
def test_aggregate_result_shape(method: str, synthetic: tuple[pd.DataFrame, pd.Series]) -> None:
    answers, truth = synthetic
    gold = truth.iloc[:100] if method == "gold_mv" else None
    result = aggregate(answers, method, gold=gold)
    assert isinstance(result, AggregationResult)
    tasks = pd.Index(sorted(answers["task"].unique()), name="task")
    assert result.labels.index.equals(tasks) and result.confidence.index.equals(tasks)
    assert result.worker_quality.index.equals(pd.Index(sorted(answers["worker"].unique()), name="worker"))
    assert ((result.confidence > 0) & (result.confidence <= 1 + 1e-12)).all()
    decided = result.labels.notna()
    columns = result.probas.columns.get_indexer(result.labels[decided])
    chosen = result.probas.to_numpy()[np.flatnonzero(decided), columns]
    np.testing.assert_allclose(result.confidence[decided], chosen)
    assert result.n_answers == len(answers)
    assert result.n_duplicate_answers == 0


def test_params_are_passed_and_checked(synthetic: tuple[pd.DataFrame, pd.Series]) -> None:
    answers, _ = synthetic
    assert aggregate(answers, "ds", n_iter=2, tol=0.0).model.n_iter_ == 2  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="bad parameters"):
        aggregate(answers, "ds", bogus=1)
    skills = pd.Series(1.0, index=answers["worker"].unique())
    assert aggregate(answers, "mv", skills=skills).labels.equals(aggregate(answers, "mv").labels)


def test_repr_and_params() -> None:
    assert repr(agg.DawidSkene(n_iter=7)).startswith("DawidSkene(n_iter=7")
    assert agg.KOfN().get_params() == {"k": 3, "n": 5, "label": None}
