"""MACE: multi-annotator competence estimation (workers either know the answer or spam)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import digamma

from ._data import Answers, IntArray
from .base import BaseAggregator, FloatArray, clamp_gold, log_normalize

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
    ``worker_quality_`` is the competence normalised to ``[0, 1]``.

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
        default_noise: float = 0.5,
        alpha: float = 0.5,
        beta: float = 0.5,
        random_state: int = 0,
        tol: float = 1e-6,
        init_spamming: FloatArray | None = None,
        init_thetas: FloatArray | None = None,
    ) -> None:
        if method not in ("vb", "em"):
            raise ValueError(f"MACE method must be 'vb' or 'em', got {method!r}")
        self.n_restarts = n_restarts
        self.n_iter = n_iter
        self.method = method
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
        best: tuple[float, FloatArray, FloatArray, list[float]] | None = None
        for restart in range(max(self.n_restarts, 1)):
            rng = np.random.default_rng([self.random_state, restart])
            spamming, thetas, history = self._run(answers, gold_tasks, gold_labels, rng, first=restart == 0)
            if best is None or history[-1] > best[0]:
                best = (history[-1], spamming, thetas, history)
        assert best is not None
        _, self.spamming_, self.thetas_, self.loss_history_ = best
        posteriors, _, _, _ = self._e_step(answers, self.spamming_, self.thetas_, gold_tasks, gold_labels)
        self._set_posteriors(answers, posteriors)
        competence = self.spamming_[:, 1] / self.spamming_.sum(axis=1)
        self.worker_quality_ = self._worker_series(answers, competence, "competence")
        self.thetas_frame_ = pd.DataFrame(self.thetas_, index=answers.workers, columns=answers.labels)

    def _run(
        self,
        answers: Answers,
        gold_tasks: IntArray,
        gold_labels: IntArray,
        rng: np.random.Generator,
        first: bool,
    ) -> tuple[FloatArray, FloatArray, list[float]]:
        n_workers, k = answers.n_workers, answers.n_labels
        spamming = rng.uniform(1.0, 1.0 + self.default_noise, size=(n_workers, 2))
        thetas = rng.uniform(1.0, 1.0 + self.default_noise, size=(n_workers, k))
        if first and self.init_spamming is not None:
            spamming = np.array(self.init_spamming, dtype=np.float64, copy=True).reshape(n_workers, 2)
        if first and self.init_thetas is not None:
            thetas = np.array(self.init_thetas, dtype=np.float64, copy=True).reshape(n_workers, k)
        spamming /= spamming.sum(axis=1, keepdims=True)
        thetas /= thetas.sum(axis=1, keepdims=True)
        _, loglik, spam_counts, strategy_counts = self._e_step(answers, spamming, thetas, gold_tasks, gold_labels)
        history = [loglik / answers.n_answers]
        for _ in range(self.n_iter):
            if self.method == "vb":
                spamming = _variational(spam_counts, np.array([self.alpha, self.beta]))
                thetas = _variational(strategy_counts, np.full(k, 10.0))
            else:
                spamming = _smoothed(spam_counts, 0.01 / k)
                thetas = _smoothed(strategy_counts, 0.01 / k)
            _, loglik, spam_counts, strategy_counts = self._e_step(
                answers, spamming, thetas, gold_tasks, gold_labels
            )
            history.append(loglik / answers.n_answers)
            if abs(history[-1] - history[-2]) < self.tol:
                break
        return spamming, thetas, history

    @staticmethod
    def _e_step(
        answers: Answers, spamming: FloatArray, thetas: FloatArray, gold_tasks: IntArray, gold_labels: IntArray
    ) -> tuple[FloatArray, float, FloatArray, FloatArray]:
        """Posteriors, log marginal likelihood, expected (spam, know) counts per worker and expected
        spam counts per (worker, label)."""
        task, worker, label, weight = answers.task, answers.worker, answers.label, answers.weights()
        k = answers.n_labels
        spam = spamming[worker, 0] * thetas[worker, label]
        know = spamming[worker, 1]
        log_spam = np.log(spam)
        log_gain = np.log1p(know / spam)  # log(spam + know) - log(spam): the answer is the true label
        base = np.bincount(task, weights=weight * log_spam, minlength=answers.n_tasks)
        gain = np.bincount(task * k + label, weights=weight * log_gain, minlength=answers.n_tasks * k)
        log_scores = gain.reshape(-1, k) + (base - np.log(k))[:, None]
        posteriors, log_norm = log_normalize(log_scores)
        loglik = float(log_norm.sum())
        if gold_tasks.size:
            loglik += float((log_scores[gold_tasks, gold_labels] - log_norm[gold_tasks]).sum())
            clamp_gold(posteriors, gold_tasks, gold_labels)
        knew = posteriors[task, label] * know / (spam + know)
        spammed = 1.0 - knew
        n = answers.n_workers
        spam_counts = np.stack(
            [
                np.bincount(worker, weights=weight * spammed, minlength=n),
                np.bincount(worker, weights=weight * knew, minlength=n),
            ],
            axis=1,
        )
        strategy = np.bincount(worker * k + label, weights=weight * spammed, minlength=n * k).reshape(n, k)
        return posteriors, loglik, spam_counts.astype(np.float64), strategy.astype(np.float64)


def _variational(counts: FloatArray, prior: FloatArray) -> FloatArray:
    """Variational-Bayes M-step: geometric means exp(E[log p]) under the Dirichlet posterior."""
    shifted = counts + prior
    return np.exp(digamma(shifted) - digamma(shifted.sum(axis=1, keepdims=True)))


def _smoothed(counts: FloatArray, smoothing: float) -> FloatArray:
    shifted = counts + smoothing
    return shifted / shifted.sum(axis=1, keepdims=True)
