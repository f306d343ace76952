"""Answer aggregation: many overlapping crowd answers in, one label per task out.

Data contract (the same as crowd-kit's, so switching is a change of import): a
``pandas.DataFrame`` with columns ``task``, ``worker``, ``label`` and, optionally, ``weight``
(a non-negative number scaling an answer's vote). Every estimator follows the scikit-learn style:
parameters in the constructor, ``fit(data)`` / ``fit_predict(data)`` / ``fit_predict_proba(data)``,
fitted attributes ending in ``_``: ``labels_`` (task -> label), ``probas_`` (tasks x labels),
``worker_quality()`` (worker -> float) and, by method, ``skills_``, ``errors_``, ``priors_``,
``alphas_``/``betas_``, ``spamming_``/``thetas_``, ``loss_history_``, ``n_iter_``, ``counts_``.

Estimators (registry names in ``AGGREGATORS``):

=================  ===================  ==========================================================
name               class                gold labels
=================  ===================  ==========================================================
``mv``             MajorityVote         not used (``fit(data, skills)`` weighs workers)
``wawa``           Wawa                 not used
``gold_mv``        GoldMajorityVote     required: skills are accuracies on gold tasks
``zbs``            ZeroBasedSkill       not used
``ds``             DawidSkene           optional: fix their tasks' posteriors
``one_coin_ds``    OneCoinDawidSkene    optional
``glad``           GLAD                 optional
``mace``           MACE                 optional
``k_of_n``         KOfN                 not used
=================  ===================  ==========================================================

Also, for code written against crowd-kit: ``KOS`` (two labels only), ``MMSR`` and ``BinaryRelevance``
(multi-label answers, any of the above per label).

Rules shared by all of them:

- Ties go to the label that sorts first (labels are coded in sorted order and ``argmax`` takes the
  first maximum). Output rows follow the tasks' (workers') order of first appearance.
- Duplicate (worker, task) answers are kept and counted as separate votes;
  :func:`aggregate` reports how many there were.
- Bad input raises a subclass of :class:`AggregationInputError` (a ``ValueError``) whose message
  names the problem: empty frame, missing columns, missing values, mixed label kinds (``1`` and
  ``"1"``), bad weights, gold labels no worker used, gold given to a method that cannot use it.
  One worker is fine: every method then follows that worker.
- Iterative methods stop when their objective (a true log-likelihood or log-posterior) per answer
  changes by less than ``tol``, or after ``n_iter`` iterations.

The server's entry point::

    aggregate(answers: pd.DataFrame, method: str, gold: pd.Series | None = None, **params)
        -> AggregationResult(method, labels, confidence, worker_quality, probas,
                             n_answers, n_duplicate_answers, model)

Example:
    >>> import pandas as pd
    >>> from clipcrowd.aggregation import aggregate
    >>> answers = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2", "t2"],
    ...                         "worker": ["a", "b", "c", "a", "b", "c"],
    ...                         "label": ["cat", "cat", "dog", "dog", "dog", "dog"]})
    >>> result = aggregate(answers, "ds")
    >>> result.labels.to_dict()
    {'t1': 'cat', 't2': 'dog'}
    >>> sorted(result.worker_quality.index)
    ['a', 'b', 'c']

See ``docs/aggregation.md`` for the quality and speed comparison with crowd-kit.
"""

from __future__ import annotations

from ._data import Answers
from .api import AggregationResult, aggregate
from .base import BaseAggregator
from .binary_relevance import BinaryRelevance
from .dawid_skene import DawidSkene
from .errors import (
    AggregationInputError,
    EmptyAnswersError,
    InvalidWeightsError,
    MissingColumnsError,
    MissingValuesError,
    MixedLabelTypesError,
    UnknownGoldLabelError,
    UnknownMethodError,
    UnsupportedParameterError,
)
from .glad import GLAD
from .gold_majority_vote import GoldMajorityVote
from .k_of_n import KOfN
from .kos import KOS
from .mace import MACE
from .majority_vote import MajorityVote
from .mmsr import MMSR
from .one_coin_dawid_skene import OneCoinDawidSkene
from .registry import AGGREGATORS, METHOD_NAMES, method_name
from .wawa import Wawa
from .zero_based_skill import ZeroBasedSkill

__all__ = [
    "AGGREGATORS",
    "GLAD",
    "KOS",
    "MACE",
    "METHOD_NAMES",
    "MMSR",
    "AggregationInputError",
    "AggregationResult",
    "Answers",
    "BaseAggregator",
    "BinaryRelevance",
    "DawidSkene",
    "EmptyAnswersError",
    "GoldMajorityVote",
    "InvalidWeightsError",
    "KOfN",
    "MajorityVote",
    "MissingColumnsError",
    "MissingValuesError",
    "MixedLabelTypesError",
    "OneCoinDawidSkene",
    "UnknownGoldLabelError",
    "UnknownMethodError",
    "UnsupportedParameterError",
    "Wawa",
    "ZeroBasedSkill",
    "aggregate",
    "method_name",
]
