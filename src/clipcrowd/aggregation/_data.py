"""The data contract: validate an answers frame once and encode it as integer codes.

Every algorithm works on :class:`Answers`: three integer code arrays (task, worker, label) and an
optional weight array, plus the pandas indexes that turn codes back into the caller's values.

Invariants:
- labels are coded in *sorted* order, so ``argmax`` over a label axis breaks ties towards the label
  that sorts first (the same rule as crowd-kit's MajorityVote);
- tasks and workers are coded in order of first appearance, which is also the row order of every
  per-task or per-worker output;
- duplicate (worker, task) answers are kept: each row is one vote.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from .errors import (
    EmptyAnswersError,
    InvalidWeightsError,
    MissingColumnsError,
    MissingValuesError,
    MixedLabelTypesError,
    UnknownGoldLabelError,
)

__all__ = ["Answers", "encode_answers", "encode_gold", "label_kind"]

REQUIRED_COLUMNS = ("task", "worker", "label")
IntArray = npt.NDArray[np.signedinteger[Any]]  # int32 codes, int64 where they could overflow
FloatArray = npt.NDArray[np.float64]


def label_kind(value: Any) -> str:
    """The kind of a label value; labels of different kinds cannot be mixed in one frame."""
    if isinstance(value, str | np.str_):
        return "str"
    if isinstance(value, bytes | np.bytes_):
        return "bytes"
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, numbers.Number):
        return "number"
    return type(value).__name__


def _codes(column: pd.Series, name: str, sort: bool) -> tuple[IntArray, pd.Index]:
    """One hashing pass per column: missing values come back as code -1, so no separate NaN pass."""
    try:
        codes, uniques = pd.factorize(column, sort=sort)
    except TypeError as exc:  # unorderable values, e.g. 1 and "1" in an object column
        raise MixedLabelTypesError(f"column {name!r} mixes values that cannot be compared: {exc}") from exc
    missing = codes < 0
    if missing.any():
        raise MissingValuesError(f"column {name!r} has {int(missing.sum())} missing value(s)")
    index = pd.Index(uniques, name=name)
    # int32 halves the memory of the three code arrays; flat indexes that can outgrow it are
    # computed in int64 (see `_flat`).
    dtype = np.int32 if len(index) < 2**31 else np.int64
    return codes.astype(dtype, copy=False), index


def _flat(major: IntArray, n_minor: int, minor: IntArray) -> IntArray:
    """``major * n_minor + minor`` in the narrowest integer type that cannot overflow."""
    size = (int(major.max(initial=0)) + 1) * n_minor
    dtype = np.int32 if size < 2**31 else np.int64
    flat: IntArray = major.astype(dtype)
    np.multiply(flat, n_minor, out=flat)
    np.add(flat, minor, out=flat)
    return flat


@dataclass(frozen=True)
class Answers:
    """Answers encoded as integer codes; build it with :func:`encode_answers`."""

    task: IntArray
    worker: IntArray
    label: IntArray
    weight: FloatArray | None
    tasks: pd.Index
    workers: pd.Index
    labels: pd.Index
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_answers(self) -> int:
        return int(self.task.shape[0])

    @property
    def n_tasks(self) -> int:
        return len(self.tasks)

    @property
    def n_workers(self) -> int:
        return len(self.workers)

    @property
    def n_labels(self) -> int:
        return len(self.labels)

    def weights(self) -> FloatArray:
        """Per-answer weights (ones when the frame had no `weight` column)."""
        if self.weight is not None:
            return self.weight
        if "ones" not in self._cache:
            self._cache["ones"] = np.ones(self.n_answers)
        ones: FloatArray = self._cache["ones"]
        return ones

    def task_label_counts(self, weight: FloatArray | None = None) -> FloatArray:
        """(tasks, labels) sums of weights: the (weighted) vote table.

        A transposed view of :meth:`label_task_counts` (see there why the memory is label-major).
        """
        return self.label_task_counts(weight).T

    def label_task_counts(self, weight: FloatArray | None = None) -> FloatArray:
        """(labels, tasks) sums of weights, C-contiguous.

        Label-major because every per-task reduction over labels (max, sum, argmax, softmax) then
        runs over a handful of long contiguous rows: element-wise and vectorised, several times
        faster than reducing short rows of a (tasks, labels) array.
        """
        w = self.weight if weight is None else weight
        counts = np.bincount(self.label_task(), weights=w, minlength=self.n_tasks * self.n_labels)
        return counts.astype(np.float64, copy=False).reshape(self.n_labels, self.n_tasks)

    def label_task(self) -> IntArray:
        """Per answer ``label * n_tasks + task`` (cached): the flat index of the label-major vote table."""
        if "label_task" not in self._cache:
            self._cache["label_task"] = _flat(self.label, self.n_tasks, self.task)
        flat: IntArray = self._cache["label_task"]
        return flat

    def worker_label(self) -> IntArray:
        """Per answer ``worker * n_labels + label`` (cached): the flat (worker, given label) index."""
        if "worker_label" not in self._cache:
            self._cache["worker_label"] = _flat(self.worker, self.n_labels, self.label)
        flat: IntArray = self._cache["worker_label"]
        return flat

    def worker_totals(self) -> FloatArray:
        """Sum of answer weights per worker (cached; do not modify)."""
        if "worker_totals" not in self._cache:
            self._cache["worker_totals"] = np.bincount(
                self.worker, weights=self.weight, minlength=self.n_workers).astype(np.float64)
        totals: FloatArray = self._cache["worker_totals"]
        return totals

    def pair_totals(self) -> FloatArray:
        """Sum of answer weights per (worker, given label), flat (cached; do not modify)."""
        if "pair_totals" not in self._cache:
            self._cache["pair_totals"] = np.bincount(
                self.worker_label(), weights=self.weight, minlength=self.n_workers * self.n_labels
            ).astype(np.float64)
        totals: FloatArray = self._cache["pair_totals"]
        return totals

    def answer_matrix(self) -> sp.csr_matrix:
        """Sparse (tasks) x (workers * labels) matrix of answer weights; duplicates are summed.

        ``A @ M`` sums, per task, the rows of ``M`` indexed by (worker, given label); ``A.T @ P`` sums,
        per (worker, given label), the task rows of ``P``. Both are the only passes over the answers
        that the EM algorithms need.
        """
        if "matrix" not in self._cache:
            data = self.weights()
            shape = (self.n_tasks, self.n_workers * self.n_labels)
            matrix = sp.csr_matrix((data, (self.task, self.worker_label())), shape=shape)
            matrix.sum_duplicates()
            self._cache["matrix"] = matrix
        return self._cache["matrix"]

    def answer_matrix_t(self) -> sp.csr_matrix:
        """The transpose of :meth:`answer_matrix` in row-compressed form (for fast ``A.T @ P``)."""
        if "matrix_t" not in self._cache:
            self._cache["matrix_t"] = self.answer_matrix().T.tocsr()
        return self._cache["matrix_t"]

    def count_duplicates(self) -> int:
        """Number of answers beyond the first for the same (worker, task) pair."""
        pairs = self.worker.astype(np.int64) * self.n_tasks + self.task
        return self.n_answers - int(np.unique(pairs).shape[0])


def encode_answers(data: pd.DataFrame) -> Answers:
    """Validate an answers frame (`task`, `worker`, `label`, optional `weight`) and encode it.

    Raises a subclass of :class:`~clipcrowd.aggregation.errors.AggregationInputError` (a ``ValueError``)
    for: a non-DataFrame, missing columns, no rows, missing values, mixed label kinds, bad weights.
    """
    if not isinstance(data, pd.DataFrame):
        raise MissingColumnsError(f"answers must be a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in data.columns]
    if missing:
        raise MissingColumnsError(
            f"answers frame lacks column(s) {missing}; required: {list(REQUIRED_COLUMNS)}"
        )
    if len(data) == 0:
        raise EmptyAnswersError("answers frame is empty: nothing to aggregate")
    task, tasks = _codes(data["task"], "task", sort=False)
    worker, workers = _codes(data["worker"], "worker", sort=False)
    label, labels = _codes(data["label"], "label", sort=True)
    kinds = sorted({label_kind(v) for v in labels})
    if len(kinds) > 1:
        raise MixedLabelTypesError(f"column 'label' mixes kinds of values: {kinds}")
    weight = None
    if "weight" in data.columns:
        weight = _weights(data["weight"])
    return Answers(task, worker, label, weight, tasks, workers, labels)


def _weights(column: pd.Series) -> FloatArray:
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        raise InvalidWeightsError(f"column 'weight' must be numeric, got dtype {column.dtype}")
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise InvalidWeightsError(
            f"column 'weight' has {int(bad.sum())} missing, infinite or negative value(s)"
        )
    return values


def encode_gold(answers: Answers, gold: pd.Series | None) -> tuple[IntArray, IntArray]:
    """Gold labels as (task codes, label codes) for the gold tasks that have answers.

    Gold tasks without answers are ignored; missing gold values mean "no gold for this task".
    A gold label that no worker used raises :class:`UnknownGoldLabelError`.
    """
    empty = np.empty(0, dtype=np.int64)
    if gold is None:
        return empty, empty
    if not isinstance(gold, pd.Series):
        raise UnknownGoldLabelError(f"gold labels must be a pandas Series indexed by task, got {type(gold)}")
    gold = gold.dropna()
    task_codes = answers.tasks.get_indexer(gold.index)
    known = task_codes >= 0
    gold = gold[known]
    task_codes = task_codes[known]
    label_codes = answers.labels.get_indexer(pd.Index(gold.to_numpy()))
    unknown = label_codes < 0
    if unknown.any():
        values = sorted({repr(v) for v in gold.to_numpy()[unknown]})[:5]
        raise UnknownGoldLabelError(
            f"{int(unknown.sum())} gold label(s) are not among the labels workers used "
            f"({list(answers.labels)[:10]}): {values}"
        )
    return task_codes.astype(np.int64), label_codes.astype(np.int64)
