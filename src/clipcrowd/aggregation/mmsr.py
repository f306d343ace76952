"""M-MSR: worker skills from a robust rank-one completion of the workers' agreement matrix."""

from __future__ import annotations

from typing import Self

import numpy as np
import pandas as pd
import scipy.sparse.linalg as sla

from ._data import Answers, IntArray
from .base import BaseAggregator, FloatArray
from .majority_vote import MajorityVote

__all__ = ["MMSR"]


class MMSR(BaseAggregator):
    r"""**Matrix Mean-Subsequence-Reduced (M-MSR)**: each pair of workers with common tasks has an
    agreement rate; those rates are modelled as a rank-one matrix ``u v^T`` and completed by
    alternating updates in which every entry is the *trimmed* mean of its row's (column's) ratios:
    the ``F`` largest and ``F`` smallest values on either side of the current estimate are dropped,
    with ``F`` half the smallest number of co-workers any worker has, minus one. Trimming keeps
    adversarial workers from steering the fit. The completed reliabilities, clipped to the feasible
    range, become probabilities of a correct answer and then log-odds skills ``skills_``; labels
    are the majority vote weighted by them, and ``scores_`` (also ``probas_``) are its shares.

    The start is ``uniform(0, 1)`` draws seeded by ``random_state``, one per worker in order of first
    appearance; stops after ``n_iter`` sweeps or when ``u v^T`` moves less than ``tol`` (Frobenius).
    The completion gives magnitudes; signs come from the signs of the pairs (a negative pair: one
    of the two is adversarial): the 2-colouring of the graph in which negative pairs are edges and
    positive pairs paths of two, read off the eigenvector of its random-walk matrix for the
    eigenvalue nearest -1, oriented so that most workers are positive.

    Q. Ma and A. Olshevsky, "Adversarial Crowdsourcing Through Robust Rank-One Matrix Completion",
    NeurIPS 2020, https://arxiv.org/abs/2010.12181 .

    Example:
        >>> import pandas as pd
        >>> from clipcrowd.aggregation import MMSR
        >>> df = pd.DataFrame({"task": [1, 1, 1, 2, 2, 2, 3, 3, 3],
        ...                    "worker": ["a", "b", "c"] * 3,
        ...                    "label": ["x", "x", "y", "y", "y", "y", "x", "x", "x"]})
        >>> MMSR().fit_predict(df).to_dict()
        {1: 'x', 2: 'y', 3: 'x'}
    """

    def __init__(self, n_iter: int = 10000, tol: float = 1e-10, random_state: int | None = 0) -> None:
        self.n_iter = n_iter
        self.tol = tol
        self.random_state = random_state

    skills_: pd.Series
    scores_: pd.DataFrame
    loss_history_: list[float]

    def _fit(self, answers: Answers, gold_tasks: IntArray, gold_labels: IntArray) -> None:
        self.skills_ = self._worker_series(answers, self._skills(answers), "skill")
        self._quality = self.skills_
        self._vote(self._data)

    def fit(self, data: pd.DataFrame | Answers, true_labels: pd.Series | None = None) -> Self:
        self._data = data
        return super().fit(data, true_labels)

    def _vote(self, data: pd.DataFrame | Answers) -> None:
        vote = MajorityVote().fit(data, skills=self.skills_)
        self.labels_, self.probas_ = vote.labels_, vote.probas_
        self.scores_ = self.probas_

    def predict(self, data: pd.DataFrame) -> pd.Series:
        """Labels of answers by the fitted skills (a skill-weighted majority vote)."""
        self._vote(data)
        return self.labels_

    def predict_score(self, data: pd.DataFrame) -> pd.DataFrame:
        """Per task and label, the share of the skill-weighted vote."""
        self._vote(data)
        return self.scores_

    def fit_predict_score(self, data: pd.DataFrame) -> pd.DataFrame:
        return self.fit(data).scores_

    def _skills(self, answers: Answers) -> FloatArray:
        n_workers, n_tasks, n_labels = answers.n_workers, answers.n_tasks, answers.n_labels
        given = np.zeros((n_workers, n_tasks), dtype=np.int64)  # label code + 1; 0 = no answer
        given[answers.worker, answers.task] = answers.label + 1  # a repeated answer: the last one counts
        answered = (given > 0).astype(np.float64)
        common = answered @ answered.T
        np.fill_diagonal(common, 0.0)
        agree = np.zeros_like(common)
        for label in range(1, n_labels + 1):
            same = (given == label).astype(np.float64)
            agree += same @ same.T
        np.fill_diagonal(agree, 0.0)
        observed = common > 0
        # agreement beyond chance, scaled so that a perfect pair scores 1 and a random one 0: for
        # reliabilities s_i, s_j the expected value is s_i s_j (negative for an adversary's pairs)
        rates = np.divide(agree, common, out=np.zeros_like(agree), where=observed)
        rates = rates * n_labels / (n_labels - 1) - 1.0 / (n_labels - 1)
        magnitude = np.abs(rates)
        trim = int(np.floor(observed.sum(axis=0).min() / 2)) - 1
        import scipy.stats as sps  # here, not at the top: a quarter of every job worker's start-up

        u = sps.uniform.rvs(size=n_workers, random_state=self.random_state)
        v = u.copy()
        self.loss_history_ = []
        for _ in range(self.n_iter):
            u_prev, v_prev = u.copy(), v.copy()
            for j in range(n_workers):
                rows = observed[:, j]
                v[j] = _trimmed_mean(magnitude[rows, j] / u[rows], trim, v[j], n_tasks)
            for i in range(n_workers):
                cols = observed[i, :]
                u[i] = _trimmed_mean(magnitude[i, cols] / v[cols], trim, u[i], n_tasks)
            loss = float(np.linalg.norm(np.outer(u, v) - np.outer(u_prev, v_prev)))
            self.loss_history_.append(loss)
            if loss < self.tol:
                break
        scale = np.sqrt(np.linalg.norm(u) / np.linalg.norm(v))
        reliability = _signed(rates, u / scale)
        floor = 1.0 / np.sqrt(n_tasks)
        reliability = np.clip(reliability, -1.0 / max(n_labels - 1, 1) + floor, 1.0 - floor)
        correct = reliability * (n_labels - 1) / n_labels + 1.0 / n_labels
        with np.errstate(divide="ignore"):
            return np.asarray(np.log(correct * (n_labels - 1) / (1.0 - correct)), dtype=np.float64)


