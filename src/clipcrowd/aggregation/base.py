"""The small base class every aggregator derives from.

An aggregator is configured in ``__init__`` (parameters only, as in scikit-learn and crowd-kit),
fitted on an answers frame with ``fit`` and then exposes fitted attributes ending in ``_``:

- ``labels_``: ``pd.Series`` indexed by task (name ``agg_label``), the chosen label;
- ``probas_``: ``pd.DataFrame`` tasks x labels, each row sums to 1;
- ``worker_quality_``: ``pd.Series`` indexed by worker, one float per worker: the estimated
  probability that the worker answers correctly (MACE: the probability that the worker is not
  spamming); it is what :func:`clipcrowd.aggregation.aggregate` reports.

Subclasses implement :meth:`BaseAggregator._fit` on encoded :class:`~._data.Answers` and call
:meth:`BaseAggregator._set_posteriors` with a (tasks, labels) array.
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._data import Answers, IntArray, encode_answers, encode_gold

__all__ = ["BaseAggregator"]

FloatArray = npt.NDArray[np.float64]


class BaseAggregator(abc.ABC):
    """Fit on a DataFrame with `task`, `worker`, `label` (and optional `weight`) columns."""

    #: how the estimator uses gold labels: "none", "optional" or "required".
    gold: ClassVar[str] = "none"

    labels_: pd.Series
    probas_: pd.DataFrame
    worker_quality_: pd.Series

    # -- public API -----------------------------------------------------------------------------------
    def fit(self, data: pd.DataFrame, true_labels: pd.Series | None = None) -> Self:
        """Fit on answers; ``true_labels`` (gold, a Series indexed by task) where the method uses it."""
        answers = encode_answers(data)
        gold_tasks, gold_labels = self._check_gold(answers, true_labels)
        self._answers = answers
        self._fit(answers, gold_tasks, gold_labels)
        return self

    def fit_predict(self, data: pd.DataFrame, true_labels: pd.Series | None = None) -> pd.Series:
        """Fit and return ``labels_``."""
        return self.fit(data, true_labels).labels_

    def fit_predict_proba(self, data: pd.DataFrame, true_labels: pd.Series | None = None) -> pd.DataFrame:
        """Fit and return ``probas_``."""
        return self.fit(data, true_labels).probas_

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters (public attributes not ending in ``_``)."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_") and not k.endswith("_")}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    # -- for subclasses -------------------------------------------------------------------------------
    @abc.abstractmethod
    def _fit(self, answers: Answers, gold_tasks: IntArray, gold_labels: IntArray) -> None:
        """Fit on encoded answers; gold arrays are empty when no gold was given."""

    def _check_gold(self, answers: Answers, true_labels: pd.Series | None) -> tuple[IntArray, IntArray]:
        from .errors import UnsupportedParameterError

        if true_labels is not None and self.gold == "none":
            raise UnsupportedParameterError(f"{type(self).__name__} does not use gold labels")
        if true_labels is None and self.gold == "required":
            raise UnsupportedParameterError(f"{type(self).__name__} needs gold labels (true_labels)")
        return encode_gold(answers, true_labels)

    def _set_posteriors(self, answers: Answers, posteriors: FloatArray) -> None:
        """Store ``probas_`` and ``labels_`` from a (tasks, labels) array whose rows sum to 1.

        Ties go to the label that sorts first (``argmax`` returns the first maximum).
        """
        self.probas_ = _frame(posteriors, answers)
        self.labels_ = pd.Series(
            answers.labels.take(posteriors.argmax(axis=1)), index=answers.tasks, name="agg_label"
        )

    def _worker_series(self, answers: Answers, values: FloatArray, name: str) -> pd.Series:
        return pd.Series(values, index=answers.workers, name=name)


def _frame(values: FloatArray, answers: Answers) -> pd.DataFrame:
    return pd.DataFrame(values, index=answers.tasks, columns=answers.labels)


def clamp_gold(posteriors: FloatArray, gold_tasks: IntArray, gold_labels: IntArray) -> None:
    """Set gold tasks' posteriors to one-hot rows, in place."""
    if gold_tasks.size:
        posteriors[gold_tasks] = 0.0
        posteriors[gold_tasks, gold_labels] = 1.0


def agreement(answers: Answers, chosen: IntArray, weight: FloatArray | None = None) -> FloatArray:
    """Per worker: weighted share of answers equal to ``chosen`` (a label code per task).

    Tasks with ``chosen < 0`` are left out. Workers with no counted answer get NaN.
    """
    w = answers.weights() if weight is None else weight
    target = chosen[answers.task]
    counted = target >= 0
    hit = np.bincount(
        answers.worker, weights=w * (answers.label == target), minlength=answers.n_workers
    )
    total = np.bincount(answers.worker, weights=w * counted, minlength=answers.n_workers)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(hit / total, dtype=np.float64)


def normalize_rows(scores: FloatArray) -> FloatArray:
    """Rows scaled to sum to 1 (rows of zeros stay zeros)."""
    sums = scores.sum(axis=1, keepdims=True)
    return np.divide(scores, sums, out=np.zeros_like(scores), where=sums > 0)


def log_normalize(log_scores: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Rows of log scores to (posteriors, log-normalizers): a stable softmax per row."""
    top = log_scores.max(axis=1, keepdims=True)
    shifted = np.exp(log_scores - top)
    sums = shifted.sum(axis=1, keepdims=True)
    shifted /= sums
    return shifted, (np.log(sums) + top).ravel()
