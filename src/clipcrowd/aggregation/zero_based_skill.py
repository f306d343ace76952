"""Zero-based skill: skills learned by repeatedly moving them towards agreement with the vote."""

from __future__ import annotations

import numpy as np

from ._data import Answers, IntArray
from ._skill_vote import SkillWeightedVote
from .base import agreement
from .majority_vote import weighted_vote

__all__ = ["ZeroBasedSkill"]


class ZeroBasedSkill(SkillWeightedVote):
    r"""**Zero-based skill**: start every worker at skill ``1/K + eps`` and repeat: take the
    skill-weighted vote, then move each skill towards the worker's agreement with that vote,
    ``skill += lr * (agreement - skill)``, halving ``lr`` every ``lr_steps_to_reduce`` steps. Stops
    after ``n_iter`` steps or once no skill moves by more than ``tol``.

    Ties go to the label that sorts first. The same scheme as crowd-kit's ``ZeroBasedSkill``
    (D. Ustalov et al., "Learning from Crowds with Crowd-Kit", JOSS 9(96), 2024,
    https://doi.org/10.21105/joss.06227), with an added early stop.

    Example:
        >>> import pandas as pd
        >>> from clipcrowd.aggregation import ZeroBasedSkill
        >>> df = pd.DataFrame({"task": [1, 1, 1, 2, 2, 2],
        ...                    "worker": ["a", "b", "c", "a", "b", "c"],
        ...                    "label": [0, 0, 1, 1, 1, 1]})
        >>> zbs = ZeroBasedSkill().fit(df)
        >>> zbs.labels_.to_dict()
        {1: 0, 2: 1}
        >>> bool(zbs.skills_["a"] > zbs.skills_["c"])
        True
    """

    def __init__(
        self,
        n_iter: int = 100,
        lr_init: float = 1.0,
        lr_steps_to_reduce: int = 20,
        lr_reduce_factor: float = 0.5,
        eps: float = 1e-5,
        tol: float = 1e-9,
    ) -> None:
        self.n_iter = n_iter
        self.lr_init = lr_init
        self.lr_steps_to_reduce = lr_steps_to_reduce
        self.lr_reduce_factor = lr_reduce_factor
        self.eps = eps
        #: stop once the largest skill change is below this.
        self.tol = tol

    def _fit(self, answers: Answers, gold_tasks: IntArray, gold_labels: IntArray) -> None:
        skills = np.full(answers.n_workers, 1.0 / answers.n_labels + self.eps)
        lr = self.lr_init
        self.n_iter_ = 0
        for step in range(1, self.n_iter + 1):
            if step % self.lr_steps_to_reduce == 0:
                lr *= self.lr_reduce_factor
            answer_weight = skills.take(answers.worker)
            if answers.weight is not None:
                answer_weight *= answers.weight
            chosen = weighted_vote(answers, answer_weight)[1]
            del answer_weight
            update = lr * (agreement(answers, chosen) - skills)
            skills = skills + update
            self.n_iter_ = step
            if np.abs(update).max() < self.tol:
                break
        self._vote(answers, skills)
