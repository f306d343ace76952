"""Choose Dawid-Skene's model per data set from the answers alone: k-fold held-out likelihood.

An experiment, not a default (docs/aggregation.md, "Choosing the model from the answers"): for each
data set of tests/data/crowd the answers are split into 5 folds at random; each candidate model is
fitted on four and scores the fifth by the predictive probability of every held-out answer,
``sum_z P(true = z | the task's other answers) * P(answer | true = z, worker)`` (a worker absent
from the training folds gets the mean matrix, a task with no answer left the class priors). No gold
label is seen; the candidate with the best held-out log-likelihood per answer is "selected", and the
table shows its accuracy on gold next to every candidate's and crowd-kit's. The candidates, simplest
first: the equal-skill model (one accuracy for everybody, uniform class priors: its labels are
majority vote's), one-coin DS (ours, and crowd-kit's maximum-likelihood version), DS with the pooled
prior at strengths 0 (maximum likelihood) to 16, and DS with the prior's strength set per true label
by its evidence (type-II maximum likelihood of a Dirichlet-multinomial over the workers' expected
counts: no constant at all).

    .venv/bin/python bench/ds_model_select.py
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from scipy.special import gammaln

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.aggregation.realdata import FIRST_FOURTEEN as DATASETS  # noqa: E402
from tests.aggregation.realdata import accuracy, crowdkit_accuracy, load  # noqa: E402

from clipcrowd.aggregation import DawidSkene, MajorityVote, OneCoinDawidSkene  # noqa: E402

FOLDS = 5
#: (task posteriors, worker -> (given, true) matrix, mean matrix, class priors)
Fit = tuple[pd.DataFrame, dict[Any, np.ndarray], np.ndarray, np.ndarray]


class _Keep:
    """Keeps the full (workers, given, true) matrices that ``errors_`` shows only in part."""

    matrices: np.ndarray
    worker_index: pd.Index

    def _store(self, answers: Any, posteriors: Any, priors: Any, errors: Any) -> None:
        super()._store(answers, posteriors, priors, errors)  # type: ignore[misc]
        self.matrices, self.worker_index = errors, answers.workers


class FullDS(_Keep, DawidSkene):
    pass


class OneCoin(_Keep, OneCoinDawidSkene):
    """One-coin DS at its first defaults (``tol=3e-4``, Beta(2, 1)), which the numbers in
    docs/aggregation.md were measured with; bench/one_coin_cv.py chose today's."""

    def __init__(self, tol: float = 3e-4, skill_prior: tuple[float, float] = (2.0, 1.0), **kwargs: Any) -> None:
        super().__init__(tol=tol, skill_prior=skill_prior, **kwargs)


class EvidenceDS(FullDS):
    """The pooled prior with its strength per true label chosen by the evidence at every M-step."""

    def _pseudo_counts(self, counts: np.ndarray) -> np.ndarray | None:
        n_workers, k, _ = counts.shape
        if n_workers < 2:
            return None
        others = counts.sum(axis=0) - counts + 1.0 / k
        mean = others / others.sum(axis=1, keepdims=True)
        totals = counts.sum(axis=1)
        strength = np.empty(k)
        for z in range(k):
            c, m, n = counts[:, :, z], mean[:, :, z], totals[:, z]

            def minus_evidence(log_a: float, c: np.ndarray = c, m: np.ndarray = m, n: np.ndarray = n) -> float:
                a = np.exp(log_a)
                return float(-(gammaln(a) - gammaln(a + n) + (gammaln(a * m + c) - gammaln(a * m)).sum(axis=1)).sum())

            strength[z] = np.exp(minimize_scalar(minus_evidence, bounds=(-5.0, 8.0), method="bounded").x)
        return np.asarray(strength[None, None, :] * mean)


def equal_skill(train: pd.DataFrame, labels: np.ndarray) -> Fit:
    """One accuracy ``p`` for every worker, wrong answers spread evenly, uniform class priors (EM)."""
    tasks, task_codes = np.unique(train["task"].to_numpy(), return_inverse=True)
    given = np.searchsorted(labels, train["label"].to_numpy())
    k = len(labels)
    votes = np.zeros((len(tasks), k))
    np.add.at(votes, (task_codes, given), 1.0)
    posteriors = votes / votes.sum(axis=1, keepdims=True)
    for _ in range(50):
        p = float(np.clip((votes * posteriors).sum() / votes.sum(), 1e-6, 1 - 1e-6))
        scores = votes * np.log(p * (k - 1) / (1 - p))
        posteriors = np.exp(scores - scores.max(axis=1, keepdims=True))
        posteriors /= posteriors.sum(axis=1, keepdims=True)
    matrix = np.full((k, k), (1 - p) / max(k - 1, 1))
    np.fill_diagonal(matrix, p)
    return (pd.DataFrame(posteriors, index=tasks, columns=labels), dict.fromkeys(train["worker"].unique(), matrix),
            matrix, np.full(k, 1.0 / k))


