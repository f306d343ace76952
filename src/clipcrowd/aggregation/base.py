"""The small base class every aggregator derives from.

An aggregator is configured in ``__init__`` (parameters only, as in scikit-learn and crowd-kit),
fitted on an answers frame with ``fit`` and then exposes fitted attributes ending in ``_``:

- ``labels_``: ``pd.Series`` indexed by task (name ``agg_label``), the chosen label;
- ``probas_``: ``pd.DataFrame`` tasks x labels, each row sums to 1;
- :meth:`BaseAggregator.worker_quality` (a method, so that every fitted ``*_`` Series keeps
  crowd-kit's naming rule: the attribute's name in the singular): ``pd.Series`` indexed by worker,
  the estimated probability that the worker answers correctly (MACE: the probability that the
  worker is not spamming); it is what :func:`clipcrowd.aggregation.aggregate` reports.

Outputs are sorted by task (and worker) where the values can be ordered, as crowd-kit's are;
``probas_`` has index name ``task`` and column name ``label``. An empty answers frame (with the
three columns) gives empty outputs, as in crowd-kit; :func:`~clipcrowd.aggregation.aggregate`
refuses it.

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

__all__ = ["BaseAggregator", "BaseClassificationAggregator"]

FloatArray = npt.NDArray[np.float64]


class BaseAggregator(abc.ABC):
    """Fit on a DataFrame with `task`, `worker`, `label` (and optional `weight`) columns."""

    #: how the estimator uses gold labels: "none", "optional" or "required".
    gold: ClassVar[str] = "none"

    labels_: pd.Series
    probas_: pd.DataFrame
    _quality: pd.Series

    # -- public API -----------------------------------------------------------------------------------
    def fit(self, data: pd.DataFrame | Answers, true_labels: pd.Series | None = None) -> Self:
        """Fit on answers (a frame, or `Answers` already coded); ``true_labels`` (gold, a Series
        indexed by task) where the method uses it."""
        if is_empty_answers(data):
            self._check_gold_kind(true_labels)
            self._fit_empty()
            return self
        answers = encode_answers(data)
        gold_tasks, gold_labels = self._check_gold(answers, true_labels)
        self._answers = answers
        self._fit(answers, gold_tasks, gold_labels)
        return self

    def worker_quality(self) -> pd.Series:
        """Per worker, the estimated probability of a correct answer (see the module docstring)."""
        if not hasattr(self, "_quality"):
            raise AttributeError(f"{type(self).__name__} is not fitted yet: call fit first")
        return self._quality

    def fit_predict(self, data: pd.DataFrame | Answers, true_labels: pd.Series | None = None) -> pd.Series:
        """Fit and return ``labels_``."""
        return self.fit(data, true_labels).labels_

    def fit_predict_proba(self, data: pd.DataFrame | Answers, true_labels: pd.Series | None = None) -> pd.DataFrame:
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

    def _fit_empty(self) -> None:
        """Empty outputs (crowd-kit's for an empty frame): every fitted attribute the class has."""
        self.labels_ = pd.Series(dtype=float, name="agg_label")
        self.probas_ = pd.DataFrame()
        self._quality = pd.Series(dtype=float, name="quality")
        for cls in type(self).__mro__:
            for name, kind in getattr(cls, "__annotations__", {}).items():
                if name.endswith("_") and not name.startswith("_") and not hasattr(self, name):
                    if "DataFrame" in str(kind):
                        setattr(self, name, pd.DataFrame())
                    elif "Series" in str(kind):
                        setattr(self, name, pd.Series(dtype=float, name=name[:-2]))

    def _check_gold_kind(self, true_labels: pd.Series | None) -> None:
        from .errors import UnsupportedParameterError

        if true_labels is not None and self.gold == "none":
            raise UnsupportedParameterError(f"{type(self).__name__} does not use gold labels")

    def _check_gold(self, answers: Answers, true_labels: pd.Series | None) -> tuple[IntArray, IntArray]:
        from .errors import UnsupportedParameterError

        if true_labels is not None and self.gold == "none":
            raise UnsupportedParameterError(f"{type(self).__name__} does not use gold labels")
        if true_labels is None and self.gold == "required":
            raise UnsupportedParameterError(f"{type(self).__name__} needs gold labels (true_labels)")
        return encode_gold(answers, true_labels)

    def _set_posteriors(self, answers: Answers, posteriors: FloatArray, chosen: IntArray | None = None) -> None:
        """Store ``probas_`` and ``labels_`` from a (tasks, labels) array whose rows sum to 1.

        Ties go to the label that sorts first (``argmax`` returns the first maximum); ``chosen``
        passes label codes the caller already has.
        """
        if chosen is None:
            chosen = argmax_label_major(posteriors.T)
        order = answers.task_order()
        if order is not None:
            posteriors, chosen = posteriors[order], chosen[order]
        self.probas_ = _frame(posteriors, answers.sorted_tasks(), answers.labels)
        self.labels_ = pd.Series(answers.labels.take(chosen), index=answers.sorted_tasks(), name="agg_label")

    def _worker_series(self, answers: Answers, values: FloatArray, name: str) -> pd.Series:
        """A per-worker Series in sorted worker order."""
        order = answers.worker_order()
        return pd.Series(values if order is None else values[order], index=answers.sorted_workers(), name=name)


#: crowd-kit's name for the base class (``crowdkit.aggregation.base.BaseClassificationAggregator``)
BaseClassificationAggregator = BaseAggregator


def is_empty_answers(data: object) -> bool:
    """A DataFrame with no rows but the required columns (missing columns still raise)."""
    from ._data import REQUIRED_COLUMNS

    return isinstance(data, pd.DataFrame) and len(data) == 0 and all(c in data.columns for c in REQUIRED_COLUMNS)


def _frame(values: FloatArray, tasks: pd.Index, labels: pd.Index) -> pd.DataFrame:
    # pandas keeps a 2-D block as (columns, rows): a transposed label-major array is taken as is
    return pd.DataFrame(values, index=tasks, columns=labels, copy=False)


def clamp_gold(posteriors: FloatArray, gold_tasks: IntArray, gold_labels: IntArray) -> None:
    """Set gold tasks' posteriors to one-hot rows, in place."""
    if gold_tasks.size:
        posteriors[gold_tasks] = 0.0
        posteriors[gold_tasks, gold_labels] = 1.0


def agreement(answers: Answers, chosen: IntArray, weight: FloatArray | None = None) -> FloatArray:
    """Per worker: weighted share of answers equal to ``chosen`` (a label code per task).

    Tasks with ``chosen < 0`` are left out. Workers with no counted answer get NaN.
    """
    w = answers.weight if weight is None else weight
    target: IntArray = chosen.astype(np.int32).take(answers.task)  # label codes: few
    hit_mask = answers.label == target
    counted = target >= 0
    del target  # the per-answer temporaries are what sets the peak memory here: keep them few
    hit: npt.NDArray[Any]
    total: npt.NDArray[Any]
    if w is None and counted.all():  # unweighted: one count of (worker, hit) pairs, no float products
        pairs = answers.worker.astype(np.intp)
        pairs *= 2
        pairs += hit_mask
        per_pair = np.bincount(pairs, minlength=2 * answers.n_workers).reshape(-1, 2)
        hit, total = per_pair[:, 1], per_pair.sum(axis=1)
    elif w is None:
        hit = np.bincount(answers.worker[hit_mask], minlength=answers.n_workers)
        total = np.bincount(answers.worker[counted], minlength=answers.n_workers)
    else:
        hit = np.bincount(answers.worker, weights=w * hit_mask, minlength=answers.n_workers)
        total = np.bincount(answers.worker, weights=w * counted, minlength=answers.n_workers)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(hit / total, dtype=np.float64)


def normalize_rows(scores: FloatArray) -> FloatArray:
    """Rows scaled to sum to 1 (rows of zeros stay zeros)."""
    sums = scores.sum(axis=1, keepdims=True)
    return np.divide(scores, sums, out=np.zeros_like(scores), where=sums > 0)


def argmax_label_major(scores: FloatArray) -> IntArray:
    """Per column of a (labels, tasks) array, the row of the first maximum (ties to the lower label).

    A loop over the few labels with element-wise comparisons: much faster than ``argmax`` over short
    rows, and it never copies the array.
    """
    best = scores[0].copy()
    chosen = np.zeros(scores.shape[1], dtype=np.intp)
    for j in range(1, scores.shape[0]):
        better = scores[j] > best
        chosen[better] = j
        np.maximum(best, scores[j], out=best)
    return chosen


def softmax_label_major(log_scores: FloatArray) -> FloatArray:
    """Turn a C-contiguous (labels, tasks) array of log scores into posteriors, in place; return
    the per-task log normalizers (the per-task log-likelihood terms)."""
    top = log_scores.max(axis=0)
    log_scores -= top
    np.exp(log_scores, out=log_scores)
    sums = log_scores.sum(axis=0)
    log_scores /= sums
    np.log(sums, out=sums)
    sums += top
    return sums


def log_normalize(log_scores: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Rows of log scores to (posteriors, log-normalizers): a stable softmax per row.

    Works on a label-major copy (see :func:`softmax_label_major`); the posteriors come back as a
    (tasks, labels) view of it.
    """
    label_major = np.array(log_scores.T, dtype=np.float64, order="C")
    log_norm = softmax_label_major(label_major)
    return label_major.T, log_norm