def _trimmed_mean(values: FloatArray, trim: int, current: float, n_tasks: int) -> float:
    """Mean of ``values`` without its ``trim`` lowest values below ``current`` and ``trim`` highest
    above it (where fewer lie on a side, that side keeps none of them); ``current`` when nothing
    is left."""
    y = np.sort(values)
    y = y[y >= current] if np.count_nonzero(y < current) < trim else y[trim:]
    y = y[y <= current] if np.count_nonzero(y > current) < trim else y[: len(y) - trim]
    if len(y) == 0:
        return current
    if len(y) == 1 and y[0] == 0:
        return 1.0 / np.sqrt(n_tasks)
    return float(y.mean())



def _signed(rates: FloatArray, magnitudes: FloatArray) -> FloatArray:
    """Reliabilities with signs: ``magnitudes`` signed by the 2-colouring of the sign graph of
    ``rates`` (workers whose rates sum to 0 get 0)."""
    signed = np.zeros_like(magnitudes)
    valid = np.flatnonzero(rates.sum(axis=1) != 0)
    if len(valid) == 0:
        return signed
    sign = np.sign(rates[np.ix_(valid, valid)])
    k = len(valid)
    first, second = np.nonzero(np.triu(sign == 1))  # positive pairs: joined through a node of their own
    sign[sign == 1] = 0
    links = np.zeros((len(first), k))
    np.add.at(links, (np.arange(len(first)), first), 1.0)
    np.add.at(links, (np.arange(len(first)), second), 1.0)
    graph = np.block([[np.abs(sign), links.T], [links, np.zeros((len(first), len(first)))]])
    with np.errstate(divide="ignore", invalid="ignore"):
        walk = graph / graph.sum(axis=1, keepdims=True)
    _, vectors = sla.eigs(walk + np.eye(graph.shape[0]), 1, which="SM")
    colour = np.sign(vectors.real[:k, 0])
    signed[valid] = np.sign(colour.sum()) * magnitudes[valid] * colour
    return signed
