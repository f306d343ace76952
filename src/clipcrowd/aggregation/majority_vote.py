"""Majority vote, optionally weighted by per-worker skills and per-answer weights."""

from __future__ import annotations

from typing import Self

import numpy as np
import pandas as pd

from ._data import Answers, IntArray, encode_answers
from .base import BaseAggregator, FloatArray, agreement, argmax_label_major, is_empty_answers
from .errors import UnsupportedParameterError

__all__ = ["MajorityVote", "weighted_vote"]


def weighted_vote(
    answers: Answers, answer_weight: FloatArray | None, keep_index: bool = True
) -> tuple[FloatArray, IntArray]:
    """(posteriors, label codes) of a vote where each answer counts ``answer_weight``.

    The posteriors are a (tasks, labels) view of a label-major array (see
    :meth:`Answers.label_task_votes`). Ties go to the label that sorts first. Tasks whose votes
    all weigh 0 get uniform posteriors.
    """
    votes = answers.label_task_votes(answer_weight, cache=keep_index)
    chosen = argmax_label_major(votes)
    sums = votes.sum(axis=0)
    empty = sums == 0
    if empty.any():
        votes = votes.astype(np.float64)
        votes[:, empty] = 1.0
        sums[empty] = answers.n_labels
    if votes.dtype == np.float64:  # weighted: a fresh array of ours, normalised in place
        shares: FloatArray = np.divide(votes, sums, out=votes)
    else:  # integer counts: the division makes the float array
        shares = np.divide(votes, sums, dtype=np.float64)
    return shares.T, chosen


class MajorityVote(BaseAggregator):
    r"""**Majority vote**: each task gets the label with the most votes (or the largest sum of weights).

    A vote weighs the answer's ``weight`` column (1 when absent) times the worker's skill when
    ``skills`` are given to :meth:`fit`. ``probas_`` is the share of votes per label; ties go to the
    label that sorts first. ``skills_`` (and ``worker_quality()``) is each worker's weighted agreement
    with the majority labels. Duplicate (worker, task) answers are separate votes.

    This is the baseline every truth-inference study compares against, e.g. Zheng et al., "Truth
    Inference in Crowdsourcing: Is the Problem Solved?", PVLDB 10(5), 2017.

    Example:
        >>> import pandas as pd
        >>> from clipcrowd.aggregation import MajorityVote
        >>> df = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2"],
        ...                    "worker": ["a", "b", "c", "a", "b"],
        ...                    "label": ["cat", "cat", "dog", "dog", "cat"]})
        >>> MajorityVote().fit_predict(df).to_dict()
        {'t1': 'cat', 't2': 'cat'}
        >>> MajorityVote().fit(df, skills=pd.Series({"a": 0.9, "b": 0.6, "c": 0.5})).labels_.to_dict()
        {'t1': 'cat', 't2': 'dog'}
    """

    def __init__(self, default_skill: float | None = None, on_missing_skill: str = "error") -> None:
        if on_missing_skill not in ("error", "value", "ignore"):
            raise UnsupportedParameterError(
                f"on_missing_skill must be 'error', 'value' or 'ignore', got {on_missing_skill!r}")
        #: skill of workers absent from ``skills`` when ``on_missing_skill="value"``.
        self.default_skill = default_skill
        #: for workers absent from ``skills``: "error" (raise), "value" (use ``default_skill``) or
        #: "ignore" (leave their answers out).
        self.on_missing_skill = on_missing_skill

    def fit(self, data: pd.DataFrame | Answers, skills: pd.Series | None = None) -> Self:
        """Fit on answers; ``skills`` (a Series indexed by worker) weighs each worker's votes."""
        if is_empty_answers(data):
            self._fit_empty()
            return self
        if skills is not None and self.on_missing_skill == "ignore" and isinstance(data, pd.DataFrame) \
                and "worker" in data.columns:
            data = data[data["worker"].isin(skills.index)]
            if len(data) == 0:
                raise UnsupportedParameterError(
                    "on_missing_skill='ignore' left no answers: no worker of the answers has a skill")
        answers = encode_answers(data)
        self._answers = answers
        worker_weight = None if skills is None else self._skill_array(answers, skills)
        self._fit_weighted(answers, worker_weight)
        return self

    def fit_predict(self, data: pd.DataFrame | Answers, skills: pd.Series | None = None) -> pd.Series:
        return self.fit(data, skills).labels_

    def fit_predict_proba(self, data: pd.DataFrame | Answers, skills: pd.Series | None = None) -> pd.DataFrame:
        return self.fit(data, skills).probas_

    def _fit(self, answers: Answers, gold_tasks: IntArray, gold_labels: IntArray) -> None:
        self._fit_weighted(answers, None)

    def _fit_weighted(self, answers: Answers, worker_weight: FloatArray | None) -> None:
        answer_weight = None
        if worker_weight is not None:
            answer_weight = worker_weight[answers.worker] * answers.weights()
        # one vote only: its per-answer flat index is dropped before the shares are made
        probas, chosen = weighted_vote(answers, answer_weight, keep_index=False)
        self._set_posteriors(answers, probas, chosen)
        self.skills_ = self._worker_series(answers, agreement(answers, chosen), "skill")
        self._quality = self.skills_

    def _skill_array(self, answers: Answers, skills: pd.Series) -> FloatArray:
        # a copy of our own: with pandas 3 (copy-on-write) to_numpy may hand out a read-only view
        values = np.array(skills.reindex(answers.workers).to_numpy(dtype=np.float64, na_value=np.nan))
        missing = np.isnan(values)
        if missing.any():
            if self.on_missing_skill != "value" or self.default_skill is None:
                raise UnsupportedParameterError(
                    f"skills are missing for {int(missing.sum())} worker(s); give them or use "
                    "on_missing_skill='value' with a default_skill"
                )
            values[missing] = self.default_skill
        return values
