"""Encoding answers into codes: every path (arrow strings, small integers, anything else) gives
the codes and uniques ``pd.factorize`` would, labels in sorted order, tasks and workers in order
of first appearance; missing values are refused on every path."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
import pytest

from clipcrowd.aggregation import MissingValuesError, MixedLabelTypesError
from clipcrowd.aggregation._data import encode_answers

LABEL_COLUMNS: dict[str, list[Any]] = {
    "small ints": [3, 1, 3, 0, 1, 7],
    "negative ints": [-2, 5, -2, 0, 5, 9],
    "huge ints": [10**12, 1, 10**12, 5, 1, 3],
    "floats": [0.5, 1.5, 0.5, 2.0, 1.5, 3.0],
    "bools": [True, False, True, True, False, False],
    "strings": ["dog", "cat", "dog", "ant", "cat", "emu"],
}


@pytest.mark.parametrize("storage", ["python", "pyarrow"])
@pytest.mark.parametrize("kind", sorted(LABEL_COLUMNS))
def test_codes_match_pandas_factorize(kind: str, storage: Literal["python", "pyarrow"]) -> None:
    labels = pd.Series(LABEL_COLUMNS[kind])
    if kind == "strings":
        labels = labels.astype(pd.StringDtype(storage))
    data = pd.DataFrame({"task": pd.Series(["t2", "t1", "t2", "t3", "t1", "t3"], dtype=pd.StringDtype(storage)),
                         "worker": ["b", "a", "c", "a", "b", "c"], "label": labels})
    encoded = encode_answers(data)
    for column, codes, index, sort in (("task", encoded.task, encoded.tasks, False),
                                       ("label", encoded.label, encoded.labels, True)):
        expected_codes, expected = pd.factorize(data[column], sort=sort)
        np.testing.assert_array_equal(codes, expected_codes)
        assert list(index) == list(expected) and index.dtype == pd.Index(expected).dtype
    assert list(encoded.labels) == sorted(set(LABEL_COLUMNS[kind]))


@pytest.mark.parametrize("column", ["task", "worker", "label"])
def test_missing_values_in_arrow_columns_are_refused(column: str) -> None:
    data = pd.DataFrame({"task": ["t1", "t1", "t2"], "worker": ["a", "b", "a"], "label": ["x", "y", "x"]})
    data[column] = pd.Series(["v", None, "w"], dtype="string[pyarrow]")
    with pytest.raises(MissingValuesError, match=f"'{column}' has 1 missing"):
        encode_answers(data)


def test_mixed_label_kinds_in_object_column() -> None:
    data = pd.DataFrame({"task": ["t1", "t1"], "worker": ["a", "b"], "label": pd.Series([1, "1"], dtype=object)})
    with pytest.raises(MixedLabelTypesError):
        encode_answers(data)
