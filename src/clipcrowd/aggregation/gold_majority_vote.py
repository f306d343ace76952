"""Gold majority vote: a vote weighted by each worker's accuracy on gold tasks."""

from __future__ import annotations

import numpy as np

from ._data import Answers, IntArray
from ._skill_vote import SkillWeightedVote
from .base import FloatArray

__all__ = ["GoldMajorityVote"]


class GoldMajorityVote(SkillWeightedVote):
    r"""**Gold majority vote**: each worker's skill is their (answer-weighted) accuracy on the gold
    tasks; labels are the majority vote weighted by those skills.

    Workers who answered no gold task get ``default_skill``; when it is ``None`` (the default) they
    get the mean skill of the workers who did (0.5 if nobody did). Ties go to the label that sorts
    first. Gold labels must be labels some worker used (else ``UnknownGoldLabelError``). A task may
    have several true labels (repeated index entries in ``true_labels``): an answer equal to any of
    them is correct.

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
        skills = gold_accuracy(answers, gold_tasks, gold_labels)
        unknown = np.isnan(skills)
        if unknown.any():
            default = self.default_skill
            if default is None:
                default = float(skills[~unknown].mean()) if (~unknown).any() else 0.5
            skills[unknown] = default
        self._vote(answers, skills)


def gold_accuracy(answers: Answers, gold_tasks: IntArray, gold_labels: IntArray) -> FloatArray:
    """Per worker, the weighted share of answers on gold tasks that equal one of the task's true
    labels (NaN for workers with no gold answer)."""
    n_labels = answers.n_labels
    is_gold = np.zeros(answers.n_tasks, dtype=bool)
    is_gold[gold_tasks] = True
    right = np.zeros(answers.n_tasks * n_labels, dtype=bool)
    right[gold_tasks * n_labels + gold_labels] = True
    counted = is_gold[answers.task]
    hit = right[answers.task.astype(np.int64) * n_labels + answers.label]
    w = answers.weights()
    total = np.bincount(answers.worker, weights=w * counted, minlength=answers.n_workers)
    hits = np.bincount(answers.worker, weights=w * hit, minlength=answers.n_workers)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(hits / total, dtype=np.float64)
