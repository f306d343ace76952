"""The plain function the server calls: answers in, labels, confidences and worker qualities out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._data import Answers
from .base import BaseAggregator, is_empty_answers
from .errors import EmptyAnswersError, UnknownMethodError, UnsupportedParameterError
from .majority_vote import MajorityVote
from .registry import AGGREGATORS

__all__ = ["AggregationResult", "aggregate"]


@dataclass(frozen=True)
class AggregationResult:
    """What :func:`aggregate` returns.

    Attributes:
        method: the registry name used.
        labels: ``pd.Series`` task -> chosen label (missing for k-of-n tasks not accepted).
        confidence: ``pd.Series`` task -> posterior probability (vote share for mv/wawa/gold_mv/zbs/
            k_of_n) of the chosen label; for k-of-n tasks not accepted, the share of the top label.
        worker_quality: ``pd.Series`` worker -> float, the method's estimate of how often the worker
            is right (see each class's ``worker_quality()``).
        probas: ``pd.DataFrame`` tasks x labels.
        n_answers: rows aggregated.
        n_duplicate_answers: rows beyond the first for the same (worker, task) pair; they are kept
            and counted as separate votes.
        model: the fitted estimator, for method-specific attributes (``errors_``, ``status_``, ...).
        label_codes: each task's label as a code into ``model``'s coded answers' ``labels`` (sorted),
            -1 where ``labels`` holds none of them (so a caller storing codes hashes no label again).
    """

    method: str
    labels: pd.Series
    confidence: pd.Series
    worker_quality: pd.Series
    probas: pd.DataFrame
    n_answers: int
    n_duplicate_answers: int
    model: BaseAggregator = field(repr=False)
    label_codes: np.ndarray = field(repr=False)


def aggregate(
    answers: pd.DataFrame | Answers, method: str, gold: pd.Series | None = None, **params: Any
) -> AggregationResult:
    """Aggregate ``answers`` (columns ``task``, ``worker``, ``label``, optional ``weight``; or
    :class:`Answers` already coded, see :meth:`Answers.from_codes`) with the
    registered ``method`` (``clipcrowd.aggregation.AGGREGATORS``), constructed with ``params``.

    ``gold`` (a Series task -> true label) is required by ``gold_mv``, used by ``ds``,
    ``one_coin_ds``, ``glad`` and ``mace`` to fix those tasks' posteriors, and refused (with
    :class:`UnsupportedParameterError`) by the rest. For ``mv`` it is also refused; per-worker
    skills for a weighted vote go in ``params["skills"]``.

    Raises a :class:`~clipcrowd.aggregation.errors.AggregationInputError` (a ``ValueError``) for
    an unknown method, bad answers or unusable gold labels.
    """
    try:
        cls = AGGREGATORS[method]
    except KeyError:
        raise UnknownMethodError(
            f"unknown aggregation method {method!r}; known: {sorted(AGGREGATORS)}"
        ) from None
    if is_empty_answers(answers):  # the estimators give empty outputs (crowd-kit's rule); a server run has no use
        raise EmptyAnswersError("answers frame is empty: nothing to aggregate")
    skills = params.pop("skills", None)
    if skills is not None and cls is not MajorityVote:
        raise UnsupportedParameterError(f"'skills' is a parameter of method 'mv' only, not {method!r}")
    try:
        model = cls(**params)
    except TypeError as exc:
        raise UnsupportedParameterError(f"bad parameters for method {method!r}: {exc}") from exc
    if isinstance(model, MajorityVote):
        if gold is not None:
            raise UnsupportedParameterError("method 'mv' does not use gold labels")
        model.fit(answers, skills)
    else:
        model.fit(answers, gold)
    encoded = model._answers
    probas = model.probas_
    values = probas.to_numpy()
    chosen = model.labels_
    codes = encoded.labels.get_indexer(pd.Index(chosen.to_numpy()))
    top = values.max(axis=1) if values.size else np.zeros(0)
    rows = np.arange(values.shape[0])
    confidence = np.where(codes >= 0, values[rows, np.maximum(codes, 0)], top)
    return AggregationResult(
        method=method,
        labels=chosen,
        confidence=pd.Series(confidence, index=chosen.index, name="confidence"),
        worker_quality=model.worker_quality().rename("quality"),
        probas=probas,
        n_answers=encoded.n_answers,
        n_duplicate_answers=encoded.count_duplicates(),
        model=model,
        label_codes=codes,
    )
