"""Behaviour of each estimator on synthetic answers with known truth."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest

from clipcrowd.aggregation import (
    AGGREGATORS,
    GLAD,
    MACE,
    DawidSkene,
    GoldMajorityVote,
    MajorityVote,
    OneCoinDawidSkene,
    Wawa,
    ZeroBasedSkill,
)
from clipcrowd.aggregation.synthetic import make_answers

from .realdata import accuracy

Data = tuple[pd.DataFrame, pd.Series]
MODELS = [MajorityVote, Wawa, ZeroBasedSkill, DawidSkene, OneCoinDawidSkene, GLAD, MACE]


@pytest.mark.parametrize("cls", MODELS)
def test_probas_are_distributions_and_labels_their_argmax(cls: type, synthetic: Data) -> None:
    answers, truth = synthetic
    model = cls().fit(answers)
    probas = model.probas_
    np.testing.assert_allclose(probas.sum(axis=1), 1.0, atol=1e-9)
    assert list(probas.columns) == sorted(answers["label"].unique())
    assert (model.labels_ == probas.idxmax(axis=1)).all()
    assert model.worker_quality().index.equals(pd.Index(sorted(answers["worker"].unique()), name="worker"))
    assert accuracy(model.labels_, truth) > 0.8


@pytest.mark.parametrize("cls", [DawidSkene, OneCoinDawidSkene, GLAD, MACE, Wawa])
def test_beats_majority_vote_with_spammers(cls: type, synthetic: Data) -> None:
    answers, truth = synthetic
    assert accuracy(cls().fit_predict(answers), truth) > accuracy(MajorityVote().fit_predict(answers), truth)


@pytest.mark.parametrize("cls", [DawidSkene, OneCoinDawidSkene, GLAD])
def test_objective_never_decreases_and_stops_on_tol(cls: type, synthetic: Data) -> None:
    """EM never lowers its objective. DS's default prior is re-centred on the other workers at every
    M-step (not a fixed prior), so there dips below 1e-6 per answer are allowed (3e-7 measured
    here); its maximum-likelihood fit (``prior_strength=0``) is held to the EM guarantee."""
    answers, _ = synthetic
    model = cls(n_iter=500, tol=1e-7).fit(answers)
    history = np.array(model.loss_history_)
    assert (np.diff(history) >= (-1e-6 if cls is DawidSkene else -1e-9)).all()
    assert model.converged_ and model.n_iter_ < 500
    if cls is DawidSkene:
        ml = DawidSkene(n_iter=500, tol=1e-7, prior_strength=0.0).fit(answers)
        assert (np.diff(ml.loss_history_) >= -1e-9).all() and ml.converged_ and ml.n_iter_ < 500


def test_spammers_get_low_quality(synthetic: Data) -> None:
    answers, truth = synthetic
    real = answers.assign(right=answers["label"].to_numpy() == truth.reindex(answers["task"]).to_numpy())
    true_accuracy = real.groupby("worker", sort=False)["right"].mean()
    for cls in (DawidSkene, GLAD, MACE, Wawa):
        quality = cls().fit(answers).worker_quality()
        assert np.corrcoef(quality.reindex(true_accuracy.index), true_accuracy)[0, 1] > 0.8, cls


def test_ties_go_to_the_label_that_sorts_first() -> None:
    data = pd.DataFrame({"task": ["t", "t", "u", "u"], "worker": ["a", "b", "a", "b"], "label": ["z", "m", "m", "z"]})
    for method in ("mv", "wawa", "zbs"):
        assert AGGREGATORS[method]().fit_predict(data).tolist() == ["m", "m"]


def test_weights_scale_votes() -> None:
    data = pd.DataFrame({"task": ["t"] * 3, "worker": ["a", "b", "c"], "label": [0, 1, 1]})
    assert MajorityVote().fit_predict(data)["t"] == 1
    assert MajorityVote().fit_predict(data.assign(weight=[3.0, 1.0, 1.0]))["t"] == 0


def test_gold_fixes_posteriors(synthetic: Data) -> None:
    answers, truth = synthetic
    gold = truth.iloc[:200]
    flipped = (gold + 1) % 3
    for cls in (DawidSkene, OneCoinDawidSkene, GLAD, MACE):
        model = cls().fit(answers, flipped)
        assert (model.labels_.reindex(gold.index) == flipped).all(), cls
        assert (model.probas_.reindex(gold.index).max(axis=1) == 1.0).all()
    # and true gold helps the remaining tasks at least a little on average
    rest = truth.iloc[200:]
    assert accuracy(DawidSkene().fit(answers, gold).labels_, rest) >= accuracy(
        DawidSkene().fit(answers).labels_, rest
    ) - 0.005


def test_gold_majority_vote_skills_are_gold_accuracy(synthetic: Data) -> None:
    answers, truth = synthetic
    gold = truth.iloc[:300]
    model = GoldMajorityVote().fit(answers, gold)
    on_gold = answers[answers["task"].isin(gold.index)]
    expected = (on_gold["label"].to_numpy() == gold.reindex(on_gold["task"]).to_numpy())
    expected_skill = pd.Series(expected, index=on_gold["worker"]).groupby(level=0).mean()
    pd.testing.assert_series_equal(
        model.skills_.reindex(expected_skill.index), expected_skill, check_names=False
    )


def test_dawid_skene_initial_error_and_smoothing(synthetic: Data) -> None:
    answers, truth = synthetic
    workers = answers["worker"].unique()
    index = pd.MultiIndex.from_product([workers, [0, 1, 2]], names=["worker", "label"])
    # an adversarial "assign" start: every worker reported as always lying in a fixed pattern
    rolled = np.tile(np.roll(np.eye(3), 1, axis=0), (len(workers), 1)) * 0.97 + 0.01  # columns sum to 1
    bad = DawidSkene(n_iter=1, initial_error_strategy="assign").fit(
        answers, initial_error=pd.DataFrame(rolled, index=index, columns=[0, 1, 2])
    )
    good = DawidSkene(n_iter=1).fit(answers)
    assert accuracy(bad.labels_, truth) < accuracy(good.labels_, truth) - 0.3
    added = DawidSkene(initial_error_strategy="addition").fit(
        answers, initial_error=pd.DataFrame(np.tile(np.eye(3) * 5, (2, 1)), index=index[:6], columns=[0, 1, 2])
    )
    assert accuracy(added.labels_, truth) > 0.8
    smooth = DawidSkene(smoothing=5.0).fit(answers)
    plain = DawidSkene().fit(answers)
    assert smooth.errors_.to_numpy().min() > plain.errors_.to_numpy().min()


def test_dawid_skene_tolerance_is_per_free_parameter(synthetic: Data) -> None:
    """EM stops at the first iteration whose log-likelihood gain is below ``tol`` per free parameter
    (``W K (K - 1) + K - 1``); ``loss_history_`` is per answer."""
    answers, _ = synthetic
    model = DawidSkene(tol=1e-3).fit(answers)
    k, w, n = answers["label"].nunique(), answers["worker"].nunique(), len(answers)
    gains = np.abs(np.diff(model.loss_history_)) * n
    assert model.converged_ and model.n_iter_ == len(model.loss_history_) < 100
    assert gains[-1] < 1e-3 * (w * k * (k - 1) + k - 1) <= gains[:-1].min()
    assert not DawidSkene(n_iter=2, tol=1e-3).fit(answers).converged_


def test_dawid_skene_weight_equals_duplicate_answers(synthetic: Data) -> None:
    answers, _ = synthetic
    twice = pd.concat([answers, answers.iloc[:50]]).sort_index(kind="stable")  # grouped by task
    shuffled = twice.sample(frac=1.0, random_state=0)  # not grouped: the other matrix path
    weighted = answers.assign(weight=np.r_[np.full(50, 2.0), np.ones(len(answers) - 50)])
    expected = DawidSkene(n_iter=15, tol=0.0).fit(weighted).probas_
    for data in (twice, shuffled):
        probas = DawidSkene(n_iter=15, tol=0.0).fit(data).probas_
        pd.testing.assert_frame_equal(probas.reindex(expected.index), expected, atol=1e-9, check_names=False)


def test_dawid_skene_softmax_without_and_with_the_max_shift() -> None:
    """Blocks whose log scores are known to stay above -700 skip the row-maximum shift; the result
    is the same, and blocks of very unlikely scores (many answers per task) still normalise."""
    from clipcrowd.aggregation.dawid_skene import _softmax_rows

    rng = np.random.default_rng(0)
    scores = -rng.uniform(0, 50, size=(1000, 4))
    log_priors = np.log([0.1, 0.2, 0.3, 0.4])
    results = []
    for floor in (0.0, -np.inf):
        posteriors, log_norm = scores.copy(), np.empty(1000)
        totals = _softmax_rows(posteriors, log_priors, log_norm, np.array([floor]))
        results.append((posteriors, log_norm, totals))
    for fast, shifted in zip(*results, strict=True):
        np.testing.assert_allclose(fast, shifted, rtol=1e-12)
    expected = np.log(np.exp(scores + log_priors).sum(axis=1))
    np.testing.assert_allclose(results[0][1], expected, rtol=1e-12)
    deep = scores - 5000.0
    log_norm = np.empty(1000)
    _softmax_rows(deep, log_priors, log_norm, np.array([-np.inf]))
    np.testing.assert_allclose(deep.sum(axis=1), 1.0)
    np.testing.assert_allclose(log_norm, expected - 5000.0, rtol=1e-12)


def test_one_coin_skills_in_unit_interval(synthetic: Data) -> None:
    answers, _ = synthetic
    skills = OneCoinDawidSkene().fit(answers).skills_
    assert ((skills > 0) & (skills < 1)).all()


def test_mace_restarts_keep_the_best_run(synthetic: Data) -> None:
    answers, _ = synthetic
    one = MACE(n_restarts=1, n_iter=30).fit(answers)
    many = MACE(n_restarts=4, n_iter=30).fit(answers)
    assert many.loss_history_[-1] >= one.loss_history_[-1] - 1e-12


def test_fitted_skills_predict_new_answers(synthetic: Data) -> None:
    answers, _ = synthetic
    wawa = Wawa().fit(answers)
    again = wawa.predict(answers.iloc[::-1])
    pd.testing.assert_series_equal(again.sort_index(), wawa.labels_.sort_index())


def test_order_of_rows_does_not_change_labels() -> None:
    answers, _ = make_answers(3000, n_labels=4, overlap=3, seed=3, answers_per_worker=100)
    shuffled = answers.sample(frac=1.0, random_state=1)
    for method in ("mv", "ds", "glad"):
        a = AGGREGATORS[method]().fit_predict(answers)
        b = AGGREGATORS[method]().fit_predict(shuffled)
        assert (a == b.reindex(a.index)).mean() > 0.995, method


MODULES = [
    "majority_vote", "wawa", "gold_majority_vote", "zero_based_skill", "dawid_skene",
    "one_coin_dawid_skene", "glad", "mace", "k_of_n", "synthetic", "kos", "mmsr", "binary_relevance",
]


@pytest.mark.parametrize("module", [*MODULES, "__init__"])
def test_docstring_examples_run(module: str) -> None:
    name = "clipcrowd.aggregation" + ("" if module == "__init__" else f".{module}")
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_pooled_prior_leaves_a_lone_worker_alone() -> None:
    """The empirical-Bayes prior pools the *other* workers; a lone worker has none, so her answers
    stand (with her own matrix as the prior, the rare label would be voted away)."""
    labels = ["a", "b", "b", "a", "c"]
    data = pd.DataFrame({"task": list(range(5)), "worker": ["solo"] * 5, "label": labels})
    assert DawidSkene(prior_strength=2.0).fit_predict(data).tolist() == labels


def test_pooled_prior_pulls_a_sparse_worker_toward_the_crowd(synthetic: Data) -> None:
    """A worker with two answers, both disagreeing with everyone: maximum likelihood gives her a low
    probability of being right; the prior toward the others' pooled matrix (mostly right) lifts it."""
    answers, _ = synthetic
    first = answers.drop_duplicates("task").head(2)
    sparse = first.assign(worker="sparse", label=(first["label"] + 1) % 3)
    data = pd.concat([answers, sparse], ignore_index=True)
    ml = DawidSkene(prior_strength=0.0).fit(data).worker_quality()["sparse"]
    pulled = DawidSkene(prior_strength=2.0).fit(data).worker_quality()["sparse"]
    assert ml < 0.5 < pulled
