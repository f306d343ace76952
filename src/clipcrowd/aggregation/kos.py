"""KOS: Karger-Oh-Shah message passing for binary labels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._data import Answers, IntArray
from .base import BaseAggregator, agreement
from .errors import UnsupportedParameterError

__all__ = ["KOS"]


class KOS(BaseAggregator):
    r"""**KOS** (Karger, Oh and Shah): iterative message passing on the bipartite task-worker graph,
    for two labels only.

    Answers are coded ``+1`` (the label that sorts first) and ``-1``. Each answer (edge) carries a
    worker-to-task reliability message, started at random from ``N(1, 1)`` (seeded by
    ``random_state``). An iteration sends, along every edge, the sum of the other answers'
    messages times their answers (task to worker), then the sum of the worker's other answers
    times those (worker to task). After ``n_iter`` iterations a task's label is the sign of its
    answers weighted by their reliabilities; a zero score goes to the label that sorts first.
    Messages are rescaled every iteration (signs are all that count), so no overflow stops it
    early. ``probas_`` is the decision as one-hot rows: KOS gives no probabilities.

    D. R. Karger, S. Oh and D. Shah, "Iterative Learning for Reliable Crowdsourcing Systems",
    NIPS 2011, https://papers.nips.cc/paper/4396 .

    Example:
        >>> import pandas as pd
        >>> from clipcrowd.aggregation import KOS
        >>> df = pd.DataFrame({"task": [1, 1, 1, 2, 2, 2],
        ...                    "worker": ["a", "b", "c"] * 2,
        ...                    "label": [True, True, False, False, False, True]})
        >>> KOS(n_iter=10).fit_predict(df).to_dict()
        {1: True, 2: False}
    """

    def __init__(self, n_iter: int = 10, random_state: int = 0) -> None:
        self.n_iter = n_iter
        self.random_state = random_state

    def _fit_empty(self) -> None:
        super()._fit_empty()
        self.labels_ = pd.Series([], dtype="O", name="agg_label")

    def _fit(self, answers: Answers, gold_tasks: IntArray, gold_labels: IntArray) -> None:
        if answers.n_labels != 2:
            raise UnsupportedParameterError(
                f"KOS is for binary labels only; the answers hold {answers.n_labels} labels")
        sign = 1.0 - 2.0 * answers.label  # label code 0 -> +1, code 1 -> -1
        rng = np.random.default_rng(self.random_state)
        reliability = rng.normal(1.0, 1.0, size=answers.n_answers)
        for _ in range(self.n_iter):
            vote = sign * reliability
            inferred = np.bincount(answers.task, weights=vote, minlength=answers.n_tasks)[answers.task] - vote
            inferred /= max(float(np.abs(inferred).max()), 1e-300)
            vote = sign * inferred
            reliability = np.bincount(answers.worker, weights=vote, minlength=answers.n_workers)[answers.worker] - vote
            reliability /= max(float(np.abs(reliability).max()), 1e-300)
        score = np.bincount(answers.task, weights=sign * reliability, minlength=answers.n_tasks)
        chosen = (score < 0).astype(np.intp)
        posteriors = np.zeros((answers.n_tasks, 2))
        posteriors[np.arange(answers.n_tasks), chosen] = 1.0
        self._set_posteriors(answers, posteriors, chosen)
        self._quality = self._worker_series(answers, agreement(answers, chosen), "quality")
