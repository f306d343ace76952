"""Dawid-Skene with latent subtypes of each true class (EBCC) against issue #14's goal.

The goal: on every real set of tests/data/crowd, default DS >= crowd-kit's DS - 0.3 points and >= MV,
mean above crowd-kit's. The default (``prior_strength=2``, ``tol=1e-2``) meets it on 11 of 14 sets;
on zencrowd_us two dominant workers make *correlated* false positives on class-0 tasks, which DS's
conditional independence cannot represent (docs/aggregation.md). EBCC (Li, Rubinstein and Cohn,
"Exploiting Worker Correlation for Label Aggregation in Crowdsourcing", ICML 2019) can: each task
has a true class ``k`` and a latent subtype ``m`` in ``1..M`` of it; each worker has a confusion row
per (k, m); the answers are independent given (k, m), not given k, so tasks of class 0 that "look
like" class 1 can get their own subtype and the joint false positives of two workers are explained
by it instead of counting as two independent votes. Priors: Dirichlet on every (worker, k, m) row
over the given labels, on the class prior ``tau`` and on each class's subtype weights ``pi_k``.
Fitted by mean-field variational Bayes, q(z, g) q(v) q(pi) q(tau); labels are the argmax over k of
``sum_m q(z = k, g = m)``. With M = 1 it is Bayesian (VB) Dawid-Skene. The code is our own, from
the paper's model; its published run (``num_groups=10, a_pi=0.1, a_v=4, b_v=1``, class prior
from the vote shares, 40 random starts kept by ELBO) fixed the hyperparameters below.

The grid, fixed before any accuracy was computed (20 points, plus 4 rules that choose M per set):

- M (subtypes per class): 1, 2, 3, 4, 10 (10: EBCC's published setting).
- Worker prior, per (worker, k, m) row over the given labels:
  ``ebcc``: Dirichlet with 4 pseudo-answers on the given = true entry and 1 on each other (EBCC's
  ``a_v=4, b_v=1``);
  ``pooled``: 2 pseudo-answers toward the other workers' pooled row of the same (k, m) (plus 1/K
  per cell before normalising: the library default's empirical-Bayes prior, per subtype).
- Subtype weights: Dirichlet(0.1 / M) per class (EBCC's ``a_pi=0.1``: unused subtypes die out).
  Class prior: Dirichlet with ``alpha_k`` = the sum over tasks of the majority-vote shares
  (EBCC's ``empirical_prior=True``, as in its published runs).
- Start: class posteriors = majority-vote shares; each task's mass split over the subtypes by a
  Dirichlet(1) draw (EBCC's start). M = 1: one run (deterministic). M > 1: 10 random starts
  (seeds 0..9, ``numpy.random.default_rng(seed)``), the one with the largest ELBO kept (EBCC's
  notebook keeps the best of 40; 10 for CPU).
- Stop: ``converged``: EBCC's rule, no class posterior moves by more than 1e-3 in an iteration,
  at most 500 iterations; ``tol``: the library default's rule on the ELBO, a gain below 1e-2 per
  free parameter (``W K M (K - 1) + K (M - 1) + K - 1``), or ``converged`` if that comes first.
  Both come from one run (the ``tol`` state is recorded when its rule first fires).
- ELBO rules (no gold): for each (worker prior, stop), M chosen per set as the one whose kept fit
  has the largest ELBO (the full bound, with the Dirichlet normalisers, so fits with different M
  compare). The primary one, fixed beforehand: ``ebcc`` prior, ``converged`` stop.

Scoring, as bench/ds_goal_tried.py: leave-one-set-out (LOSO) over its base grid (the pooled prior at
1, 2, 4 pseudo-answers, ``tol`` 3e-2, 1e-2, 3e-3: holds today's default) plus the 24 points above;
per held-out set the point with the best mean accuracy on the other 13 is scored on it. Gold only
scores. Reported: per-set accuracy for the LOSO choice and the primary ELBO rule, the mean, sets
meeting the goal (both conditions), the misses and their margins, the expected count of sets meeting
the goal under 2,000 paired bootstrap draws of each set's gold tasks; then CPU seconds per fit against
the default DS on d_product and sp.

The ELBO: with q(v), q(pi), q(tau) at their optimum for the current q(z, g) (conjugate updates),
``ELBO = sum over Dirichlet factors of log B(prior + expected counts) - log B(prior) + H(q(z, g))``.

    .venv/bin/python bench/ds_subtypes.py
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.ds_goal_tried import RESAMPLES, SLACK, correct, families, goal  # noqa: E402
from tests.aggregation.realdata import FIRST_FOURTEEN as DATASETS  # noqa: E402

from clipcrowd.aggregation import DawidSkene  # noqa: E402
from clipcrowd.aggregation._data import Answers, encode_answers  # noqa: E402
from clipcrowd.aggregation.dawid_skene import _task_matrix, _vote_shares  # noqa: E402

SUBTYPES = (1, 2, 3, 4, 10)
PRIORS = ("ebcc", "pooled")
STOPS = ("converged", "tol")
RESTARTS = 10
A_PI, A_V, B_V = 0.1, 4.0, 1.0  # EBCC's published hyperparameters
POOLED_STRENGTH = 2.0  # the library default's pseudo-answers per row
TOL = 1e-2  # the library default's ELBO gain per free parameter
CONVERGED = 1e-3  # EBCC's largest change of a class posterior
MAX_ITER = 500
PRIMARY = ("ebcc", "converged")


def _log_beta(a: np.ndarray, axis: int) -> np.ndarray:
    """log of the multivariate Beta function along ``axis``."""
    return np.asarray(gammaln(a).sum(axis=axis) - gammaln(a.sum(axis=axis)))


class Fit:
    """One VB run of EBCC on encoded answers: ``states[stop] = (class posteriors, ELBO, iterations)``."""

    def __init__(self, answers: Answers, matrix: Any, subtypes: int, prior: str, seed: int) -> None:
        k, w, t, m = answers.n_labels, answers.n_workers, answers.n_tasks, subtypes
        self.k, self.w, self.m, self.prior = k, w, m, prior
        self.matrix, self.transposed = matrix, matrix.T.tocsr()
        shares = _vote_shares(matrix, w, k)
        self.alpha = shares.sum(axis=0)  # EBCC's empirical class prior
        split = np.random.default_rng(seed).dirichlet(np.ones(m), size=(t, k)) if m > 1 else np.ones((t, k, 1))
        zg = (shares[:, :, None] * split).reshape(t, k * m)
        self.beta = np.full((k, k), B_V) + np.eye(k) * (A_V - B_V)  # (given, true)
        n_free = w * k * m * (k - 1) + k * (m - 1) + k - 1
        self.states: dict[str, tuple[np.ndarray, float, int]] = {}
        last = -np.inf
        for it in range(1, MAX_ITER + 1):
            elbo, scores = self._bound(zg)
            if "tol" not in self.states and it > 1 and elbo - last < TOL * n_free:
                self.states["tol"] = (zg.reshape(t, k, m).sum(axis=2), elbo, it)
            last = elbo
            scores -= scores.max(axis=1, keepdims=True)
            new = np.exp(scores)
            new /= new.sum(axis=1, keepdims=True)
            moved = float(np.abs(new.reshape(t, k, m).sum(axis=2) - zg.reshape(t, k, m).sum(axis=2)).max())
            zg = new
            if moved < CONVERGED:
                break
        elbo, _ = self._bound(zg)
        self.states["converged"] = (zg.reshape(t, k, m).sum(axis=2), elbo, it)
        self.states.setdefault("tol", self.states["converged"])

    def _bound(self, zg: np.ndarray) -> tuple[float, np.ndarray]:
        """The ELBO at q(z, g) = ``zg`` (with the parameter posteriors at their optimum for it) and the
        E-step's log scores (tasks, K M) for the next q(z, g)."""
        k, w, m = self.k, self.w, self.m
        counts = np.asarray(self.transposed @ zg).reshape(w, k, k, m)  # (worker, given, true, subtype)
        if self.prior == "ebcc":
            prior = np.broadcast_to(self.beta[None, :, :, None], counts.shape)
        else:
            others = counts.sum(axis=0) - counts + 1.0 / k
            prior = POOLED_STRENGTH * others / others.sum(axis=1, keepdims=True)
        mu = prior + counts
        weights = zg.reshape(-1, k, m).sum(axis=0)  # (true, subtype)
        eta = A_PI / m + weights
        nu = self.alpha + weights.sum(axis=1)
        safe = np.clip(zg, 1e-300, None)
        elbo = float((_log_beta(mu, 1) - _log_beta(np.asarray(prior), 1)).sum()
                     + (_log_beta(eta, 1) - _log_beta(np.full_like(eta, A_PI / m), 1)).sum()
                     + _log_beta(nu, 0) - _log_beta(self.alpha, 0)
                     - (zg * np.log(safe)).sum())
        log_v = digamma(mu) - digamma(mu.sum(axis=1, keepdims=True))
        log_pi = digamma(eta) - digamma(eta.sum(axis=1, keepdims=True))
        log_tau = digamma(nu) - digamma(nu.sum())
        scores = np.asarray(self.matrix @ log_v.reshape(w * k, k * m)) + (log_pi + log_tau[:, None]).ravel()
        return elbo, scores


