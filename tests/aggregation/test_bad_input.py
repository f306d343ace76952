"""Bad input: a clear ValueError subclass naming the problem, or a documented behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clipcrowd.aggregation import (
    AGGREGATORS,
    AggregationInputError,
    DawidSkene,
    EmptyAnswersError,
    GoldMajorityVote,
    InvalidWeightsError,
    MajorityVote,
    MissingColumnsError,
    MissingValuesError,
    MixedLabelTypesError,
    UnknownGoldLabelError,
    UnsupportedParameterError,
    aggregate,
)

NO_GOLD = sorted(set(AGGREGATORS) - {"gold_mv"})


def frame(labels: list[object], tasks: list[object] | None = None, workers: list[object] | None = None) -> pd.DataFrame:
    n = len(labels)
    return pd.DataFrame(
        {
            "task": tasks if tasks is not None else [f"t{i // 3}" for i in range(n)],
            "worker": workers if workers is not None else [f"w{i % 3}" for i in range(n)],
            "label": labels,
        }
    )


@pytest.mark.parametrize("method", NO_GOLD)
def test_empty_frame_raises(method: str) -> None:
    empty = pd.DataFrame({"task": [], "worker": [], "label": []})
    with pytest.raises(EmptyAnswersError, match="empty"):
        aggregate(empty, method)


@pytest.mark.parametrize("missing", ["task", "worker", "label"])
def test_missing_column_is_named(missing: str) -> None:
    data = frame([0, 1, 1]).drop(columns=[missing])
    with pytest.raises(MissingColumnsError, match=missing):
        DawidSkene().fit(data)


def test_not_a_frame() -> None:
    with pytest.raises(MissingColumnsError, match="DataFrame"):
        MajorityVote().fit([("t", "w", 1)])  # type: ignore[arg-type]


@pytest.mark.parametrize("column", ["task", "worker", "label"])
def test_missing_values_raise(column: str) -> None:
    data = frame([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    data[column] = data[column].astype(object)
    data.loc[2, column] = np.nan
    with pytest.raises(MissingValuesError, match=column):
        MajorityVote().fit(data)


def test_mixed_label_kinds_raise() -> None:
    with pytest.raises(MixedLabelTypesError, match="label"):
        DawidSkene().fit(frame([1, "1", 1, 0, 0, "0"]))


def test_bad_weights_raise() -> None:
    data = frame([0, 1, 1]).assign(weight=[1.0, -1.0, 1.0])
    with pytest.raises(InvalidWeightsError, match="negative"):
        MajorityVote().fit(data)
    with pytest.raises(InvalidWeightsError, match="numeric"):
        MajorityVote().fit(frame([0, 1, 1]).assign(weight=["a", "b", "c"]))


def test_gold_label_no_worker_used_raises() -> None:
    data = frame([0, 1, 1, 0, 0, 0])
    with pytest.raises(UnknownGoldLabelError, match="not among the labels"):
        DawidSkene().fit(data, pd.Series({"t0": 7}))
    with pytest.raises(UnknownGoldLabelError):
        GoldMajorityVote().fit(data, pd.Series({"t0": 7}))


def test_gold_for_unknown_tasks_is_ignored() -> None:
    data = frame([0, 1, 1, 0, 0, 0])
    plain = DawidSkene().fit(data).labels_
    with_gold = DawidSkene().fit(data, pd.Series({"nope": 1})).labels_
    pd.testing.assert_series_equal(plain, with_gold)


@pytest.mark.parametrize("method", ["mv", "wawa", "zbs", "k_of_n"])
def test_gold_refused_where_unused(method: str) -> None:
    with pytest.raises(UnsupportedParameterError, match="gold"):
        aggregate(frame([0, 1, 1]), method, gold=pd.Series({"t0": 1}))


def test_gold_required_by_gold_mv() -> None:
    with pytest.raises(UnsupportedParameterError, match="gold"):
        aggregate(frame([0, 1, 1]), "gold_mv")


def test_all_errors_are_value_errors() -> None:
    assert issubclass(AggregationInputError, ValueError)
    with pytest.raises(ValueError):
        aggregate(frame([0, 1, 1]), "no-such-method")


@pytest.mark.parametrize("method", NO_GOLD)
def test_one_worker_follows_that_worker(method: str) -> None:
    labels = ["a", "b", "b", "a", "c"]
    data = pd.DataFrame({"task": list(range(5)), "worker": ["solo"] * 5, "label": labels})
    result = aggregate(data, method, **({"k": 1, "n": 1} if method == "k_of_n" else {}))
    assert result.labels.tolist() == labels
    assert list(result.worker_quality.index) == ["solo"]


def test_duplicates_are_kept_and_counted() -> None:
    data = pd.DataFrame(
        {"task": ["t"] * 3 + ["u"] * 2, "worker": ["a", "a", "b", "a", "b"], "label": [1, 1, 0, 0, 0]}
    )
    result = aggregate(data, "mv")
    assert result.n_duplicate_answers == 1
    assert result.labels["t"] == 1  # worker a's two answers are two votes
    assert result.confidence["t"] == pytest.approx(2 / 3)


def test_duplicates_counted_as_answers_beyond_each_pairs_first() -> None:
    rng = np.random.default_rng(7)
    data = pd.DataFrame({"task": rng.integers(0, 50, 2000), "worker": rng.integers(0, 9, 2000),
                         "label": rng.integers(0, 3, 2000)})
    expected = int(data.duplicated(["task", "worker"]).sum())
    assert expected > 1000  # many pairs repeat, some three times or more
    assert aggregate(data, "mv").n_duplicate_answers == expected
