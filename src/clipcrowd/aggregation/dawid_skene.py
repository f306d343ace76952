"""Dawid-Skene: one confusion (error) matrix per worker, fitted by EM."""

from __future__ import annotations

from typing import Literal, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._data import Answers, IntArray, encode_answers
from .base import BaseAggregator, FloatArray, clamp_gold, softmax_label_major
from .errors import UnsupportedParameterError
from .majority_vote import weighted_vote

__all__ = ["DawidSkene"]

EPS = 1e-10


class DawidSkene(BaseAggregator):
    r"""**Dawid-Skene**: each worker has a confusion matrix ``e[w][given, true]``; the classes have
    prior probabilities; EM alternates posteriors over each task's true label (E-step) with
    re-estimated priors and confusion matrices (M-step).

    - Start: posteriors are the (answer-weighted) majority-vote shares.
    - Gold labels (``true_labels``) fix their tasks' posteriors to one-hot rows at every iteration.
    - ``initial_error`` (crowd-kit's format: a frame indexed by (worker, label), a column per true
      label) seeds the first M-step: ``"assign"`` uses it as the error matrices (every worker must be
      present), ``"addition"`` adds it, as counts, to the counts from the data.
    - ``smoothing > 0`` adds that many pseudo-counts to every confusion-matrix cell at every M-step
      (a symmetric Dirichlet prior; the fit becomes a MAP estimate). It keeps workers with few
      answers from getting extreme matrices.
    - Stops when the observed-data log-likelihood per answer (which the E-step yields for free; plus
      the Dirichlet log-prior when smoothing) changes by less than ``tol``, or after ``n_iter``
      iterations. ``loss_history_`` holds that value per iteration; it never decreases.

    Ties go to the label that sorts first. Duplicate (worker, task) answers count as separate
    observations; the ``weight`` column scales an answer's contribution.

    A. P. Dawid and A. M. Skene, "Maximum Likelihood Estimation of Observer Error-Rates Using the EM
    Algorithm", Journal of the Royal Statistical Society C 28(1), 1979, 20-28,
    https://doi.org/10.2307/2346806 .

    Example:
        >>> import pandas as pd
        >>> from clipcrowd.aggregation import DawidSkene
        >>> df = pd.DataFrame({"task": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4],
        ...                    "worker": ["a", "b", "c"] * 4,
        ...                    "label": list("yynnnyyyynnn")})
        >>> ds = DawidSkene(n_iter=50).fit(df)
        >>> ds.labels_.to_dict()
        {1: 'y', 2: 'n', 3: 'y', 4: 'n'}
        >>> ds.errors_.shape  # (workers * labels) x labels
        (6, 2)
        >>> DawidSkene().fit(df, true_labels=pd.Series({1: "n"})).labels_[1]
        'n'
    """

    gold = "optional"

    def __init__(
        self,
        n_iter: int = 100,
        tol: float = 1e-5,
        initial_error_strategy: Literal["assign", "addition"] | None = None,
        smoothing: float = 0.0,
    ) -> None:
        #: the largest number of EM iterations.
        self.n_iter = n_iter
        #: stop when the per-answer log-likelihood changes by less than this.
        self.tol = tol
        #: how ``initial_error`` given to :meth:`fit` is used: "assign", "addition" or None (ignored).
        self.initial_error_strategy = initial_error_strategy
        #: Dirichlet pseudo-count added to every confusion-matrix cell.
        self.smoothing = smoothing

    errors_: pd.DataFrame
    priors_: pd.Series
    loss_history_: list[float]

    def fit(
        self,
        data: pd.DataFrame,
        true_labels: pd.Series | None = None,
        initial_error: pd.DataFrame | None = None,
    ) -> Self:
        """Fit by EM; see the class docstring for ``true_labels`` and ``initial_error``."""
        answers = encode_answers(data)
        gold_tasks, gold_labels = self._check_gold(answers, true_labels)
        self._answers = answers
        self._initial = self._initial_array(answers, initial_error)
        self._fit(answers, gold_tasks, gold_labels)
        return self

    def fit_predict(
        self, data: pd.DataFrame, true_labels: pd.Series | None = None, initial_error: pd.DataFrame | None = None
    ) -> pd.Series:
        return self.fit(data, true_labels, initial_error).labels_

    def fit_predict_proba(
        self, data: pd.DataFrame, true_labels: pd.Series | None = None, initial_error: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        return self.fit(data, true_labels, initial_error).probas_

    # -- EM -----------------------------------------------------------------------------------------
    def _fit(self, answers: Answers, gold_tasks: IntArray, gold_labels: IntArray) -> None:
        # Posteriors live label-major, (labels, tasks): the E-step writes one row per true label
        # (one sparse product each) and the softmax over labels runs across long contiguous rows.
        # The hooks `_class_priors` and `_m_step` still see the (tasks, labels) view.
        n_labels = answers.n_labels
        matrix, matrix_t = answers.answer_matrix(), answers.answer_matrix_t()
        posteriors = weighted_vote(answers, None)[0].T
        clamp_gold(posteriors.T, gold_tasks, gold_labels)
        priors = self._class_priors(posteriors.T)
        errors = self._m_step(answers, _expected_counts(matrix_t, posteriors), first=True)
        self.loss_history_ = []
        self.converged_ = False
        self.n_iter_ = 0
        for _ in range(self.n_iter):
            log_errors = np.log(errors).reshape(-1, n_labels)  # (workers * given, true)
            log_priors = np.log(np.clip(priors, EPS, None))
            for true in range(n_labels):
                np.add(matrix @ log_errors[:, true], log_priors[true], out=posteriors[true])
            gold_scores = posteriors[gold_labels, gold_tasks]  # a copy: the log scores of gold labels
            log_norm = softmax_label_major(posteriors)
            loglik = float(log_norm.sum())
            if gold_tasks.size:
                loglik += float((gold_scores - log_norm[gold_tasks]).sum())
                clamp_gold(posteriors.T, gold_tasks, gold_labels)
            if self.smoothing > 0:
                loglik += self.smoothing * float(log_errors.sum())
            loss = loglik / answers.n_answers
            self.n_iter_ += 1
            priors = self._class_priors(posteriors.T)
            errors = self._m_step(answers, _expected_counts(matrix_t, posteriors), first=False)
            previous = self.loss_history_[-1] if self.loss_history_ else -np.inf
            self.loss_history_.append(loss)
            if abs(loss - previous) < self.tol:
                self.converged_ = True
                break
        self._store(answers, posteriors.T, priors, errors)

    def _class_priors(self, posteriors: FloatArray) -> FloatArray:
        return posteriors.mean(axis=0)

    def _m_step(self, answers: Answers, counts: FloatArray, first: bool) -> FloatArray:
        """(workers, given, true) confusion matrices from (workers * given, true) expected counts."""
        counts = counts.reshape(answers.n_workers, answers.n_labels, answers.n_labels)
        if first and self._initial is not None:
            assign = self.initial_error_strategy == "assign"
            counts = self._initial.copy() if assign else counts + self._initial
        if self.smoothing > 0:
            counts = counts + self.smoothing
        counts = np.clip(counts, EPS, None)
        return counts / counts.sum(axis=1, keepdims=True)

    def _store(self, answers: Answers, posteriors: FloatArray, priors: FloatArray, errors: FloatArray) -> None:
        self._set_posteriors(answers, posteriors)
        self.priors_ = pd.Series(priors, index=answers.labels, name="prior")
        index = pd.MultiIndex.from_product([answers.workers, answers.labels], names=["worker", "label"])
        self.errors_ = pd.DataFrame(errors.reshape(-1, answers.n_labels), index=index, columns=answers.labels)
        diagonal = np.diagonal(errors, axis1=1, axis2=2)  # (workers, labels): P(correct | true label)
        self.worker_quality_ = self._worker_series(answers, diagonal @ priors, "quality")

    def _initial_array(self, answers: Answers, initial_error: pd.DataFrame | None) -> FloatArray | None:
        if initial_error is None or self.initial_error_strategy is None:
            return None
        if self.initial_error_strategy not in ("assign", "addition"):
            raise UnsupportedParameterError(
                f"initial_error_strategy must be 'assign' or 'addition', got {self.initial_error_strategy!r}"
            )
        if list(initial_error.index.names) != ["worker", "label"]:
            raise UnsupportedParameterError(
                f"initial_error must be indexed by ['worker', 'label'], got {list(initial_error.index.names)}"
            )
        index = pd.MultiIndex.from_product([answers.workers, answers.labels], names=["worker", "label"])
        frame = initial_error.reindex(index=index, columns=answers.labels)
        if self.initial_error_strategy == "assign":
            known = initial_error.index.get_level_values("worker").unique()
            absent = answers.workers.difference(known)
            if len(absent):
                raise UnsupportedParameterError(
                    f"initial_error_strategy='assign' needs every worker's matrix; {len(absent)} missing"
                )
        values = frame.to_numpy(dtype=np.float64, na_value=0.0)
        if (values < 0).any() or not np.isfinite(values).all():
            raise UnsupportedParameterError("initial_error must hold finite non-negative counts or probabilities")
        return values.reshape(answers.n_workers, answers.n_labels, answers.n_labels)


def _expected_counts(matrix_t: sp.csr_matrix, posteriors: FloatArray) -> FloatArray:
    """(workers * given, true) expected answer counts from label-major posteriors: one sparse
    product per true label, on contiguous rows (no transposed copy of the posteriors)."""
    return np.stack([matrix_t @ row for row in posteriors], axis=1)
