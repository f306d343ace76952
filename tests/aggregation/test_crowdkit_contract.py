"""What crowd-kit's own classification tests check, checked on clipcrowd's classes: the same toy
data sets and expected values (stored in tests/data/crowdkit, see its PROVENANCE.md), the same
names, orders, errors and constructor parameters."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from clipcrowd.aggregation import (
    GLAD,
    KOS,
    MACE,
    MMSR,
    AggregationInputError,
    BinaryRelevance,
    DawidSkene,
    GoldMajorityVote,
    MajorityVote,
    OneCoinDawidSkene,
    Wawa,
    ZeroBasedSkill,
)

from .crowdkit_facts import fact

FRAUD = "0c3eb7d5fcc414db137c4180a654c06e"  # the adversarial worker of the "simple" set


@pytest.mark.parametrize("dataset", ["toy", "simple"])
@pytest.mark.parametrize(("cls", "results"), [(MajorityVote, "mv"), (Wawa, "wawa"), (GoldMajorityVote, "gold"),
                                               (ZeroBasedSkill, "zbs"), (MMSR, "mmsr")])
def test_labels_probabilities_and_skills(cls: type, results: str, dataset: str) -> None:
    answers = fact(f"{dataset}_answers_df")
    model = cls()
    if cls is GoldMajorityVote:
        assert model.fit(answers, fact(f"{dataset}_gold_df")) is model
        assert_series_equal(model.skills_, fact(f"{dataset}_skills_result_{results}"), rtol=1e-5)
        labels = model.predict(answers)
    else:
        labels = model.fit_predict(answers)
    assert labels is model.labels_
    assert_series_equal(model.labels_, fact(f"{dataset}_labels_result_{results}").sort_index(), rtol=1e-5)
    assert_series_equal(model.skills_, fact(f"{dataset}_skills_result_{results}").sort_index(), rtol=1e-5)
    scores = model.scores_ if cls is MMSR else model.probas_
    expected = fact(f"{dataset}_{'scores' if cls is MMSR else 'probas'}_result_{results}")
    assert_frame_equal(scores, expected, check_like=True, rtol=1e-5)
    for name in dir(model):  # every fitted Series is named after its attribute, in the singular
        member = getattr(model, name)
        if name.endswith("_") and not name.startswith("_") and isinstance(member, pd.Series):
            assert member.name == ("agg_label" if name == "labels_" else name[:-2])


@pytest.mark.parametrize("cls", [MajorityVote, Wawa, ZeroBasedSkill, MMSR, DawidSkene, GLAD, MACE, KOS])
@pytest.mark.parametrize("missing", ["task", "worker", "label"])
def test_missing_column_is_a_key_error_with_a_clear_message(cls: type, missing: str) -> None:
    answers = pd.DataFrame({"task": ["t1"], "worker": ["w1"], "label": ["no"]}).drop(columns=[missing])
    with pytest.raises(KeyError) as caught:
        cls().fit(answers)
    assert isinstance(caught.value, AggregationInputError) and missing in str(caught.value)
    assert not str(caught.value).startswith("'")  # the message, not a quoted key


def test_gold_majority_vote_refuses_answers_without_columns_in_fit_and_predict() -> None:
    gold = fact("toy_gold_df")
    with pytest.raises(KeyError):
        GoldMajorityVote().fit(pd.DataFrame({"worker": ["w1"], "label": ["no"]}), gold)
    model = GoldMajorityVote().fit(fact("toy_answers_df"), gold)
    with pytest.raises(KeyError):
        model.predict_proba(pd.DataFrame({"task": ["t1"], "worker": ["w1"]}))


@pytest.mark.parametrize("n_iter", [0, 1])
def test_dawid_skene_step_by_step(n_iter: int) -> None:
    ds = DawidSkene(n_iter=n_iter, prior_strength=0.0).fit(fact("data"))
    assert_frame_equal(fact(f"probas_iter_{n_iter}"), ds.probas_, check_like=True, atol=0.005)
    assert_frame_equal(fact(f"errors_iter_{n_iter}"), ds.errors_, check_like=True, atol=0.005)
    assert_series_equal(fact(f"priors_iter_{n_iter}"), ds.priors_, atol=0.005)
    assert_series_equal(fact(f"tasks_labels_iter_{n_iter}"), ds.labels_, atol=0.005)


@pytest.mark.parametrize("cls", [DawidSkene, OneCoinDawidSkene, MajorityVote, Wawa, GoldMajorityVote, GLAD, MMSR])
def test_empty_answers_give_empty_outputs(cls: type) -> None:
    empty = pd.DataFrame([], columns=["task", "worker", "label"])
    model = cls().fit(empty, pd.Series(dtype=float)) if cls is GoldMajorityVote else cls().fit(empty)
    assert_series_equal(pd.Series(dtype=float, name="agg_label"), model.labels_)
    assert model.probas_.empty
    if isinstance(model, DawidSkene):
        assert model.errors_.empty
        assert_series_equal(pd.Series(dtype=float, name="prior"), model.priors_)


def test_dawid_skene_initial_error_assign_is_validated_and_returned_as_given() -> None:
    answers, zero = fact("toy_answers_df"), fact("toy_worker_init_error_zero_df")
    with pytest.raises(ValueError, match=r"The sum of each worker's error matrix in initial_error should be 1\.0"):
        DawidSkene(n_iter=10, tol=0, initial_error_strategy="assign").fit(answers, initial_error=zero)
    with pytest.raises(ValueError, match="every worker"):
        DawidSkene(n_iter=10, tol=0, initial_error_strategy="assign").fit(answers, initial_error=zero[:3])
    assert_series_equal(  # "addition" of zeros changes nothing (crowd-kit's model: no prior)
        DawidSkene(n_iter=10, tol=0, initial_error_strategy="addition", prior_strength=0.0)
        .fit(answers, initial_error=zero)
        .labels_, fact("toy_ground_truth_df").sort_index())
    rng = np.random.default_rng(42)
    given = zero.copy()
    given.loc[:, :] = rng.integers(1, 100, size=given.shape)
    given = given / given.groupby("worker", sort=False).sum()
    ds = DawidSkene(n_iter=0, tol=0.0, initial_error_strategy="assign").fit(answers, initial_error=given)
    assert_frame_equal(given, ds.errors_)


def test_dawid_skene_addition_shifts_the_first_m_step() -> None:
    """crowd-kit's worked example: w2's first counts (0.9, 2.1 / 1.4, 0.6) plus the given ones."""
    init = fact("toy_worker_init_error_zero_df")
    init.loc[("w2", "yes"), "no"], init.loc[("w2", "yes"), "yes"] = 1.1, 0.9
    init.loc[("w2", "no"), "yes"], init.loc[("w2", "no"), "no"] = 0.4, 0.6
    ds = DawidSkene(n_iter=0, tol=0.0, initial_error_strategy="addition", prior_strength=0.0).fit(
        fact("toy_answers_df"), initial_error=init)
    for given, true, probability in [("yes", "no", 0.5), ("yes", "yes", 0.75), ("no", "yes", 0.25), ("no", "no", 0.5)]:
        assert np.isclose(ds.errors_.loc["w2"].loc[given, true], probability)


@pytest.mark.parametrize("dataset", ["toy", "simple"])
@pytest.mark.parametrize(("n_iter", "tol"), [(10, 0), (100500, 1e-5)])
def test_dawid_skene_models_find_the_ground_truth(dataset: str, n_iter: int, tol: float) -> None:
    """crowd-kit's expectations hold for its model, ``prior_strength=0`` (the default's prior of 2
    pseudo-answers per column outweighs the toy workers' own 2-3 answers per true label: see
    ``test_default_prior_on_the_toy_set``)."""
    answers = fact(f"{dataset}_answers_df")
    truth = fact("toy_ground_truth_df" if dataset == "toy" else "simple_ground_truth").sort_index()
    assert_series_equal(DawidSkene(n_iter=n_iter, tol=tol, prior_strength=0.0).fit(answers).labels_, truth)
    model = OneCoinDawidSkene(n_iter=n_iter, tol=tol)
    assert_series_equal(model.fit_predict(answers), truth)
    assert ((model.probas_ >= 0) & (model.probas_ <= 1)).all().all()
    if dataset == "toy":
        gold = fact("toy_gold_df")
        assert_series_equal(DawidSkene(n_iter=n_iter, tol=tol, prior_strength=0.0).fit(answers, gold).labels_, truth)
        assert_series_equal(DawidSkene(n_iter=n_iter, tol=tol).fit(answers, gold).labels_, truth)  # gold decides


def test_default_prior_on_the_toy_set() -> None:
    """The deliberate difference from crowd-kit (docs/aggregation.md): on its 5-task toy set, where
    each worker gives 4-5 answers, the default's empirical-Bayes prior (2 pseudo-answers per
    column toward the crowd's pooled matrix) labels t1 "no", as majority vote does; iterated to
    convergence it labels t2 "no" too. On the 10-task "simple" set it finds every label."""
    answers, truth = fact("toy_answers_df"), fact("toy_ground_truth_df").sort_index()
    for model, wrong in [(DawidSkene(), ["t1"]), (DawidSkene(n_iter=100500, tol=1e-5), ["t1", "t2"])]:
        labels = model.fit(answers).labels_
        assert labels[labels != truth].index.tolist() == wrong
    assert_series_equal(DawidSkene().fit(fact("simple_answers_df")).labels_, fact("simple_ground_truth").sort_index())


def test_majority_vote_with_given_and_missing_skills() -> None:
    """The pandas 3 read-only bug of ``on_missing_skill="value"`` and the "ignore" rule."""
    answers, skills = fact("simple_answers_df"), fact("simple_skills_result_mv")
    model = MajorityVote()
    model.fit_predict(answers, skills=skills)
    assert_series_equal(model.skills_, skills.sort_index())
    partial = skills.drop(FRAUD)
    valued = MajorityVote(on_missing_skill="value", default_skill=1_000_000).fit(answers, skills=partial)
    assert (valued.labels_[answers.loc[answers["worker"] == FRAUD, "task"]] == "parrot").all()
    with pytest.raises(ValueError, match="missing"):
        MajorityVote(on_missing_skill="error").fit(answers, skills=partial)
    ignored = MajorityVote(on_missing_skill="ignore").fit(answers, skills=partial)
    assert FRAUD not in ignored.skills_.index
    with pytest.raises(ValueError, match="no answers"):
        MajorityVote(on_missing_skill="ignore").fit(answers, skills=pd.Series([], dtype=float))
    with pytest.raises(ValueError, match="on_missing_skill"):
        MajorityVote(on_missing_skill="skip")


def test_gold_majority_vote_with_several_true_labels_per_task() -> None:
    model = GoldMajorityVote()
    labels = model.fit_predict(fact("multiple_gt_df"), true_labels=fact("multiple_gt_gt"))
    assert_series_equal(model.skills_, fact("multiple_gt_skills"))
    assert_series_equal(labels, fact("multiple_gt_aggregated"))


@pytest.mark.parametrize("n_iter", [10, 100])
def test_kos_on_boolean_labels(n_iter: int) -> None:
    assert_series_equal(KOS(n_iter=n_iter).fit(fact("data_with_bool_labels")).labels_,
                        fact("bool_labels_ground_truth"))


def test_kos_refuses_more_than_two_labels_and_takes_empty_input() -> None:
    with pytest.raises(ValueError, match="binary"):
        KOS(n_iter=10).fit(fact("simple_answers_df"))
    empty = KOS(n_iter=10).fit(pd.DataFrame([], columns=["task", "worker", "label"]))
    assert_series_equal(pd.Series([], dtype="O", name="agg_label"), empty.labels_)


#: crowd-kit's binary-relevance toy data (tests/aggregation/test_binary_relevance_aggregation.py)
MULTI_LABEL = pd.DataFrame(
    [["t1", "w1", ["house", "tree"]], ["t1", "w2", ["house"]], ["t1", "w3", ["house", "tree", "grass"]],
     ["t2", "w1", ["car"]], ["t2", "w2", ["car", "human"]], ["t2", "w3", ["train"]]],
    columns=["task", "worker", "label"])


@pytest.mark.parametrize("base", [MajorityVote(), DawidSkene(), Wawa(), GLAD()])
def test_binary_relevance(base: Any) -> None:
    expected = pd.Series([["house", "tree"], ["car"]], index=pd.Index(["t1", "t2"], name="task"), name="agg_label")
    model = BinaryRelevance(base)
    assert_series_equal(expected, model.fit_predict(MULTI_LABEL))
    assert sorted(model.aggregators_) == ["car", "grass", "house", "human", "train", "tree"]
    assert all(type(a) is type(base) for a in model.aggregators_.values())
    empty = BinaryRelevance(base).fit_predict(pd.DataFrame([], columns=["task", "worker", "label"]))
    assert_series_equal(pd.Series(dtype=float, name="agg_label"), empty, check_index_type=False)


@pytest.mark.parametrize("cls", [MMSR, ZeroBasedSkill, DawidSkene, GLAD])
def test_zero_iterations_still_label_every_task(cls: type) -> None:
    labels = cls(n_iter=0).fit_predict(fact("simple_answers_df"))
    assert labels.index.equals(fact("simple_ground_truth").sort_index().index)


def test_constructor_parameters_of_crowdkit_users(capsys: pytest.CaptureFixture[str]) -> None:
    answers = fact("toy_answers_df")
    GLAD(silent=False, n_iter=3, tol=0.0).fit(answers)
    assert capsys.readouterr().err.count("GLAD iteration") == 3
    MACE(n_restarts=1, n_iter=5, verbose=1).fit(answers)
    assert "MACE restart done" in capsys.readouterr().err
    soft, sharp = (MACE(method="em", smoothing=s, n_restarts=1, n_iter=5).fit(answers) for s in (100.0, 0.1))
    assert soft.thetas_.max() < sharp.thetas_.max()  # more smoothing: flatter strategies
    truth = fact("toy_ground_truth_df").sort_index()
    seeded = OneCoinDawidSkene(initial_error_strategy="addition").fit(
        answers, initial_error=fact("toy_worker_init_error_zero_df"))
    assert_series_equal(seeded.labels_, truth)
    assert OneCoinDawidSkene(initial_error_strategy="assign").get_params()["initial_error_strategy"] == "assign"
