"""Choose OneCoinDawidSkene's constants by leave-one-set-out cross-validation (issue #14).

The procedure of ``bench/ds_prior_cv.py`` (whose data helpers it imports), for one-coin DS over all
eighteen real sets of tests/data/crowd: every grid point is fitted on every set; for each held-out
set the point with the best mean accuracy on the other seventeen is chosen (the first maximum in the
grid's order on ties) and scored on the held-out one (its LOSO accuracy); the point best on all
eighteen together is the candidate default. The grid was fixed before any of it was scored:

- ``tol`` (log-likelihood gain per free parameter, as DawidSkene's): 3e-1, 1e-1, 3e-2, 1e-2,
  3e-3, 1e-3, 3e-4 (the first default), 1e-4, 1e-5, 1e-6 (convergence); ``n_iter=100``.
- class priors (the outer of the two model levels):
  ``uniform`` (kept uniform, ``learn_priors=False``: the first default);
  ``learned`` (the mean posterior, ``learn_priors=True``: crowd-kit's M-step);
  ``dir0.25`` and ``dir0.5``: learned under a symmetric Dirichlet worth ``n_tasks * w / (1 - w)``
  pseudo-tasks, i.e. the MAP priors are ``(1 - w) * mean posterior + w / K`` for ``w`` = 0.25, 0.5
  (a prior whose weight grows with the set, so that it still counts on sets of 10,000 tasks).
- skill prior (the inner level), Beta pseudo-counts (correct, wrong) added at every M-step:
  ``(0, 0)`` (maximum likelihood, crowd-kit's), ``(1, 1)``, ``(2, 1)`` (the first default), ``(4, 2)``,
  ``(8, 4)``; and ``pooled2``, ``pooled4``, ``pooled8``: empirical Bayes, a Beta worth 2, 4 or 8
  pseudo-answers whose mean is the pooled skill of the *other* workers (their expected correct
  answers over their answers, re-estimated at every M-step, as DawidSkene's pooled prior; a lone
  worker has no others and no prior).

10 x 4 x 8 = 320 points on 18 sets. Prints the accuracy of every point, the best points, each
fold's choice, how often each point was chosen, and the per-set table of docs/aggregation.md: LOSO,
the first default (``tol=3e-4``, uniform, (2, 1)), the point chosen on all sets, ``OneCoinDawidSkene()``
as it now stands (the chosen point since 30 November 2026), crowd-kit's one-coin (its stored
outputs), MV.

    PYTHONPATH=src:. .venv/bin/python bench/one_coin_cv.py
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.ds_prior_cv import TOLS, accuracy, read  # noqa: E402
from tests.aggregation.realdata import DATASETS, FIRST_FOURTEEN, crowdkit_accuracy  # noqa: E402

from clipcrowd.aggregation import MajorityVote, OneCoinDawidSkene  # noqa: E402
from clipcrowd.aggregation._data import Answers  # noqa: E402
from clipcrowd.aggregation.base import FloatArray  # noqa: E402
from clipcrowd.aggregation.dawid_skene import EPS  # noqa: E402

#: class priors: None uniform; 0.0 learned (maximum likelihood); w > 0 learned, shrunk by w toward uniform
CLASS_PRIORS = {"uniform": None, "learned": 0.0, "dir0.25": 0.25, "dir0.5": 0.5}
#: skill priors: (a, b) fixed Beta pseudo-counts, or a strength toward the other workers' pooled skill
SKILL_PRIORS: dict[str, tuple[float, float] | float] = {
    "(0,0)": (0.0, 0.0), "(1,1)": (1.0, 1.0), "(2,1)": (2.0, 1.0), "(4,2)": (4.0, 2.0), "(8,4)": (8.0, 4.0),
    "pooled2": 2.0, "pooled4": 4.0, "pooled8": 8.0,
}
#: the first defaults, chosen on the six original sets (before this cross-validation)
FIRST_DEFAULT = (3e-4, "uniform", "(2,1)")


class GridOneCoin(OneCoinDawidSkene):
    """One-coin DS with the grid's two extra priors: a pooled (empirical-Bayes) skill prior and a
    Dirichlet prior on the learned class priors. Bench only."""

    def __init__(self, tol: float, class_prior: float | None, skill: tuple[float, float] | float) -> None:
        fixed = skill if isinstance(skill, tuple) else (0.0, 0.0)
        super().__init__(tol=tol, skill_prior=fixed, learn_priors=class_prior is not None)
        self.class_shrink = class_prior or 0.0
        self.pooled_strength = 0.0 if isinstance(skill, tuple) else float(skill)

    def _m_step(self, answers: Answers, counts: FloatArray, first: bool) -> FloatArray:
        if self.pooled_strength <= 0:
            return super()._m_step(answers, counts, first)
        k = answers.n_labels
        counts = counts.reshape(answers.n_workers, k, k)
        correct = np.trace(counts, axis1=1, axis2=2)
        total = counts.sum(axis=(1, 2))
        if answers.n_workers > 1:
            mean = (correct.sum() - correct + 1.0 / k) / (total.sum() - total + 1.0)
            a, b = self.pooled_strength * mean, self.pooled_strength * (1.0 - mean)
        else:
            a = b = np.zeros(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            skills = (correct + a) / (total + a + b)
        skills = np.clip(np.nan_to_num(skills, nan=1.0 / k), EPS, 1 - EPS)
        self._skills = skills
        errors = np.repeat((1.0 - skills) / max(k - 1, 1), k * k).reshape(-1, k, k)
        diagonal = np.arange(k)
        errors[:, diagonal, diagonal] = skills[:, None]
        return errors

    def _class_priors(self, mean_posteriors: FloatArray) -> FloatArray:
        priors = super()._class_priors(mean_posteriors)
        if self.learn_priors and self.class_shrink > 0:
            priors = (1.0 - self.class_shrink) * priors + self.class_shrink / priors.shape[0]
        return priors


def main() -> None:
    names = list(DATASETS)
    data = {}
    for name in names:
        gold = read(name, "gold")
        data[name] = (read(name, "answers"), gold.set_axis(gold["task"].astype(str)).loc[:, "true_label"])
    grid = list(itertools.product(TOLS, CLASS_PRIORS, SKILL_PRIORS))
    assert FIRST_DEFAULT in grid
    cells: dict[str, list[float]] = {name: [] for name in names}
    start = time.process_time()
    for (tol, classes, skill), name in itertools.product(grid, names):
        answers, gold = data[name]
        model = GridOneCoin(tol, CLASS_PRIORS[classes], SKILL_PRIORS[skill])
        cells[name].append(accuracy(model.fit_predict(answers), gold))
    cpu = time.process_time() - start
    scores = pd.DataFrame(cells, index=pd.MultiIndex.from_tuples(grid, names=["tol", "classes", "skill"]))
    pd.set_option("display.width", 250)
    print(f"{len(grid)} grid points x {len(names)} sets: {cpu:.1f} s of CPU for the fits")
    print("\naccuracy per grid point (one-coin DS, percent):")
    print((100 * scores).round(2).to_string())
    print("\nbest grid points by mean accuracy over all sets (percent):")
    print((100 * scores.mean(axis=1)).sort_values(ascending=False, kind="stable").head(12).round(3).to_string())
    print(f"the first default {FIRST_DEFAULT}: {100 * scores.loc[FIRST_DEFAULT].mean():.3f}")
    means = 100 * scores.mean(axis=1)
    print("\nmean accuracy (percent) at each model's best tolerance (tol in brackets):")
    for classes in CLASS_PRIORS:
        row = []
        for skill in SKILL_PRIORS:
            model = means.xs((classes, skill), level=("classes", "skill"))
            row.append(f"{skill} {model.max():.2f} [{model.idxmax():g}]")
        print(f"  {classes:8s} " + "  ".join(row))

    loso, chosen = choose(scores, names)
    table = pd.DataFrame({
        "one-coin LOSO": pd.Series(loso),
        "LOSO choice": pd.Series(chosen),
        "one-coin (first default)": scores.loc[FIRST_DEFAULT],
        "one-coin crowd-kit": pd.Series({n: crowdkit_accuracy(n, "one_coin_ds") for n in names}),
        "MV": pd.Series({n: accuracy(MajorityVote().fit_predict(data[n][0]), data[n][1]) for n in names}),
    })
    best = scores.mean(axis=1).idxmax()
    table["all-sets choice"] = scores.loc[best]
    table["OneCoinDawidSkene()"] = pd.Series(
        {n: accuracy(OneCoinDawidSkene().fit_predict(data[n][0]), data[n][1]) for n in names})
    numeric = [c for c in table.columns if c != "LOSO choice"]
    out = table.copy()
    out[numeric] = (100 * table[numeric]).round(2)
    out.loc["mean (18)", numeric] = (100 * table[numeric].mean()).round(2)
    out.loc["mean of the first fourteen", numeric] = (100 * table.loc[list(FIRST_FOURTEEN), numeric].mean()).round(2)
    print("\nper set (percent):")
    print(out.to_string())
    theirs = table["one-coin crowd-kit"]
    margins = pd.DataFrame({"LOSO - crowd-kit": table["one-coin LOSO"] - theirs,
                            "all-sets choice - crowd-kit": table["all-sets choice"] - theirs,
                            "first default - crowd-kit": table["one-coin (first default)"] - theirs,
                            "all-sets choice - MV": table["all-sets choice"] - table["MV"]})
    print("\nmargins (points; negative: below):")
    print((100 * margins).round(2).to_string())
    print(f"\ntotal CPU: {time.process_time():.1f} s")


def choose(scores: pd.DataFrame, names: list[str]) -> tuple[dict[str, float], dict[str, str]]:
    """Leave-one-set-out: per held-out set, the grid point best on the others, scored on it."""
    loso, chosen = {}, {}
    print("\nleave-one-set-out choices:")
    for held in names:
        others = [n for n in names if n != held]
        best = scores[others].mean(axis=1).idxmax()  # first maximum in the grid's order
        loso[held] = float(scores.loc[best, held])
        chosen[held] = f"tol={best[0]:g} {best[1]} {best[2]}"
        print(f"  held out {held:11s}: chose {chosen[held]} -> {loso[held]:.4f}")
    counts = pd.Series(chosen).value_counts()
    print("folds per choice:\n" + counts.to_string())
    best = scores.mean(axis=1).idxmax()
    print(f"chosen on all sets: tol={best[0]:g} {best[1]} {best[2]}")
    return loso, chosen


if __name__ == "__main__":
    main()
