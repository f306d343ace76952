"""Gold majority vote: a vote weighted by each worker's accuracy on gold tasks."""

from __future__ import annotations

import numpy as np

from ._data import Answers, IntArray
from ._skill_vote import SkillWeightedVote
from .base import agreement

__all__ = ["GoldMajorityVote"]


class GoldMajorityVote(SkillWeightedVote):
    r"""**Gold majority vote**: each worker's skill is their (answer-weighted) accuracy on the gold
    tasks; labels are the majority vote weighted by those skills.

    Workers who answered no gold task get ``default_skill``; when it is ``None`` (the default) they
    get the mean skill of the workers who did (0.5 if nobody did). Ties go to the label that sorts
    first. Gold labels must be labels some worker used (else ``UnknownGoldLabelError``).

    A standard quality-control baseline: P. G. Ipeirotis, F. Provost and J. Wang, "Quality
    Management on Amazon Mechanical Turk", HCOMP 2010, https://doi.org/10.1145/1837885.1837906 .

    Example:
        >>> import pandas as pd
        >>> from clipcrowd.aggregation import GoldMajorityVote
        >>> df = pd.DataFrame({"task": [1, 1, 1, 2, 2, 2],
        ...                    "worker": ["a", "b", "c", "a", "b", "c"],
        ...                    "label": [0, 1, 1, 0, 1, 1]})
        >>> gmv = GoldMajorityVote().fit(df, pd.Series({1: 0}))
        >>> gmv.labels_.to_dict()
        {1: 0, 2: 0}
        >>> gmv.skills_.to_dict()
        {'a': 1.0, 'b': 0.0, 'c': 0.0}
    """

    gold = "required"

    def __init__(self, default_skill: float | None = None) -> None:
        #: skill of workers without gold answers; None means the mean of the known skills.
        self.default_skill = default_skill

    def _fit(self, answers: Answers, gold_tasks: IntArray, gold_labels: IntArray) -> None:
        chosen = np.full(answers.n_tasks, -1, dtype=np.int64)
        chosen[gold_tasks] = gold_labels
        skills = agreement(answers, chosen)
        unknown = np.isnan(skills)
        if unknown.any():
            default = self.default_skill
            if default is None:
                default = float(skills[~unknown].mean()) if (~unknown).any() else 0.5
            skills[unknown] = default
        self._vote(answers, skills)
