"""Dawid-Skene: one confusion (error) matrix per worker, fitted by EM."""

from __future__ import annotations

from typing import Literal, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._data import Answers, IntArray, encode_answers
from .base import BaseAggregator, FloatArray, clamp_gold, is_empty_answers
from .errors import UnsupportedParameterError

__all__ = ["DawidSkene"]

EPS = 1e-10
#: defaults of the stopping tolerance and of the Dirichlet prior on confusion-matrix columns, chosen
#: by leave-one-set-out cross-validation over the real data sets of tests/data/crowd (14, then 18)
#: (bench/ds_prior_cv.py): every fold chose this tolerance with a prior of 2 pseudo-answers per
#: column toward the other workers' pooled matrix. ``prior_strength=0`` is crowd-kit's model
#: (maximum likelihood), the setting its own tests check.
TOL = 1e-2
PRIOR_STRENGTH = 2.0
PRIOR_DIAGONAL: float | None = None
_BLOCK_VALUES = 1 << 16  # posteriors per block in `_softmax_rows`: 512 KB, fits in L2
_NO_SHIFT_FLOOR = -700.0  # exp(-700) ~ 1e-304 is still a normal float64


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
      (a symmetric Dirichlet prior; the fit becomes a MAP estimate).
    - ``prior_strength`` (default 2) is a Dirichlet prior on every confusion-matrix column worth
      that many pseudo-answers, with mean ``prior_diagonal`` on the diagonal (the rest spread
      evenly) or, with ``prior_diagonal=None`` (the default), the pooled confusion matrix of the
      other workers (empirical Bayes). ``prior_strength=0`` is crowd-kit's maximum-likelihood model.
    - Stops when one iteration changes the observed-data log-likelihood (which the E-step yields for
      free; plus the Dirichlet log-prior when there is one) by less than ``tol`` *per free
      parameter* (``K - 1`` per confusion-matrix column and ``K - 1`` class priors:
      ``W K (K - 1) + K - 1``), or after ``n_iter`` iterations; ``converged_`` tells which.
      ``loss_history_`` holds the log-likelihood per answer after each iteration.

    Why per parameter: fitting ``p`` free parameters to pure noise raises the maximised
    log-likelihood by about ``p / 2`` (Wilks; Akaike), so a gain is measured on that scale: EM stops
    once an iteration moves the fit by a small fraction of a nat per parameter, further when each
    parameter rests on many answers, sooner when it rests on few (where more iterations mostly fit
    noise). ``tol`` was chosen by leave-one-set-out cross-validation over the real data sets of
    tests/data/crowd (14, then 18; ``bench/ds_prior_cv.py``: tolerances 3e-1 to 1e-6, no prior, priors toward
    the diagonal and toward the pooled matrix): every fold, of 14 and of 18, chose ``tol=1e-2`` with
    ``prior_strength=2`` toward the other workers' pooled matrix (MAP-EM: a worker with few
    answers is pulled toward what the rest of the crowd does instead of fitting noise; one with
    hundreds hardly moves). Choosing the model per data set by the held-out likelihood of the
    answers themselves (``bench/ds_model_select.py``) was tried and labels worse: the best
    predictive fit of the answers is not the best labelling. Neither did 274 more variants carry
    across sets under the same cross-validation (``bench/ds_goal_tried.py``: strength by answer
    count or by evidence, other starts, a class prior, Polyak averaging, per-worker BIC,
    variational Bayes, worker communities, averaging over strengths). ``prior_strength=0`` is
    crowd-kit's maximum-likelihood model, which its own tests check (exact error matrices after one iteration;
    all five labels of its 5-task toy set, where 2 pseudo-answers per column outweigh a worker's
    own 2-3 answers per true label); ``docs/aggregation.md`` lists those tests and has the table
    for both settings, with the sets where each falls short. crowd-kit's own check (``tol=1e-5``
    on an evidence lower bound that counts the class log-prior once per answer) is not the
    likelihood.
    With the pooled prior, whose mean is re-estimated at every M-step, the objective may dip (by
    up to ~3e-7 per answer seen); the stopping rule uses the absolute change.

    Ties go to the label that sorts first. Duplicate (worker, task) answers count as separate
    observations; the ``weight`` column scales an answer's contribution.

    A. P. Dawid and A. M. Skene, "Maximum Likelihood Estimation of Observer Error-Rates Using the EM
    Algorithm", Journal of the Royal Statistical Society C 28(1), 1979, 20-28,
    https://doi.org/10.2307/2346806 .
    S. S. Wilks, "The Large-Sample Distribution of the Likelihood Ratio for Testing Composite
    Hypotheses", Annals of Mathematical Statistics 9(1), 1938, 60-62,
    https://doi.org/10.1214/aoms/1177732360 ; H. Akaike, "A New Look at the Statistical Model
    Identification", IEEE Transactions on Automatic Control 19(6), 1974, 716-723,
    https://doi.org/10.1109/TAC.1974.1100705 .

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
        tol: float = TOL,
        initial_error_strategy: Literal["assign", "addition"] | None = None,
        smoothing: float = 0.0,
        prior_strength: float = PRIOR_STRENGTH,
        prior_diagonal: float | None = PRIOR_DIAGONAL,
    ) -> None:
        #: the largest number of EM iterations.
        self.n_iter = n_iter
        #: stop when one iteration changes the log-likelihood by less than this per free parameter.
        self.tol = tol
        #: how ``initial_error`` given to :meth:`fit` is used: "assign", "addition" or None (ignored).
        self.initial_error_strategy = initial_error_strategy
        #: Dirichlet pseudo-count added to every confusion-matrix cell.
        self.smoothing = smoothing
        #: pseudo-answers per confusion-matrix column of the Dirichlet prior (0: maximum likelihood).
        self.prior_strength = prior_strength
        #: the prior's mean probability of a correct answer (its diagonal); the rest is spread evenly.
        self.prior_diagonal = prior_diagonal

    errors_: pd.DataFrame
    priors_: pd.Series
    loss_history_: list[float]

    def fit(
        self,
        data: pd.DataFrame | Answers,
        true_labels: pd.Series | None = None,
        initial_error: pd.DataFrame | None = None,
    ) -> Self:
        """Fit by EM; see the class docstring for ``true_labels`` and ``initial_error``."""
        if is_empty_answers(data):
            self._fit_empty()
            return self
        answers = encode_answers(data)
        gold_tasks, gold_labels = self._check_gold(answers, true_labels)
        self._answers = answers
        self._initial = self._initial_array(answers, initial_error)
        self._fit(answers, gold_tasks, gold_labels)
        return self

    def fit_predict(
        self, data: pd.DataFrame | Answers, true_labels: pd.Series | None = None,
        initial_error: pd.DataFrame | None = None,
    ) -> pd.Series:
        return self.fit(data, true_labels, initial_error).labels_

    def fit_predict_proba(
        self, data: pd.DataFrame | Answers, true_labels: pd.Series | None = None,
        initial_error: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        return self.fit(data, true_labels, initial_error).probas_

    # -- EM -----------------------------------------------------------------------------------------
    def _fit(self, answers: Answers, gold_tasks: IntArray, gold_labels: IntArray) -> None:
        # Posteriors live task-major, (tasks, labels), C-contiguous, next to a row-compressed
        # (tasks) x (workers * given) answer matrix A: both sparse products of an iteration then walk
        # the answers in task order and read/write the posteriors sequentially, while the small
        # (workers * given, labels) table they gather from / scatter into stays in cache (E-step
        # `A @ log e`, M-step `A.T @ posteriors`: one pass each for all labels).
        n_labels = answers.n_labels
        matrix = _task_matrix(answers)
        # (worker, given label) pairs that occur: the rows of `errors_`, from the matrix's own columns
        pairs = answers.n_workers * n_labels
        self._seen_pairs = np.flatnonzero(np.bincount(matrix.indices, minlength=pairs)[:pairs])
        posteriors = _vote_shares(matrix, answers.n_workers, n_labels)
        clamp_gold(posteriors, gold_tasks, gold_labels)
        priors = self._class_priors(_column_means(posteriors))
        self._pseudo: FloatArray | None = None
        errors = self._m_step(answers, matrix.T @ posteriors, first=True)
        # the stopping threshold on the total log-likelihood gain of one iteration (see `tol`)
        threshold = self.tol * self._n_parameters(answers)
        total_loss = -np.inf
        log_norm = np.empty(answers.n_tasks)  # per-task log normalizers: the log-likelihood terms
        block_weights = _block_weights(matrix, n_labels)
        self.loss_history_ = []
        self.converged_ = False
        self.n_iter_ = 0
        for _ in range(self.n_iter):
            # (workers * given, true); rows of labels a worker never gave are 0 under maximum
            # likelihood and never reached by an answer: log 1 keeps them out of the block floors
            log_errors = np.log(np.where(errors > 0, errors, 1.0)).reshape(-1, n_labels)
            log_priors = np.log(np.clip(priors, EPS, None))
            # the last posteriors are used up (M-step done): free them first, so that the new
            # array takes their place in memory instead of growing the heap
            del posteriors
            posteriors = matrix @ log_errors  # log scores, turned into posteriors in place below
            gold_scores = posteriors[gold_tasks, gold_labels] + log_priors[gold_labels]
            # lower bounds of each block's log scores: the heaviest task times the smallest log error
            floors = block_weights * log_errors.min() + log_priors.min()
            totals = _softmax_rows(posteriors, log_priors, log_norm, floors)
            loglik = float(log_norm.sum())
            if gold_tasks.size:
                loglik += float((gold_scores - log_norm[gold_tasks]).sum())
                totals -= posteriors[gold_tasks].sum(axis=0)
                clamp_gold(posteriors, gold_tasks, gold_labels)
                totals += np.bincount(gold_labels, minlength=n_labels)
            if self.smoothing > 0:
                loglik += self.smoothing * float(log_errors.sum())
            pseudo = self._pseudo
            if pseudo is not None:
                loglik += float((log_errors.reshape(-1, n_labels, n_labels) * pseudo).sum())
            self.n_iter_ += 1
            priors = self._class_priors(totals / answers.n_tasks)
            errors = self._m_step(answers, matrix.T @ posteriors, first=False)
            self.loss_history_.append(loglik / answers.n_answers)
            if abs(loglik - total_loss) < threshold:
                self.converged_ = True
                break
            total_loss = loglik
        self._store(answers, posteriors, priors, errors)

    def _pseudo_counts(self, counts: FloatArray) -> FloatArray | None:
        """Pseudo-counts of the Dirichlet prior on each confusion-matrix column, from the (workers,
        given, true) expected counts: (given, true) toward the diagonal, or (``prior_diagonal``
        None) (workers, given, true) toward the pooled matrix of the *other* workers (empirical
        Bayes; leaving the worker's own answers out keeps them from being counted twice; a lone
        worker has no others to learn a prior from, so her fit stays maximum likelihood)."""
        n_labels = counts.shape[1]
        if self.prior_strength <= 0 or n_labels < 2:
            return None
        if self.prior_diagonal is None:
            if counts.shape[0] < 2:
                return None
            others = counts.sum(axis=0) - counts + 1.0 / n_labels
            return np.asarray(self.prior_strength * others / others.sum(axis=1, keepdims=True))
        off = (1.0 - self.prior_diagonal) / (n_labels - 1)
        prior = np.full((n_labels, n_labels), off)
        np.fill_diagonal(prior, self.prior_diagonal)
        return self.prior_strength * prior

    def _n_parameters(self, answers: Answers) -> int:
        """Free parameters of the model: K - 1 per confusion-matrix column, K - 1 class priors."""
        k = answers.n_labels
        return answers.n_workers * k * (k - 1) + k - 1

    def _class_priors(self, mean_posteriors: FloatArray) -> FloatArray:
        """Class priors from the per-label mean of the posteriors (the M-step of the priors)."""
        return mean_posteriors

    def _m_step(self, answers: Answers, counts: FloatArray, first: bool) -> FloatArray:
        """(workers, given, true) confusion matrices from (workers * given, true) expected counts."""
        counts = counts.reshape(answers.n_workers, answers.n_labels, answers.n_labels)
        if first and self._initial is not None:
            if self.initial_error_strategy == "assign":  # the caller's matrices, used as they are
                self._pseudo = None
                assigned = np.clip(self._initial, EPS, None)
                return np.asarray(assigned / assigned.sum(axis=1, keepdims=True))
            counts = counts + self._initial
        if self.smoothing > 0:
            counts = counts + self.smoothing
        self._pseudo = self._pseudo_counts(counts)
        if self._pseudo is not None:
            counts = counts + self._pseudo
        elif self.smoothing <= 0:
            # maximum likelihood: a column spreads only over the labels the worker gave (the rows
            # her answers can reach), as crowd-kit's does; a column she gave no expected answer to
            # is then uniform over her own labels and says nothing, instead of 1/K against the
            # labels she gave (which made a one-answer worker's single label evidence in itself)
            seen = np.zeros(counts.shape[0] * counts.shape[1], dtype=bool)
            seen[self._seen_pairs] = True
            seen = seen.reshape(counts.shape[0], counts.shape[1], 1)
            counts = np.where(seen, np.clip(counts, EPS, None), 0.0)
            return counts / counts.sum(axis=1, keepdims=True)
        counts = np.clip(counts, EPS, None)
        return counts / counts.sum(axis=1, keepdims=True)

    def _store(self, answers: Answers, posteriors: FloatArray, priors: FloatArray, errors: FloatArray) -> None:
        self._set_posteriors(answers, posteriors, _argmax_rows(posteriors))
        self.priors_ = pd.Series(priors, index=answers.labels, name="prior")
        self.errors_ = self._errors_frame(answers, errors)
        diagonal = np.diagonal(errors, axis1=1, axis2=2)  # (workers, labels): P(correct | true label)
        self._quality = self._worker_series(answers, diagonal @ priors, "quality")

    def _errors_frame(self, answers: Answers, errors: FloatArray) -> pd.DataFrame:
        """crowd-kit's ``errors_``: a row per (worker, given label) pair that occurs in the answers,
        sorted, a column per true label. With ``initial_error_strategy="assign"`` and no iteration,
        the assigned matrices come back in the caller's own layout."""
        flat = errors.reshape(-1, answers.n_labels)
        if self._initial_frame is not None and self.initial_error_strategy == "assign" and self.n_iter_ == 0:
            given = self._initial_frame
            full = pd.DataFrame(flat, index=pd.MultiIndex.from_product(
                [answers.workers, answers.labels], names=["worker", "label"]), columns=answers.labels.rename(None))
            return full.reindex(index=given.index, columns=given.columns)
        seen = self._seen_pairs
        workers, labels = np.divmod(seen, answers.n_labels)
        w_rank, l_rank = _ranks(answers.worker_order(), answers.n_workers), _ranks(None, answers.n_labels)
        order = np.lexsort((l_rank[labels], w_rank[workers]))
        seen, workers, labels = seen[order], workers[order], labels[order]
        index = pd.MultiIndex.from_arrays([answers.workers.take(workers), answers.labels.take(labels)],
                                          names=["worker", "label"])
        return pd.DataFrame(flat[seen], index=index, columns=answers.labels.rename(None))

    def _initial_array(self, answers: Answers, initial_error: pd.DataFrame | None) -> FloatArray | None:
        self._initial_frame = None
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
        matrices = values.reshape(answers.n_workers, answers.n_labels, answers.n_labels)
        if self.initial_error_strategy == "assign" and (values <= 1.0).all():
            column_sums = matrices.sum(axis=1)  # per worker and true label: P(any given label | true)
            if not np.allclose(column_sums, 1.0):
                bad = answers.workers[~np.isclose(column_sums, 1.0).all(axis=1)][:5].tolist()
                raise UnsupportedParameterError(
                    "The sum of each worker's error matrix in initial_error should be 1.0 (probabilities: "
                    f"each true-label column sums to 1 over the given labels); not so for workers {bad}"
                )
        self._initial_frame = initial_error
        return matrices


def _ranks(order: IntArray | None, n: int) -> IntArray:
    """Rank of each code in sorted order (identity when ``order`` is None)."""
    rank = np.arange(n)
    if order is not None:
        rank[order] = np.arange(n)
    return rank


def _task_matrix(answers: Answers) -> sp.csr_matrix:
    """Row-compressed (tasks) x (workers * given labels) matrix of answer weights.

    Duplicate (task, worker, label) entries are left unsummed: sparse products add them up anyway.
    Answers already grouped by task (the usual export order) are taken as they are, without a sort.
    """
    shape = (answers.n_tasks, answers.n_workers * answers.n_labels)
    data = answers.weight if answers.weight is not None else np.ones(answers.n_answers)
    columns = answers.worker_label(cache=False)  # the matrix keeps its own (int32) copy
    task = answers.task
    if task.size < 2 or bool((task[1:] >= task[:-1]).all()):
        indptr = np.zeros(answers.n_tasks + 1, dtype=columns.dtype if task.size < 2**31 else np.int64)
        np.cumsum(np.bincount(task, minlength=answers.n_tasks), out=indptr[1:])
        return sp.csr_matrix((data, columns, indptr), shape=shape, copy=False)
    return sp.csr_matrix((data, (task, columns)), shape=shape)


def _vote_shares(matrix: sp.csr_matrix, n_workers: int, n_labels: int) -> FloatArray:
    """(tasks, labels) shares of the (weighted) votes, the majority-vote posteriors: one sparse
    product with the (worker, given label) -> given label indicator. Tasks whose votes all weigh 0
    get uniform shares."""
    shares: FloatArray = matrix @ np.tile(np.eye(n_labels), (n_workers, 1))
    sums = shares[:, 0].copy()
    for j in range(1, n_labels):
        sums += shares[:, j]
    empty = sums == 0
    if empty.any():
        shares[empty] = 1.0
        sums[empty] = n_labels
    shares /= sums[:, None]
    return shares


def _softmax_rows(
    log_scores: FloatArray, log_priors: FloatArray, log_norm: FloatArray, floors: FloatArray
) -> FloatArray:
    """Add ``log_priors`` to every row of a C-contiguous (tasks, labels) array of log scores and turn
    it into posteriors, in place; write the per-task log normalizers (log-likelihood terms) into
    ``log_norm`` and return the per-label sums of the posteriors (for the class priors), both
    taken while a block is in cache.

    Works on blocks of :func:`_block_rows` rows that fit in cache, column by column inside a block:
    each step is an element-wise pass over a few thousand numbers, instead of numpy's slow
    reductions over short rows of length K or whole-array passes that each read every cache line
    of the array again. Log scores are sums of log-probabilities, so never positive: ``exp`` cannot
    overflow, and in a block whose lower bound ``floors[b]`` (with the priors) keeps every score
    above ``_NO_SHIFT_FLOOR`` it cannot underflow either; only the other blocks pay for the usual
    subtraction of the row maximum.
    """
    n_tasks, n_labels = log_scores.shape
    totals = np.zeros(n_labels)
    step = _block_rows(n_labels)
    priors = np.exp(log_priors)
    for block_index, start in enumerate(range(0, n_tasks, step)):
        block = log_scores[start : start + step]
        columns = [block[:, j] for j in range(n_labels)]
        norm = log_norm[start : start + step]
        if floors[block_index] >= _NO_SHIFT_FLOOR:
            np.exp(block, out=block)
            for column, prior in zip(columns, priors, strict=True):
                column *= prior
            top = None
        else:
            for column, log_prior in zip(columns, log_priors, strict=True):
                column += log_prior
            top = columns[0].copy()
            for column in columns[1:]:
                np.maximum(top, column, out=top)
            for column in columns:
                column -= top
            np.exp(block, out=block)
        sums = columns[0].copy()
        for column in columns[1:]:
            sums += column
        inverse = np.reciprocal(sums)
        for j, column in enumerate(columns):
            column *= inverse
            totals[j] += column.sum()
        np.log(sums, out=norm)
        if top is not None:
            norm += top
    return totals


def _block_rows(n_labels: int) -> int:
    return max(_BLOCK_VALUES // n_labels, 1)


def _block_weights(matrix: sp.csr_matrix, n_labels: int) -> FloatArray:
    """Per block of :func:`_block_rows` tasks, the largest total answer weight of a task in it."""
    row_weights = matrix @ np.ones(matrix.shape[1])
    starts = np.arange(0, matrix.shape[0], _block_rows(n_labels))
    return np.asarray(np.maximum.reduceat(row_weights, starts), dtype=np.float64)


def _argmax_rows(posteriors: FloatArray) -> IntArray:
    """Per row of a C-contiguous (tasks, labels) array, the column of the first maximum (ties to
    the label that sorts first); blockwise and column by column, as in :func:`_softmax_rows`."""
    n_tasks, n_labels = posteriors.shape
    chosen = np.zeros(n_tasks, dtype=np.intp)
    step = _block_rows(n_labels)
    for start in range(0, n_tasks, step):
        block = posteriors[start : start + step]
        best = block[:, 0].copy()
        picked = chosen[start : start + step]
        for j in range(1, n_labels):
            column = block[:, j]
            picked[column > best] = j
            np.maximum(best, column, out=best)
    return chosen


def _column_means(posteriors: FloatArray) -> FloatArray:
    """Per-label mean of a (tasks, labels) array: one strided sum per label (numpy's reduction over
    axis 0 of a C-contiguous array with short rows is several times slower)."""
    return np.array([posteriors[:, j].sum() for j in range(posteriors.shape[1])]) / posteriors.shape[0]