def fitted(model: _Keep, train: pd.DataFrame) -> Fit:
    model.fit(train)  # type: ignore[attr-defined]
    matrices = dict(zip(model.worker_index, model.matrices, strict=True))
    return (model.probas_, matrices, model.matrices.mean(axis=0),  # type: ignore[attr-defined]
            model.priors_.to_numpy())  # type: ignore[attr-defined]


def held_out_loglik(fit: Fit, test: pd.DataFrame, labels: np.ndarray) -> float:
    posteriors_by_task, matrices, mean, priors = fit
    posteriors = posteriors_by_task.reindex(test["task"].to_numpy()).to_numpy(copy=True)
    posteriors[np.isnan(posteriors).any(axis=1)] = priors
    given = np.searchsorted(labels, test["label"].to_numpy())
    rows = np.stack([matrices.get(w, mean)[g] for w, g in zip(test["worker"].to_numpy(), given, strict=True)])
    return float(np.log(np.clip((rows * posteriors).sum(axis=1), 1e-300, None)).sum())


CANDIDATES: dict[str, Callable[[], _Keep] | None] = {
    "equal skill (MV)": None,
    "one-coin": OneCoin,
    "one-coin ML": lambda: OneCoin(skill_prior=(0.0, 0.0), learn_priors=True),
    **{f"DS prior {s:g}": (lambda s=s: FullDS(prior_strength=float(s))) for s in (0, 1, 2, 4, 8, 16)},
    "DS evidence": EvidenceDS,
}


def main() -> None:
    rng = np.random.default_rng(0)
    loglik, acc = {}, {}
    for name in DATASETS:
        answers, gold = load(name)
        labels = np.sort(answers["label"].unique())
        fold = rng.integers(0, FOLDS, len(answers))
        loglik[name], acc[name] = {}, {}
        for candidate, make in CANDIDATES.items():
            total = 0.0
            for f in range(FOLDS):
                train, test = answers[fold != f], answers[fold == f]
                total += held_out_loglik(equal_skill(train, labels) if make is None else fitted(make(), train),
                                         test, labels)
            loglik[name][candidate] = total / len(answers)
            labels_ = (MajorityVote().fit_predict(answers) if make is None
                       else make().fit_predict(answers))  # type: ignore[attr-defined]
            acc[name][candidate] = 100 * accuracy(labels_, gold)
        print(f"{name}: done", file=sys.stderr, flush=True)
    ll, ac = pd.DataFrame(loglik).T, pd.DataFrame(acc).T
    chosen = ll.idxmax(axis=1)
    ac["selected"] = [ac.loc[name, chosen[name]] for name in ac.index]
    ac["ck ds"] = [100 * crowdkit_accuracy(name, "ds") for name in ac.index]
    ac.loc["mean"] = ac.mean()
    print("held-out log-likelihood per answer (5 folds over answers; higher is better):")
    print(ll.round(4).to_string())
    print("\nselected per set:", chosen.to_dict())
    print("\naccuracy on gold (%): every candidate on all answers, the selected one, crowd-kit's DS:")
    print(ac.round(2).to_string())
    mv, ds = ac["equal skill (MV)"], ac["DS prior 2"]
    goal = pd.DataFrame({"selected - (ck - 0.3)": ac["selected"] - ac["ck ds"] + 0.3,
                         "selected - MV": ac["selected"] - mv,
                         "DS evidence - (ck - 0.3)": ac["DS evidence"] - ac["ck ds"] + 0.3,
                         "DS evidence - MV": ac["DS evidence"] - mv,
                         "default - (ck - 0.3)": ds - ac["ck ds"] + 0.3, "default - MV": ds - mv})
    print("\nmargins to the goal (points; negative: missed):")
    print(goal.drop(index="mean").round(2).to_string())


if __name__ == "__main__":
    main()
