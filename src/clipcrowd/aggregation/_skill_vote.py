"""Shared part of the aggregators that learn one skill per worker and then take a weighted vote."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._data import Answers, encode_answers
from .base import BaseAggregator, FloatArray
from .errors import UnsupportedParameterError
from .majority_vote import weighted_vote

__all__ = ["SkillWeightedVote"]


class SkillWeightedVote(BaseAggregator):
    """A vote where each answer weighs its worker's fitted ``skills_`` (times its ``weight``)."""

    skills_: pd.Series

    def _vote(self, answers: Answers, skills: FloatArray) -> None:
        self.skills_ = self._worker_series(answers, skills, "skill")
        self._quality = self.skills_
        answer_weight = skills.take(answers.worker)
        if answers.weight is not None:
            answer_weight *= answers.weight
        probas, chosen = weighted_vote(answers, answer_weight)
        self._set_posteriors(answers, probas, chosen)

    def predict(self, data: pd.DataFrame) -> pd.Series:
        """Labels of (possibly new) answers, weighted by the fitted skills; unknown workers raise."""
        return self._apply(data).labels_

    def predict_proba(self, data: pd.DataFrame) -> pd.DataFrame:
        """Like :meth:`predict`, returning ``probas_``."""
        return self._apply(data).probas_

    def _apply(self, data: pd.DataFrame) -> SkillWeightedVote:
        if not hasattr(self, "skills_"):
            raise AttributeError(f"{type(self).__name__} is not fitted yet: call fit first")
        answers = encode_answers(data)
        skills = self.skills_.reindex(answers.workers).to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isnan(skills).any():
            raise UnsupportedParameterError(f"no fitted skill for {int(np.isnan(skills).sum())} worker(s)")
        self._vote(answers, skills)
        return self