def fit_set(data: pd.DataFrame, subtypes: int, prior: str) -> dict[str, tuple[pd.Series, float]]:
    """Per stop: (labels, ELBO) of the kept run (best ELBO of the restarts)."""
    answers = encode_answers(data)
    matrix = _task_matrix(answers)
    runs = [Fit(answers, matrix, subtypes, prior, seed) for seed in range(RESTARTS if subtypes > 1 else 1)]
    out = {}
    for stop in STOPS:
        posteriors, elbo, _ = max((run.states[stop] for run in runs), key=lambda s: s[1])
        labels = pd.Series(answers.labels.take(posteriors.argmax(axis=1)), index=answers.tasks)
        out[stop] = (labels, elbo)
    return out


def point(prior: str, stop: str, m: int | str) -> str:
    return f"ebcc: prior={prior} stop={stop} M={m}"


def main() -> None:
    data, theirs, votes, crowdkit, vote, floor = goal()

    hits: dict[str, dict[str, np.ndarray]] = {}
    base = next(iter(families().values()))
    for label, make in base.items():
        hits[f"base: {label}"] = {n: correct(make().fit_predict(a), g) for n, (a, g) in data.items()}
    elbos: dict[tuple[str, str, int], dict[str, float]] = {}
    for prior, m in itertools.product(PRIORS, SUBTYPES):
        start = time.process_time()
        for stop in STOPS:
            hits[point(prior, stop, m)], elbos[prior, stop, m] = {}, {}
        for name, (answers, gold) in data.items():
            for stop, (labels, elbo) in fit_set(answers, m, prior).items():
                hits[point(prior, stop, m)][name] = correct(labels, gold)
                elbos[prior, stop, m][name] = elbo
        print(f"fitted prior={prior} M={m} on 14 sets: {time.process_time() - start:.0f} s CPU", flush=True)
    chosen_m: dict[tuple[str, str], dict[str, int]] = {}
    for prior, stop in itertools.product(PRIORS, STOPS):
        chosen_m[prior, stop] = {n: max(SUBTYPES, key=lambda m: elbos[prior, stop, m][n]) for n in DATASETS}
        hits[point(prior, stop, "ELBO")] = {n: hits[point(prior, stop, m)][n] for n, m in chosen_m[prior, stop].items()}
    table = pd.DataFrame({p: {n: h.mean() for n, h in sets.items()} for p, sets in hits.items()}).T[list(DATASETS)]

    def misses(row: pd.Series) -> str:
        return ", ".join(f"{n} ({100 * (row[n] - crowdkit[n] + SLACK):+.2f}/{100 * (row[n] - vote[n]):+.2f})"
                         for n in DATASETS if row[n] < floor[n])

    print(f"\ncrowd-kit's DS mean {100 * crowdkit.mean():.3f}; goal: DS >= crowd-kit - 0.3 and >= MV on every set")
    print("every point (mean, sets meeting the goal, misses as (to crowd-kit - 0.3 / to MV) in points):")
    for label, row in table.iterrows():
        print(f"  {label:48s} mean {100 * row.mean():.3f}  met {int((row >= floor).sum()):2d}  {misses(row)}")
    print("\naccuracy per point and set (percent):")
    short = {"d_product": "d_prod", "d_possent": "d_pos", "bluebirds": "bbirds", "zencrowd_in": "zc_in",
             "zencrowd_us": "zc_us"}
    print((100 * table).rename(columns=short, index=lambda p: p.replace("ebcc: ", "")).round(2).to_string())
    for (prior, stop), ms in chosen_m.items():
        print(f"M by ELBO, prior={prior} stop={stop}: " + ", ".join(f"{n} {m}" for n, m in ms.items()))

    picks = [table[[n for n in DATASETS if n != held]].mean(axis=1).idxmax() for held in DATASETS]
    loso = pd.Series({held: table.loc[pick, held] for held, pick in zip(DATASETS, picks, strict=True)})
    primary = table.loc[point(*PRIMARY, "ELBO")]
    default = table.loc["base: strength=2.0 tol=0.01"]
    print("\nleave-one-set-out over base + EBCC (per held-out set, the best mean on the other 13):")
    for held, pick in zip(DATASETS, picks, strict=True):
        print(f"  held out {held:11s}: {pick}")
    side = pd.DataFrame({"LOSO": loso, "ELBO rule (primary)": primary,
                         "M (primary)": pd.Series(chosen_m[PRIMARY], dtype=float),
                         "default DS": default, "crowd-kit DS": crowdkit, "MV": vote})
    for col in ("LOSO", "ELBO rule (primary)", "default DS", "crowd-kit DS", "MV"):
        side[col] = 100 * side[col]
    side.loc["mean"] = side.mean()
    print(side.round(2).to_string())
    for what, row in (("LOSO", loso), ("ELBO rule (primary)", primary), ("default", default)):
        print(f"  {what:20s} mean {100 * row.mean():.3f}  met {int((row >= floor).sum()):2d}  missed: {misses(row)}")

    print(f"\nexpected sets meeting the goal ({RESAMPLES} paired bootstrap draws of each set's gold tasks):")
    rng = np.random.default_rng(0)
    draws = {n: rng.integers(0, len(g), (RESAMPLES, len(g))) for n, (_, g) in data.items()}
    most = pd.Series(picks).value_counts().index[0]
    for what, label in (("default", "base: strength=2.0 tol=0.01"), (f"LOSO's most chosen ({most})", most),
                        ("ELBO rule (primary)", point(*PRIMARY, "ELBO")),
                        *((f"ELBO rule {p}/{s}", point(p, s, "ELBO")) for p, s in chosen_m if (p, s) != PRIMARY)):
        expected = 0.0
        for n, draw in draws.items():
            ours = hits[label][n][draw].mean(axis=1)
            ok = (ours >= theirs[n][draw].mean(axis=1) - SLACK - 1e-9) & (ours >= votes[n][draw].mean(axis=1) - 1e-9)
            expected += float(ok.mean())
        print(f"  {what:60s} {expected:5.2f}")

    print("\nCPU seconds per fit (median of 3; one VB run, and the kept-of-10 restarts for M > 1):")
    for name in ("d_product", "sp"):
        answers = data[name][0]
        default_cpu = _cpu(lambda: DawidSkene().fit(answers))  # noqa: B023 - called at once
        print(f"  {name}: default DS {default_cpu:.3f} s")
        encoded = encode_answers(answers)
        matrix = _task_matrix(encoded)
        for prior, m in itertools.product(PRIORS, SUBTYPES):
            one = _cpu(lambda: Fit(encoded, matrix, m, prior, 0))  # noqa: B023 - called at once
            iters = Fit(encoded, matrix, m, prior, 0).states
            print(f"    prior={prior:6s} M={m:2d}: one run {one:.3f} s ({iters['tol'][2]} / {iters['converged'][2]}"
                  f" iterations to tol / converged); with restarts {one * (RESTARTS if m > 1 else 1):.2f} s")


def _cpu(run: Any) -> float:
    times = []
    for _ in range(3):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return float(np.median(times))


if __name__ == "__main__":
    main()
