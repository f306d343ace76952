"""MACE: multi-annotator competence estimation (workers either know the answer or spam)."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from scipy.special import digamma

from ._data import Answers, IntArray
from .base import BaseAggregator, FloatArray, clamp_gold, softmax_label_major

__all__ = ["MACE"]


class MACE(BaseAggregator):
    r"""**MACE**: for every answer the worker either knows the true label and gives it (probability
    ``spamming_[w, 1]``, their competence) or spams, drawing a label from their own distribution
    ``thetas_[w]`` (probability ``spamming_[w, 0]``). True labels are uniform a priori.

    Fitted by EM: ``method="vb"`` (default) is the variational-Bayes M-step with Beta(``alpha``,
    ``beta``) priors on competence and a symmetric Dirichlet(10) prior on ``thetas``; ``"em"`` is
    the maximum-likelihood M-step with add-``0.01/K`` smoothing. Each of ``n_restarts`` runs starts
    from its own random point (seeded by ``random_state`` and the restart number; crowd-kit reuses
    one seed, so its restarts are identical) and stops when the log marginal likelihood per answer
    changes by less than ``tol`` or after ``n_iter`` iterations; the run with the highest likelihood
    wins. Gold labels fix their tasks' posteriors. Ties go to the label that sorts first.
    ``worker_quality()`` is the competence normalised to ``[0, 1]``.

    D. Hovy, T. Berg-Kirkpatrick, A. Vaswani and E. Hovy, "Learning Whom to Trust with MACE",
    NAACL-HLT 2013, 1120-1130, https://aclanthology.org/N13-1132 .

    Example:
        >>> import pandas as pd
        >>> from clipcrowd.aggregation import MACE
        >>> df = pd.DataFrame({"task": [1, 1, 1, 2, 2, 2, 3, 3, 3],
        ...                    "worker": ["a", "b", "c"] * 3,
        ...                    "label": [1, 1, 0, 0, 0, 1, 1, 1, 1]})
        >>> mace = MACE(n_restarts=2).fit(df)
        >>> mace.labels_.to_dict()
        {1: 1, 2: 0, 3: 1}
        >>> mace.spamming_.shape
        (3, 2)
    """

    gold = "optional"

    def __init__(
        self,
        n_restarts: int = 10,
        n_iter: int = 50,
        method: str = "vb",
        smoothing: float = 0.1,
        default_noise: float = 0.5,
        alpha: float = 0.5,
        beta: float = 0.5,
        random_state: int = 0,
        verbose: int = 0,
        tol: float = 1e-6,
        init_spamming: FloatArray | None = None,
        init_thetas: FloatArray | None = None,
    ) -> None:
        if method not in ("vb", "em"):
            raise ValueError(f"MACE method must be 'vb' or 'em', got {method!r}")
        self.n_restarts = n_restarts
        self.n_iter = n_iter
        self.method = method
        #: EM (``method="em"``) adds ``smoothing / (10 K)`` to the fractional counts before
        #: normalising: 0.01 / K at the default, the pseudo-count crowd-kit's MACE uses.
        self.smoothing = smoothing
        #: 1: print each restart's final objective; 2: also every iteration's (to stderr).
        self.verbose = verbose
        #: initial parameters are uniform in [1, 1 + default_noise], then normalised.
        self.default_noise = default_noise
        self.alpha = alpha
        self.beta = beta
        self.random_state = random_state
        self.tol = tol
        #: optional (workers, 2) and (workers, labels) starting points for the first restart, rows in
        #: order of the workers' first appearance and columns in sorted label order (a warm start).
        self.init_spamming = init_spamming
        self.init_thetas = init_thetas

    spamming_: FloatArray
    thetas_: FloatArray
    loss_history_: list[float]

    def _fit(self, answers: Answers, gold_tasks: IntArray, gold_labels: IntArray) -> None:
        # only the best run's parameters are kept: its posteriors come from one more E-step at the
        # end (holding every best-so-far posterior table would add a (tasks, labels) array to the peak)
        best: tuple[float, FloatArray, FloatArray, list[float]] | None = None
        for restart in range(max(self.n_restarts, 1)):
            rng = np.random.default_rng([self.random_state, restart])
            run = self._run(answers, gold_tasks, gold_labels, rng, first=restart == 0)
            if best is None or run[2][-1] > best[0]:
                best = (run[2][-1], *run)
        assert best is not None
        _, self.spamming_, self.thetas_, self.loss_history_ = best
        posteriors = self._e_step(answers, self.spamming_, self.thetas_, gold_tasks, gold_labels)[0]
        self._set_posteriors(answers, posteriors)
        competence = self.spamming_[:, 1] / self.spamming_.sum(axis=1)
        self._quality = self._worker_series(answers, competence, "competence")
        self.thetas_frame_ = pd.DataFrame(self.thetas_, index=answers.workers, columns=answers.labels)

    def _run(
        self,
        answers: Answers,
        gold_tasks: IntArray,
        gold_labels: IntArray,
        rng: np.random.Generator,
        first: bool,
    ) -> tuple[FloatArray, FloatArray, list[float]]:
        """One EM run: (spamming, thetas, objective history); the last entry of the history is the
        objective under the returned parameters."""
        n_workers, k = answers.n_workers, answers.n_labels
        spamming = rng.uniform(1.0, 1.0 + self.default_noise, size=(n_workers, 2))
        thetas = rng.uniform(1.0, 1.0 + self.default_noise, size=(n_workers, k))
        if first and self.init_spamming is not None:
            spamming = np.array(self.init_spamming, dtype=np.float64, copy=True).reshape(n_workers, 2)
        if first and self.init_thetas is not None:
            thetas = np.array(self.init_thetas, dtype=np.float64, copy=True).reshape(n_workers, k)
        spamming /= spamming.sum(axis=1, keepdims=True)
        thetas /= thetas.sum(axis=1, keepdims=True)
        # the posteriors themselves are not needed between E-steps (the M-step uses the counts):
        # dropping them at once keeps one (tasks, labels) array alive instead of two
        _, loglik, spam_counts, strategy_counts = self._e_step(answers, spamming, thetas, gold_tasks, gold_labels)
        history = [loglik / answers.n_answers]
        for _ in range(self.n_iter):
            if self.method == "vb":
                spamming = _variational(spam_counts, np.array([self.alpha, self.beta]))
                thetas = _variational(strategy_counts, np.full(k, 10.0))
            else:
                spamming = _smoothed(spam_counts, self.smoothing / (10 * k))
                thetas = _smoothed(strategy_counts, self.smoothing / (10 * k))
            _, loglik, spam_counts, strategy_counts = self._e_step(answers, spamming, thetas, gold_tasks, gold_labels)
            history.append(loglik / answers.n_answers)
            if self.verbose > 1:
                print(f"MACE iteration {len(history) - 1}: objective {history[-1]:.6f}", file=sys.stderr)
            if abs(history[-1] - history[-2]) < self.tol:
                break
        if self.verbose > 0:
            print(f"MACE restart done after {len(history) - 1} iterations: objective {history[-1]:.6f}",
                  file=sys.stderr)
        return spamming, thetas, history

    @staticmethod
    def _e_step(
        answers: Answers, spamming: FloatArray, thetas: FloatArray, gold_tasks: IntArray, gold_labels: IntArray
    ) -> tuple[FloatArray, float, FloatArray, FloatArray]:
        """Posteriors, log marginal likelihood, expected (spam, know) counts per worker and expected
        spam counts per (worker, label).

        Every per-answer quantity depends only on the (worker, given label) pair, so it is computed
        on that small table: only two gathers and two weighted counts touch every answer.
        - The spam term of an answer, log P(spam, label), is the same whichever label is true: it
          shifts all of a task's log scores alike, so it cancels in the posteriors; its total
          (a sum over pairs) is added to the log-likelihood directly.
        - The expected "knew" count of a pair is its share ``know / (spam + know)`` times the sum of
          the posteriors of its answers' labels: one count per pass, scaled on the table.
        Posteriors are label-major (see :func:`softmax_label_major`).
        """
        k, n_tasks = answers.n_labels, answers.n_tasks
        pair, weight, label_task = answers.worker_label(), answers.weight, answers.label_task()
        spam = spamming[:, :1] * thetas  # (workers, labels): P(spam and this label)
        know = spamming[:, 1:]
        pair_totals = answers.pair_totals().reshape(-1, k)
        log_gain = np.log1p(know / spam).ravel().take(pair)  # log(spam + know) - log(spam): answer is the truth
        if weight is not None:
            log_gain *= weight
        gain = np.bincount(label_task, weights=log_gain, minlength=k * n_tasks)
        del log_gain
        posteriors: FloatArray = np.asarray(gain, dtype=np.float64).reshape(k, n_tasks)
        gold_scores = posteriors[gold_labels, gold_tasks]  # a copy: the log scores of gold labels
        log_norm = softmax_label_major(posteriors)
        spam_total = float((pair_totals * np.log(spam)).sum()) - n_tasks * np.log(k)
        loglik = float(log_norm.sum()) + spam_total
        if gold_tasks.size:
            loglik += float((gold_scores - log_norm[gold_tasks]).sum())
            clamp_gold(posteriors.T, gold_tasks, gold_labels)
        truth: FloatArray = posteriors.ravel().take(label_task)  # P(the given label is the true one)
        if weight is not None:
            truth *= weight
        truth_pairs = np.bincount(pair, weights=truth, minlength=answers.n_workers * k).reshape(-1, k)
        knew_pairs = truth_pairs * (know / (spam + know))
        strategy = pair_totals - knew_pairs  # expected spammed answers per pair
        knew_workers = knew_pairs.sum(axis=1)
        spam_counts = np.stack([answers.worker_totals() - knew_workers, knew_workers], axis=1)
        return posteriors.T, loglik, spam_counts, strategy


def _variational(counts: FloatArray, prior: FloatArray) -> FloatArray:
    """Variational-Bayes M-step: geometric means exp(E[log p]) under the Dirichlet posterior."""
    shifted = counts + prior
    return np.exp(digamma(shifted) - digamma(shifted.sum(axis=1, keepdims=True)))


def _smoothed(counts: FloatArray, smoothing: float) -> FloatArray:
    shifted = counts + smoothing
    return shifted / shifted.sum(axis=1, keepdims=True)
