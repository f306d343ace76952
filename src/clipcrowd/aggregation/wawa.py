"""Wawa: worker agreement with aggregate."""

from __future__ import annotations

from ._data import Answers, IntArray
from ._skill_vote import SkillWeightedVote
from .base import agreement
from .majority_vote import weighted_vote

__all__ = ["Wawa"]


class Wawa(SkillWeightedVote):
    r"""**Worker Agreement with Aggregate**: a majority vote weighted by each worker's agreement
    with the plain majority vote.

    Step 1: plain (answer-weight) majority vote. Step 2: a worker's skill is the weighted share of
    their answers equal to the step-1 label. Step 3: majority vote weighted by those skills.
    Ties go to the label that sorts first.

    Appen (Figure Eight), "Calculating Worker Agreement with Aggregate (Wawa)",
    https://success.appen.com/hc/en-us/articles/202703205 ; used as a baseline in
    D. Ustalov et al., "Learning from Crowds with Crowd-Kit", JOSS 9(96), 2024.

    Example:
        >>> import pandas as pd
        >>> from clipcrowd.aggregation import Wawa
        >>> df = pd.DataFrame({"task": [1, 1, 1, 2, 2, 2, 3, 3],
        ...                    "worker": ["a", "b", "c", "a", "b", "c", "a", "c"],
        ...                    "label": [0, 0, 1, 1, 1, 0, 1, 0]})
        >>> wawa = Wawa().fit(df)
        >>> wawa.labels_.to_dict()
        {1: 0, 2: 1, 3: 1}
        >>> round(float(wawa.skills_["c"]), 3)
        0.333
    """

    def _fit(self, answers: Answers, gold_tasks: IntArray, gold_labels: IntArray) -> None:
        chosen = weighted_vote(answers, None)[1]  # the step-1 shares are not kept: less peak memory
        self._vote(answers, agreement(answers, chosen))
