"""k-of-n confirmation: accept a task's label once at least k of its first n answers agree."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._data import Answers, IntArray
from .base import BaseAggregator, agreement, normalize_rows

__all__ = ["KOfN"]

ACCEPTED, REJECTED, PENDING = "accepted", "rejected", "pending"


class KOfN(BaseAggregator):
    r"""**k-of-n confirmation**: per task, look at its first ``n`` answers (in row order; all of them
    if there are fewer) and accept the confirming label when at least ``k`` of them equal it.

    The confirming label is ``label`` when given (for example ``"yes"`` in a "does this clip show
    the action?" pool), otherwise the task's most frequent label (ties: the label that sorts
    first). The Kinetics data set was built with the 3-of-5 rule (W. Kay et al., "The Kinetics Human
    Action Video Dataset", arXiv:1705.06950, 2017, https://arxiv.org/abs/1705.06950 ).

    Fitted attributes:
        ``counts_``: tasks x labels counts among the answers considered;
        ``n_answers_``: answers considered per task (at most ``n``);
        ``accepted_``: bool per task;
        ``status_``: ``"accepted"``, ``"rejected"`` (even the missing answers up to ``n`` could not
        reach ``k``) or ``"pending"`` (they still could: ask for more answers);
        ``labels_``: the confirming label where accepted, missing (NaN / None) elsewhere;
        ``probas_``: the vote shares; ``worker_quality()``: each worker's agreement with accepted labels.
    The ``weight`` column is ignored: this rule counts answers.

    Example:
        >>> import pandas as pd
        >>> from clipcrowd.aggregation import KOfN
        >>> df = pd.DataFrame({"task": ["c1"] * 5 + ["c2"] * 5 + ["c3"] * 2,
        ...                    "worker": list("abcde") * 2 + list("ab"),
        ...                    "label": ["yes", "yes", "no", "yes", "no",
        ...                              "no", "yes", "no", "no", "no", "yes", "yes"]})
        >>> rule = KOfN(k=3, n=5, label="yes").fit(df)
        >>> rule.status_.to_dict()
        {'c1': 'accepted', 'c2': 'rejected', 'c3': 'pending'}
        >>> rule.counts_.loc["c1", "yes"]
        np.int64(3)
    """

    def __init__(self, k: int = 3, n: int = 5, label: object | None = None) -> None:
        if not 1 <= k <= n:
            raise ValueError(f"KOfN needs 1 <= k <= n, got k={k}, n={n}")
        self.k = k
        self.n = n
        #: the confirming label; None means each task's most frequent label.
        self.label = label

    counts_: pd.DataFrame
    n_answers_: pd.Series
    accepted_: pd.Series
    status_: pd.Series

    def _fit(self, answers: Answers, gold_tasks: IntArray, gold_labels: IntArray) -> None:
        keep = _first_n_per_task(answers.task, self.n)
        task, label = answers.task[keep], answers.label[keep]
        n_labels = answers.n_labels
        flat = np.bincount(task * n_labels + label, minlength=answers.n_tasks * n_labels)
        counts = flat.reshape(answers.n_tasks, n_labels)
        seen = counts.sum(axis=1)
        if self.label is None:
            target = counts.argmax(axis=1)
        else:
            # -1 when nobody gave the confirming label: no task can be accepted yet
            code = int(answers.labels.get_indexer(pd.Index([self.label]))[0])
            target = np.full(answers.n_tasks, code)
        support = np.where(target >= 0, counts[np.arange(answers.n_tasks), np.maximum(target, 0)], 0)
        accepted = support >= self.k
        reachable = support + (self.n - seen) >= self.k
        status = np.where(accepted, ACCEPTED, np.where(reachable, PENDING, REJECTED))
        chosen = np.where(accepted, target, -1)
        tasks = answers.tasks
        self.counts_ = pd.DataFrame(counts, index=tasks, columns=answers.labels)
        self.n_answers_ = pd.Series(seen, index=tasks, name="n_answers")
        self.accepted_ = pd.Series(accepted, index=tasks, name="accepted")
        self.status_ = pd.Series(status, index=tasks, name="status")
        self.probas_ = pd.DataFrame(normalize_rows(counts.astype(np.float64)), index=tasks, columns=answers.labels)
        values = answers.labels.take(chosen, allow_fill=True, fill_value=None)
        self.labels_ = pd.Series(values, index=tasks, name="agg_label")
        ones = np.ones(answers.n_answers)
        self._quality = self._worker_series(answers, agreement(answers, chosen, ones), "agreement")


def _first_n_per_task(task: IntArray, n: int) -> npt.NDArray[np.bool_]:
    """Mask of the rows that are among the first ``n`` rows of their task (stable row order)."""
    order = np.argsort(task, kind="stable")
    sorted_tasks = task[order]
    starts = np.flatnonzero(np.r_[True, sorted_tasks[1:] != sorted_tasks[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, sorted_tasks.size]))
    rank = np.arange(sorted_tasks.size) - group_start
    keep = np.empty(task.size, dtype=bool)
    keep[order] = rank < n
    return keep
