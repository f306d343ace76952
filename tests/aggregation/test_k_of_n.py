"""k-of-n confirmation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clipcrowd.aggregation import KOfN, aggregate


def clips() -> pd.DataFrame:
    rows = [("c1", "yes")] * 3 + [("c1", "no")] * 2  # 3 of 5 -> accepted
    rows += [("c2", "yes")] * 2 + [("c2", "no")] * 3  # 2 of 5 -> rejected
    rows += [("c3", "yes")] * 2  # 2 of 2, 3 missing -> pending
    rows += [("c4", "no")] * 2 + [("c4", "yes")] * 4  # only the first 5 count: yes = 3
    rows += [("c5", "no")] * 4 + [("c5", "yes")] * 3  # first 5: yes = 1 -> rejected
    data = pd.DataFrame(rows, columns=["task", "label"])
    data["worker"] = [f"w{i}" for i in range(len(data))]
    return data


def test_kinetics_three_of_five() -> None:
    rule = KOfN(k=3, n=5, label="yes").fit(clips())
    assert rule.status_.to_dict() == {
        "c1": "accepted", "c2": "rejected", "c3": "pending", "c4": "accepted", "c5": "rejected",
    }
    assert rule.accepted_.sum() == 2
    assert rule.labels_["c1"] == "yes"
    assert pd.isna(rule.labels_["c3"])
    assert rule.counts_.loc["c4", "yes"] == 3
    assert rule.n_answers_.to_dict() == {"c1": 5, "c2": 5, "c3": 2, "c4": 5, "c5": 5}


def test_without_label_the_top_label_confirms() -> None:
    rule = KOfN(k=3, n=5).fit(clips())
    assert rule.labels_["c2"] == "no"
    assert rule.labels_["c5"] == "no"
    assert rule.status_["c3"] == "pending"


def test_confirming_label_nobody_used() -> None:
    rule = KOfN(k=1, n=5, label="maybe").fit(clips())
    assert not rule.accepted_.any()


@pytest.mark.parametrize(("k", "n"), [(0, 5), (6, 5)])
def test_bad_k_n(k: int, n: int) -> None:
    with pytest.raises(ValueError, match="k <= n"):
        KOfN(k=k, n=n)


def test_through_aggregate_matches_counts() -> None:
    result = aggregate(clips(), "k_of_n", k=3, n=5, label="yes")
    model = result.model
    assert isinstance(model, KOfN)
    shares = model.counts_.to_numpy() / model.counts_.to_numpy().sum(axis=1, keepdims=True)
    np.testing.assert_allclose(result.probas.to_numpy(), shares)
    assert result.confidence["c1"] == pytest.approx(0.6)
