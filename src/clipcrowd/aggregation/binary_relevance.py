"""Binary relevance: multi-label answers aggregated as one yes/no question per label."""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd

from .base import BaseAggregator
from .errors import MixedLabelTypesError, UnsupportedParameterError

__all__ = ["BinaryRelevance"]


class BinaryRelevance:
    r"""**Binary relevance**: each answer's ``label`` is a list (or set or tuple) of labels; every
    label seen becomes its own binary question (did the worker include it?), aggregated by a fresh
    copy of ``base_aggregator`` (any clipcrowd aggregator; :class:`MajorityVote` by default).
    ``labels_`` holds, per task, the labels whose question came out true, in sorted order (an
    empty list when none did); ``aggregators_`` maps each label to its fitted aggregator.

    G. Tsoumakas and I. Katakis, "Multi-Label Classification: An Overview", International Journal of
    Data Warehousing and Mining 3(3), 2007, 1-13, https://doi.org/10.4018/jdwm.2007070101 .

    Example:
        >>> import pandas as pd
        >>> from clipcrowd.aggregation import BinaryRelevance
        >>> df = pd.DataFrame({"task": ["t1", "t1", "t1", "t2"], "worker": ["a", "b", "c", "a"],
        ...                    "label": [["cat", "dog"], ["cat"], ["dog", "cat"], ["dog"]]})
        >>> BinaryRelevance().fit_predict(df).to_dict()
        {'t1': ['cat', 'dog'], 't2': ['dog']}
    """

    def __init__(self, base_aggregator: BaseAggregator | None = None) -> None:
        if base_aggregator is None:
            from .majority_vote import MajorityVote

            base_aggregator = MajorityVote()
        if not isinstance(base_aggregator, BaseAggregator):
            raise UnsupportedParameterError(
                f"base_aggregator must be a clipcrowd aggregator, got {type(base_aggregator).__name__}")
        self.base_aggregator = base_aggregator

    labels_: pd.Series
    aggregators_: dict[Any, BaseAggregator]

    def fit(self, data: pd.DataFrame) -> Self:
        """Fit one aggregator per label."""
        data = data[["task", "worker", "label"]]
        self.aggregators_ = {}
        if len(data) == 0:
            self.labels_ = pd.Series(dtype=float, name="agg_label")
            return self
        sets = [_label_set(value) for value in data["label"]]
        try:
            classes = sorted(set().union(*sets))
        except TypeError as exc:
            raise MixedLabelTypesError(f"labels of different kinds cannot be ordered: {exc}") from exc
        chosen: dict[Any, list[Any]] = {}
        base = data[["task", "worker"]]
        for label in classes:
            single = base.assign(label=np.fromiter((label in s for s in sets), dtype=np.int64, count=len(sets)))
            aggregator = type(self.base_aggregator)(**self.base_aggregator.get_params())
            decided = aggregator.fit_predict(single)
            self.aggregators_[label] = aggregator
            for task, value in decided.items():
                chosen.setdefault(task, [])
                if value:
                    chosen[task].append(label)
        self.labels_ = pd.Series(chosen, name="agg_label", dtype=object)
        self.labels_.index.name = "task"
        return self

    def fit_predict(self, data: pd.DataFrame) -> pd.Series:
        """Fit and return ``labels_``."""
        return self.fit(data).labels_


def _label_set(value: Any) -> frozenset[Any]:
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        raise MixedLabelTypesError(f"BinaryRelevance needs a list of labels per answer, got {value!r}")
    return frozenset(value)
