"""One-coin Dawid-Skene: one accuracy per worker instead of a full confusion matrix."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ._data import Answers
from .base import FloatArray
from .dawid_skene import EPS, DawidSkene

__all__ = ["OneCoinDawidSkene"]

#: defaults chosen by leave-one-set-out cross-validation over the eighteen real data sets of
#: tests/data/crowd (bench/one_coin_cv.py; 16 of 18 folds and the fit on all sets chose them):
#: stopping tolerance per free parameter and Beta pseudo-counts (correct, wrong) of the skill prior
TOL = 0.3
SKILL_PRIOR = (8.0, 4.0)


class OneCoinDawidSkene(DawidSkene):
    r"""**One-coin Dawid-Skene**: Dawid-Skene where worker ``w`` answers correctly with probability
    ``s_w`` whatever the true label, and otherwise picks one of the ``K - 1`` wrong labels uniformly.

    The M-step sets ``s_w = (expected correct answers + a) / (answers + a + b)`` with the Beta
    pseudo-counts ``skill_prior = (a, b)``. crowd-kit's version also re-estimates the class priors;
    on unbalanced data with biased workers that feedback collapses: on TREC relevance (s_rel) the
    most used label swallows the others and accuracy falls to 0.26 (below majority vote). Here the
    class priors stay uniform by default (``learn_priors=False``), which prevents the collapse.
    ``skill_prior=(0, 0), learn_priors=True`` is crowd-kit's plain ML update.
    Everything else (gold, stopping rule, ties) is as in :class:`DawidSkene`; ``skills_`` is ``s_w``.
    The stopping tolerance is per free parameter as there: one skill per worker (plus ``K - 1``
    class priors with ``learn_priors``).

    The defaults (``tol=0.3``, ``skill_prior=(8, 4)``, ``learn_priors=False``) were chosen by
    leave-one-set-out cross-validation over the eighteen real data sets of tests/data/crowd
    (``bench/one_coin_cv.py``: tolerances 3e-1 to 1e-6; class priors uniform, learned, or learned
    under a Dirichlet shrinking them a quarter or half way to uniform; Beta skill priors (0, 0),
    (1, 1), (2, 1), (4, 2), (8, 4) or 2, 4, 8 pseudo-answers toward the other workers' pooled
    skill): 16 of the 18 folds and the fit on all eighteen chose this point (s_rel's fold chose
    ``tol=0.1``, bluebirds' the skill prior (0, 0)). The prior is worth 12 pseudo-answers at a
    skill of 2/3, and the tolerance stops EM after 2-5 iterations: before the skills of workers
    with few answers fit noise. The first defaults (``tol=3e-4``, ``skill_prior=(2, 1)``), chosen
    on six sets, score 83.44 on the eighteen; these 83.99 (83.78 held out set by set).
    docs/aggregation.md has the table, and the sets where crowd-kit's one-coin (which learns class
    priors) does better (zencrowd_us, where 78% of gold is one class, by 2.55 points).

    Y. Zhang, X. Chen, D. Zhou and M. I. Jordan, "Spectral Methods Meet EM: A Provably Optimal
    Algorithm for Crowdsourcing", JMLR 17(102), 2016, 1-44, https://arxiv.org/abs/1406.3824 .

    Example:
        >>> import pandas as pd
        >>> from clipcrowd.aggregation import OneCoinDawidSkene
        >>> df = pd.DataFrame({"task": [1, 1, 1, 2, 2, 2, 3, 3, 3],
        ...                    "worker": ["a", "b", "c"] * 3,
        ...                    "label": [1, 1, 0, 0, 0, 1, 1, 1, 1]})
        >>> ocds = OneCoinDawidSkene().fit(df)
        >>> ocds.labels_.to_dict()
        {1: 1, 2: 0, 3: 1}
        >>> bool(ocds.skills_["a"] > ocds.skills_["c"])
        True
    """

    def __init__(
        self,
        n_iter: int = 100,
        tol: float = TOL,
        initial_error_strategy: Literal["assign", "addition"] | None = None,
        skill_prior: tuple[float, float] = SKILL_PRIOR,
        learn_priors: bool = False,
    ) -> None:
        super().__init__(n_iter=n_iter, tol=tol, initial_error_strategy=initial_error_strategy, prior_strength=0.0)
        #: Beta pseudo-counts (correct, wrong) added to every worker's expected answers.
        self.skill_prior = skill_prior
        #: re-estimate class priors as the mean posterior (crowd-kit) instead of keeping them uniform.
        self.learn_priors = learn_priors

    skills_: pd.Series

    def get_params(self) -> dict[str, object]:
        params = super().get_params()
        for inherited in ("smoothing", "prior_strength"):
            params.pop(inherited, None)
        return params

    def _m_step(self, answers: Answers, counts: FloatArray, first: bool) -> FloatArray:
        k = answers.n_labels
        counts = counts.reshape(answers.n_workers, k, k)
        if first and self._initial is not None:  # initial_error seeds the first skills, as in DawidSkene
            counts = self._initial.copy() if self.initial_error_strategy == "assign" else counts + self._initial
        correct = np.trace(counts, axis1=1, axis2=2)
        total = counts.sum(axis=(1, 2))
        a, b = self.skill_prior
        with np.errstate(invalid="ignore", divide="ignore"):
            skills = (correct + a) / (total + a + b)
        skills = np.clip(np.nan_to_num(skills, nan=1.0 / k), EPS, 1 - EPS)
        self._skills = skills
        off = (1.0 - skills) / max(k - 1, 1)
        errors = np.repeat(off, k * k).reshape(-1, k, k)
        diagonal = np.arange(k)
        errors[:, diagonal, diagonal] = skills[:, None]
        return errors

    def _n_parameters(self, answers: Answers) -> int:
        return answers.n_workers + (answers.n_labels - 1 if self.learn_priors else 0)

    def _class_priors(self, mean_posteriors: FloatArray) -> FloatArray:
        if self.learn_priors:
            return mean_posteriors
        return np.full(mean_posteriors.shape[0], 1.0 / mean_posteriors.shape[0])

    def _store(self, answers: Answers, posteriors: FloatArray, priors: FloatArray, errors: FloatArray) -> None:
        super()._store(answers, posteriors, priors, errors)
        self.skills_ = self._worker_series(answers, self._skills, "skill")
        self._quality = self.skills_
