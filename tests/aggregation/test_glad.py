"""GLAD's two M-step solvers: block-coordinate Newton (default) and conjugate gradient (crowd-kit's)."""

from __future__ import annotations

import pytest

from clipcrowd.aggregation import GLAD
from clipcrowd.aggregation.synthetic import make_answers


def test_both_m_steps_reach_the_same_labels() -> None:
    answers, truth = make_answers(6000, n_labels=3, overlap=5, seed=11)
    newton = GLAD().fit(answers)
    cg = GLAD(m_step="cg").fit(answers)
    assert (newton.labels_ == cg.labels_).mean() >= 0.99
    assert (cg.labels_ == truth.reindex(cg.labels_.index)).mean() >= 0.9
    # each M-step maximises the same objective: the fitted log-posteriors agree closely
    assert abs(newton.loss_history_[-1] - cg.loss_history_[-1]) < 1e-3


def test_unknown_m_step_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="m_step must be 'newton' or 'cg', got 'lbfgs'"):
        GLAD(m_step="lbfgs")
