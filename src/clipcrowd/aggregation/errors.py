"""Errors raised on bad input. Every one is a :class:`ValueError` whose message names the problem;
a missing column is also a :class:`KeyError` (crowd-kit's error for it)."""

from __future__ import annotations

__all__ = [
    "AggregationInputError",
    "EmptyAnswersError",
    "InvalidWeightsError",
    "MissingColumnsError",
    "MissingValuesError",
    "MixedLabelTypesError",
    "UnknownGoldLabelError",
    "UnknownMethodError",
    "UnsupportedParameterError",
]


class AggregationInputError(ValueError):
    """Base class: the answers, gold labels or parameters given to an aggregator are unusable."""


class EmptyAnswersError(AggregationInputError):
    """The answers frame has no rows."""


class MissingColumnsError(AggregationInputError, KeyError):
    """The answers frame lacks one of the required columns `task`, `worker`, `label`.

    Also a ``KeyError``, what pandas (and so crowd-kit) raises for a missing column: ``except``
    clauses written for either keep working."""

    def __str__(self) -> str:  # KeyError would show the message quoted, as a key
        return str(self.args[0]) if self.args else ""


class MissingValuesError(AggregationInputError):
    """A `task`, `worker` or `label` value is missing (None or NaN)."""


class MixedLabelTypesError(AggregationInputError):
    """Labels mix kinds of values (for example the number 1 and the string "1")."""


class InvalidWeightsError(AggregationInputError):
    """The optional `weight` column holds a negative, missing, infinite or non-numeric value."""


class UnknownGoldLabelError(AggregationInputError):
    """A gold label is not among the labels the workers used."""


class UnknownMethodError(AggregationInputError):
    """:func:`clipcrowd.aggregation.aggregate` was given a method name that is not registered."""


class UnsupportedParameterError(AggregationInputError):
    """A parameter (for example gold labels) was given to a method that cannot use it."""
