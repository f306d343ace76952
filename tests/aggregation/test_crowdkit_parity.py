"""Quality on the real data sets of tests/data/crowd, side by side with crowd-kit 1.4.2's stored outputs.

crowd-kit's labels are kept as data (tests/data/crowd/crowdkit_expected.*, written by
bench/crowdkit_expected.py); ``pytest -m peer`` re-runs crowd-kit and checks they still hold.

1. With the same fixed iteration count (tolerance off on both sides), our labels equal crowd-kit's
   on >= 99.5% of tasks (MajorityVote: tasks without a tie); maximum-likelihood DS's on every task.
   GLAD and MACE are slow in crowd-kit, so they were recorded on the smaller sets (GLAD) and with few
   iterations.
2. With our own stopping rules, our accuracy on gold is compared with crowd-kit's defaults.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clipcrowd.aggregation import GLAD, MACE, DawidSkene, MajorityVote, OneCoinDawidSkene, Wawa

from .realdata import (
    DATASETS,
    accuracy,
    agreement,
    crowdkit_accuracy,
    crowdkit_labels,
    crowdkit_meta,
    load,
)

AGREEMENT = 0.995


@pytest.mark.parametrize("name", DATASETS)
def test_dawid_skene_same_labels_at_fixed_iterations(name: str) -> None:
    ours = DawidSkene(n_iter=20, tol=0.0, prior_strength=0.0).fit_predict(load(name)[0])
    # every task: a column a worker gave no expected answer to spreads over her own labels on both
    # sides (cf, where 275 of 461 workers gave at most 2 answers, parted on 5 of 300 tasks when ours
    # spread it over all labels)
    assert agreement(ours, crowdkit_labels(name, "ds_fixed20")) == 1.0


def renamed(answers: pd.DataFrame, name: str) -> pd.DataFrame:
    """Labels renamed to their rank in crowd-kit's majority-vote column order. crowd-kit (with
    pandas 3) breaks MV ties by the order its vote table happens to list labels, ours by sorted
    label; Wawa's skills inherit the tie decisions. With the renaming both orders coincide, and the
    comparison is of the algorithms rather than the tie rules."""
    rank = {label: code for code, label in enumerate(crowdkit_meta()["mv_order"][name])}
    return answers.assign(label=answers["label"].map(rank))


@pytest.mark.parametrize("name", DATASETS)
def test_majority_vote_and_wawa_same_labels(name: str) -> None:
    answers, _ = load(name)
    tied = crowdkit_labels(name, "mv_tied").astype(bool)
    theirs = crowdkit_labels(name, "mv")
    assert agreement(MajorityVote().fit_predict(answers), theirs[~tied]) >= AGREEMENT
    assert agreement(MajorityVote().fit_predict(renamed(answers, name)), crowdkit_labels(name, "mv_renamed")) == 1.0
    assert agreement(Wawa().fit_predict(renamed(answers, name)), crowdkit_labels(name, "wawa_renamed")) >= AGREEMENT


@pytest.mark.parametrize("name", crowdkit_meta()["runs"]["glad_fixed10"]["datasets"])
def test_glad_same_labels_at_fixed_iterations(name: str) -> None:
    answers, _ = load(name)
    theirs = crowdkit_labels(name, "glad_fixed10")
    assert agreement(GLAD(n_iter=10, tol=0.0).fit_predict(answers), theirs) >= AGREEMENT
    # crowd-kit's own M-step solver on our objective follows it at least as closely
    assert agreement(GLAD(n_iter=10, tol=0.0, m_step="cg").fit_predict(answers), theirs) >= AGREEMENT


def canonical(answers: pd.DataFrame) -> pd.DataFrame:
    """crowd-kit's MACE indexes per-worker arrays by first-appearance codes but fills them from
    groupby results in sorted order; with worker and label codes whose first-appearance order is
    also their sorted order, both agree, and the comparison is fair."""
    worker, _ = pd.factorize(answers["worker"])
    label, _ = pd.factorize(answers["label"])
    return pd.DataFrame({"task": answers["task"].to_numpy(), "worker": worker, "label": label})


@pytest.mark.parametrize("name", DATASETS)
def test_mace_same_labels_from_the_same_start(name: str) -> None:
    answers = canonical(load(name)[0])
    n_workers, n_labels = answers["worker"].nunique(), answers["label"].nunique()
    import scipy.stats as sps  # here: at the top, every test process paid its import (about 1 s) to collect

    # crowd-kit's start: uniform(1, 2.5) draws seeded with random_state=0, rows normalised
    spamming = sps.uniform(1, 1.5).rvs(size=(n_workers, 2), random_state=0)
    thetas = sps.uniform(1, 1.5).rvs(size=(n_workers, n_labels), random_state=0)
    ours = MACE(
        n_restarts=1, n_iter=20, tol=0.0,
        init_spamming=spamming / spamming.sum(axis=1, keepdims=True),
        init_thetas=thetas / thetas.sum(axis=1, keepdims=True),
    ).fit_predict(answers)
    assert agreement(ours, crowdkit_labels(name, "mace_fixed20")) >= AGREEMENT


#: sets where DS misses the goal (>= crowd-kit's DS - 0.3 points, >= MV), with the measured shortfall
#: in points (bench/ds_prior_cv.py; docs/aggregation.md says why), for the default (the
#: cross-validated prior, ``prior_strength=2``, ``tol=1e-2``) and for crowd-kit's maximum-likelihood
#: model (``prior_strength=0``). The test holds each to its measured margin, so a change can only
#: narrow it, and fails once a set stops missing, so that the table (and the docs) get updated.
SHORTFALL: dict[str, dict[str, dict[str, float]]] = {
    "default": {
        "adult": {"crowdkit": 0.001},  # one gold task of 333 below crowd-kit (0.3003 points)
        "cf": {"mv": 1.34},  # four gold tasks of 300 below MV (266 vs 270 right)
        "cf_amt": {"mv": 0.34},  # one gold task of 300 below MV
        "zencrowd_us": {"crowdkit": 1.08, "mv": 4.52},  # no DS setting comes near MV: docs/aggregation.md
    },
    "ml": {
        "cf": {"mv": 6.34},  # 19 gold tasks of 300 below MV (crowd-kit's DS is further below)
        "cf_amt": {"crowdkit": 0.04, "mv": 1.01},  # one gold task of 300 below crowd-kit's DS
        "d_product": {"crowdkit": 0.10},  # 8 gold tasks of 8,315 below crowd-kit's DS - 0.3
        "s_rel": {"crowdkit": 0.29},
        "zencrowd_us": {"crowdkit": 1.03, "mv": 4.47},
    },
}
GOAL_SLACK = 0.003  # crowd-kit's DS minus 0.3 points
SETTINGS = {"default": {}, "ml": {"prior_strength": 0.0}}
#: one-coin DS below crowd-kit's one-coin DS (points): ours keeps class priors uniform and a (8, 4)
#: skill prior with ``tol=0.3`` by default (chosen by leave-one-set-out cross-validation:
#: bench/one_coin_cv.py), which loses here (zencrowd: 78% of gold is one class); ``learn_priors=True,
#: skill_prior=(0, 0)`` gives 86.00, 91.58, 78.82 and 89.95 on cf_amt, sp and the zencrowds; cf and
#: sp_amt: one gold task each. The cross-validated defaults narrowed zencrowd_us (4.18 with the first
#: defaults) and widened zencrowd_in (1.87: 38 gold tasks of 2,040 below, now 45); a later change may
#: narrow a miss, not widen it
ONE_COIN_SHORTFALL = {"cf": 0.34, "cf_amt": 1.01, "sp": 0.05, "sp_amt": 0.2, "zencrowd_in": 2.21, "zencrowd_us": 2.55}

Fits = dict[tuple[str, str], tuple[float, int]]


@pytest.fixture(scope="module")
def fits() -> Fits:
    """(setting, set) -> (DS accuracy, iterations); ("mv", set) -> (MV accuracy, 0); fitted once."""
    out: Fits = {}
    for name in DATASETS:
        answers, gold = load(name)
        out["mv", name] = (accuracy(MajorityVote().fit_predict(answers), gold), 0)
        for setting, params in SETTINGS.items():
            ds = DawidSkene(**params).fit(answers)
            out[setting, name] = (accuracy(ds.labels_, gold), ds.n_iter_)
    return out


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("name", DATASETS)
def test_dawid_skene_accuracy_goal(name: str, setting: str, fits: Fits) -> None:
    """DS within 0.3 points of crowd-kit's DawidSkene(n_iter=100) and never below majority vote, on
    every set but the documented misses, which may not widen."""
    mine, n_iter = fits[setting, name]
    assert n_iter <= 100
    missed = SHORTFALL[setting].get(name, {})
    to_crowdkit = mine - (crowdkit_accuracy(name, "ds") - GOAL_SLACK)
    to_vote = mine - fits["mv", name][0]
    assert to_crowdkit >= -missed.get("crowdkit", 0.0) / 100 - 1e-9
    assert to_vote >= -missed.get("mv", 0.0) / 100 - 1e-9
    if "crowdkit" in missed:
        assert to_crowdkit < 0, f"{name} now meets the crowd-kit goal: drop it from SHORTFALL and the docs"
    if "mv" in missed:
        assert to_vote < 0, f"{name} now meets the MV goal: drop it from SHORTFALL and the docs"


@pytest.mark.parametrize("setting", SETTINGS)
def test_dawid_skene_mean_accuracy_above_crowdkit(setting: str, fits: Fits) -> None:
    ours = np.mean([fits[setting, n][0] for n in DATASETS])
    theirs = np.mean([crowdkit_accuracy(n, "ds") for n in DATASETS])
    assert ours > theirs


@pytest.mark.parametrize("name", DATASETS)
def test_one_coin_does_not_collapse(name: str, fits: Fits) -> None:
    answers, gold = load(name)
    ours = accuracy(OneCoinDawidSkene().fit_predict(answers), gold)
    assert ours >= crowdkit_accuracy(name, "one_coin_ds") - ONE_COIN_SHORTFALL.get(name, 0.0) / 100 - 1e-9
    assert ours >= fits["mv", name][0] - 0.07
