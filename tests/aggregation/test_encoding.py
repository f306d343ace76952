"""Encoding answers into codes: every path (arrow strings, small integers, anything else) gives
the codes and uniques ``pd.factorize`` would, labels in sorted order, tasks and workers in order
of first appearance; missing values are refused on every path."""

from __future__ import annotations

import itertools
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


def _runs(values: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
    """``values`` repeated in runs of 1..length rows each."""
    return np.repeat(values, rng.integers(1, length + 1, size=len(values)))


RUN_COLUMNS = {
    # sorted string ids in runs: coded from the runs alone, nothing hashed
    "sorted strings": lambda rng: _runs(np.array([f"task-{i:06d}" for i in range(8000)]), 4, rng),
    # runs in random order, one value coming back later: run heads are hashed
    "unsorted strings": lambda rng: np.concatenate(
        [_runs(rng.permutation([f"t{i}" for i in range(8000)]), 4, rng), ["t17"] * 3]),
    "sorted ints": lambda rng: _runs(np.arange(8000) * 7, 4, rng),
    "unsorted ints": lambda rng: np.concatenate([_runs(rng.permutation(8000), 4, rng), [5, 5, 6]]),
    # values changing at almost every row: hashed row by row
    "no runs": lambda rng: rng.permutation([f"t{i}" for i in range(20000)]),
}


@pytest.mark.parametrize("kind", sorted(RUN_COLUMNS))
def test_columns_in_runs_are_coded_like_pandas_factorize(kind: str) -> None:
    """Exports list answers task by task; such columns take a shortcut (runs of equal values),
    which must give exactly what hashing every row gives."""
    rng = np.random.default_rng(7)
    tasks = pd.Series(RUN_COLUMNS[kind](rng))
    if tasks.dtype == object:
        tasks = tasks.astype("str")
    data = pd.DataFrame({"task": tasks, "worker": rng.integers(0, 50, len(tasks)).astype(str),
                         "label": rng.integers(0, 3, len(tasks))})
    encoded = encode_answers(data)
    expected_codes, expected = pd.factorize(data["task"])
    np.testing.assert_array_equal(encoded.task, expected_codes)
    assert list(encoded.tasks) == list(expected) and encoded.tasks.dtype == pd.Index(expected).dtype
    assert encoded.task.dtype == np.int32


def test_missing_value_inside_runs_is_refused() -> None:
    tasks = pd.Series(np.repeat([f"t{i:05d}" for i in range(6000)], 3), dtype="str")
    tasks[9000] = None
    data = pd.DataFrame({"task": tasks, "worker": "w", "label": 1})
    with pytest.raises(MissingValuesError, match="'task' has 1 missing"):
        encode_answers(data)


def test_large_frames_code_columns_in_parallel_with_the_same_result() -> None:
    from clipcrowd.aggregation import _data

    rng = np.random.default_rng(3)
    n = _data.PARALLEL_MIN_ROWS + 10
    data = pd.DataFrame({"task": rng.integers(0, n // 3, n).astype(str), "worker": rng.integers(0, 900, n).astype(str),
                         "label": rng.integers(0, 4, n)})
    encoded = encode_answers(data)
    for column, codes in (("task", encoded.task), ("worker", encoded.worker)):
        np.testing.assert_array_equal(codes, pd.factorize(data[column])[0])
    bad = data.assign(worker=data["worker"].where(data.index != 5))
    with pytest.raises(MissingValuesError, match="'worker' has 1 missing"):
        encode_answers(bad)


def test_chunked_arrow_column_in_runs() -> None:
    """Columns read from parquet come in chunks; runs may cross chunk boundaries, chunks may be empty."""
    import pyarrow as pa

    ascending = np.repeat([f"t{i:05d}" for i in range(5000)], 3)
    cuts = [0, 4000, 4000, 4001, 9000, len(ascending)]  # an empty chunk; one of a single row
    for values in (ascending, ascending[::-1]):  # run heads sorted (nothing hashed) and not
        chunks = [pa.array(values[a:b], type=pa.large_string()) for a, b in itertools.pairwise(cuts)]
        column = pd.Series(pd.array(pa.chunked_array(chunks), dtype="str"))
        assert column.array._pa_array.num_chunks == 5  # type: ignore[attr-defined]
        data = pd.DataFrame({"task": column, "worker": "w", "label": 1})
        encoded = encode_answers(data)
        expected_codes, expected = pd.factorize(column)
        np.testing.assert_array_equal(encoded.task, expected_codes)
        assert list(encoded.tasks) == list(expected)


def test_class_labels_are_used_in_place_and_never_written() -> None:
    """Integer labels 0..K-1 serve as their own codes (no copy); no method may write into them."""
    from clipcrowd.aggregation import AGGREGATORS
    from clipcrowd.aggregation.synthetic import make_answers

    answers, truth = make_answers(3000, n_labels=3, overlap=3, seed=5)
    before = answers.copy(deep=True)
    encoded = encode_answers(answers)
    assert np.shares_memory(encoded.label, answers["label"].to_numpy())
    assert not encoded.label.flags.writeable
    for name, cls in AGGREGATORS.items():
        gold = truth.iloc[:50] if cls.gold == "required" else None
        cls().fit(answers, gold) if gold is not None else cls().fit(answers)
        pd.testing.assert_frame_equal(answers, before, obj=f"answers after {name}")


def test_flat_worker_label_index_is_cached_only_when_asked() -> None:
    data = pd.DataFrame({"task": ["t1", "t1", "t2"], "worker": ["a", "b", "a"], "label": ["x", "y", "y"]})
    encoded = encode_answers(data)
    once = encoded.worker_label(cache=False)
    np.testing.assert_array_equal(once, encoded.worker * encoded.n_labels + encoded.label)
    assert "worker_label" not in encoded._cache
    assert encoded.worker_label() is encoded.worker_label()  # cached from the first cached call on


@pytest.mark.parametrize("column", ["task", "worker", "label"])
def test_categorical_columns_are_coded_from_their_own_codes(column: str) -> None:
    """Categories in any order, some unused: the codes are what the plain values would get."""
    rng = np.random.default_rng(4)
    values = rng.choice(["delta", "alpha", "echo", "bravo", "kilo"], size=500)
    plain = pd.DataFrame({"task": rng.integers(0, 60, 500).astype(str), "worker": rng.integers(0, 9, 500).astype(str),
                          "label": rng.choice(["no", "yes", "maybe"], size=500)})
    plain[column] = values
    categorical = plain.assign(**{column: pd.Categorical(values, categories=["zulu", "kilo", "alpha", "echo",
                                                                            "bravo", "delta", "unused"])})
    ours, expected = encode_answers(categorical), encode_answers(plain)
    for attribute in ("task", "worker", "label"):
        np.testing.assert_array_equal(getattr(ours, attribute), getattr(expected, attribute))
    for attribute in ("tasks", "workers", "labels"):
        assert list(getattr(ours, attribute)) == list(getattr(expected, attribute))
        assert not isinstance(getattr(ours, attribute), pd.CategoricalIndex)


def test_missing_value_in_categorical_column_is_refused() -> None:
    data = pd.DataFrame({"task": pd.Categorical(["t1", None, "t2", None]), "worker": "w", "label": 1})
    with pytest.raises(MissingValuesError, match="'task' has 2 missing"):
        encode_answers(data)
