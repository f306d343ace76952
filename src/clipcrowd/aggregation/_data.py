"""The data contract: validate an answers frame once and encode it as integer codes.

Every algorithm works on :class:`Answers`: three integer code arrays (task, worker, label) and an
optional weight array, plus the pandas indexes that turn codes back into the caller's values.

Invariants:
- labels are coded in *sorted* order, so ``argmax`` over a label axis breaks ties towards the label
  that sorts first (the same rule as crowd-kit's MajorityVote);
- tasks and workers are coded in order of first appearance, which is also the row order of every
  per-task or per-worker output;
- duplicate (worker, task) answers are kept: each row is one vote.
"""

from __future__ import annotations

import numbers
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .errors import (
    EmptyAnswersError,
    InvalidWeightsError,
    MissingColumnsError,
    MissingValuesError,
    MixedLabelTypesError,
    UnknownGoldLabelError,
)

__all__ = ["Answers", "encode_answers", "encode_gold", "label_kind"]

REQUIRED_COLUMNS = ("task", "worker", "label")
#: columns shorter than this are hashed as they are (finding runs would not pay for itself)
RUN_MIN_ROWS = 10_000
#: rows looked at to guess whether a column comes in runs of equal values
RUN_PROBE = 4096
#: above this share of rows starting a new run, hashing every row is cheaper
RUN_MAX_CHANGE_RATE = 0.7
#: frames at least this long have their worker column coded in a second thread
PARALLEL_MIN_ROWS = 200_000
IntArray = npt.NDArray[np.signedinteger[Any]]  # int32 codes, int64 where they could overflow
FloatArray = npt.NDArray[np.float64]


def label_kind(value: Any) -> str:
    """The kind of a label value; labels of different kinds cannot be mixed in one frame."""
    if isinstance(value, str | np.str_):
        return "str"
    if isinstance(value, bytes | np.bytes_):
        return "bytes"
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, numbers.Number):
        return "number"
    return type(value).__name__


def _codes(column: pd.Series, name: str, sort: bool) -> tuple[IntArray, pd.Index]:
    """Codes and uniques of one column, by the cheapest path that applies: small integer labels by
    counting, categorical columns from their own codes, columns in runs from the runs, anything else
    by one hashing pass (missing values show up on every path: no separate NaN pass). With
    ``sort``, the few uniques are sorted afterwards and the codes remapped through a table."""
    found = ((_small_int_codes(column, name) if sort else None) or _categorical_codes(column, name)
             or _run_codes(column, name) or _arrow_codes(column, name))
    if found is None:
        try:
            raw, uniques = pd.factorize(column)
        except TypeError as exc:  # unhashable values
            raise MixedLabelTypesError(f"column {name!r} holds values that cannot be compared: {exc}") from exc
        missing = raw < 0
        if missing.any():
            raise MissingValuesError(f"column {name!r} has {int(missing.sum())} missing value(s)")
        # int32 halves the memory of the three code arrays; flat indexes that can outgrow it are
        # computed in int64 (see `_flat`).
        found = raw.astype(np.int32 if len(uniques) < 2**31 else np.int64), pd.Index(uniques, name=name)
    codes, index = found
    if sort:
        try:
            order = None if index.is_monotonic_increasing else index.argsort()
        except TypeError as exc:  # unorderable values, e.g. 1 and "1" in an object column
            raise MixedLabelTypesError(f"column {name!r} mixes values that cannot be compared: {exc}") from exc
        if order is not None:
            rank = np.empty(len(order), dtype=codes.dtype)
            rank[order] = np.arange(len(order), dtype=codes.dtype)
            codes, index = rank.take(codes), index.take(order)
    return codes, index


def _categorical_codes(column: pd.Series, name: str) -> tuple[IntArray, pd.Index] | None:
    """Codes of a pandas categorical column from its own codes: nothing is hashed.

    Categories no row uses are dropped and the rest renumbered in order of first appearance (the
    contract of every other path); the index holds the categories' values, not a categorical.
    """
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return None
    raw = column.cat.codes.to_numpy()
    missing = int(np.count_nonzero(raw < 0))
    if missing:
        raise MissingValuesError(f"column {name!r} has {missing} missing value(s)")
    n_rows, categories = len(raw), column.cat.categories
    first_row = np.full(len(categories), n_rows, dtype=np.intp)
    np.minimum.at(first_row, raw, np.arange(n_rows))
    starts = np.zeros(n_rows, dtype=bool)
    starts[first_row[first_row < n_rows]] = True
    order = raw[starts]  # categories in order of first appearance
    renumber = np.full(len(categories), -1, dtype=np.int32)
    renumber[order] = np.arange(len(order), dtype=np.int32)
    return renumber.take(raw), pd.Index(categories.take(order), name=name)


def _small_int_codes(column: pd.Series, name: str) -> tuple[IntArray, pd.Index] | None:
    """Sorted codes of a numpy integer column with small non-negative values (class labels), by
    counting: no hash table (``pd.factorize`` sizes one for every row: 40 MB per million)."""
    if not isinstance(column.dtype, np.dtype) or column.dtype.kind != "i" or len(column) == 0:
        return None
    values = column.to_numpy()
    low, high = int(values.min()), int(values.max())
    if low < 0 or high > 4 * len(values) + 1024:
        return None
    present = np.bincount(values, minlength=high + 1) > 0
    uniques = np.flatnonzero(present).astype(column.dtype)
    if low == 0 and present.all():  # labels 0..K-1, all used: the values are their own codes
        codes = values.view()  # the caller's memory, no copy: read-only, so nothing can write to it
        codes.flags.writeable = False
        return codes, pd.Index(uniques, name=name)
    rank = (np.cumsum(present) - 1).astype(np.int32)
    return rank.take(values), pd.Index(uniques, name=name)


def _arrow_data(column: pd.Series) -> Any:
    """The column's own arrow data (zero-copy, possibly chunked), or None for other storage."""
    if getattr(column.dtype, "storage", None) != "pyarrow" and not isinstance(column.dtype, pd.ArrowDtype):
        return None
    import pyarrow as pa

    return pa.array(column.array)


def _run_codes(column: pd.Series, name: str) -> tuple[IntArray, pd.Index] | None:
    """Codes of a column whose equal values sit next to each other (answers listed task by task, as
    exports usually are), or None when the column does not look like that.

    Only each run's first value is looked at: when those are strictly increasing (a sorted export)
    they are all distinct and the codes are the run numbers, with no hashing at all; otherwise only
    the run heads are hashed. Hashing a column with many distinct values costs a cache miss per row
    (~65 ms for a million task ids); finding the runs is one vectorised comparison of neighbours.
    Codes still follow the order of first appearance. Missing values end up as run heads and are
    reported as such.
    """
    if len(column) < RUN_MIN_ROWS:
        return None
    data = _arrow_data(column)
    if data is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        if data.null_count:
            raise MissingValuesError(f"column {name!r} has {data.null_count} missing value(s)")

        def different(a: Any, b: Any) -> npt.NDArray[np.bool_]:
            return np.asarray(pc.not_equal(a, b, memory_pool=pa.system_memory_pool()))
    elif isinstance(column.dtype, np.dtype) and column.dtype.kind in "iub":
        data = column.to_numpy()

        def different(a: Any, b: Any) -> npt.NDArray[np.bool_]:
            return np.asarray(a != b)
    else:
        return None
    probe = min(len(data), RUN_PROBE)
    if different(data[1:probe], data[: probe - 1]).mean() > RUN_MAX_CHANGE_RATE:
        return None  # values change at nearly every row: runs would not pay for themselves
    starts = np.flatnonzero(different(data[1:], data[:-1]))
    starts += 1
    if len(starts) > RUN_MAX_CHANGE_RATE * len(data):
        return None
    run = np.zeros(len(data), dtype=np.int32)
    run[starts] = 1
    np.cumsum(run, out=run)  # each row's run number
    first = np.concatenate(([0], starts))
    heads: Any = data.take(first) if isinstance(data, np.ndarray) else _arrow_take(data, first)
    if _strictly_increasing(heads):
        index = pd.Index(pd.array(heads, dtype=column.dtype), name=name)
        return run, index
    head_codes, index = _codes(pd.Series(pd.array(heads, dtype=column.dtype)), name, sort=False)
    return head_codes.take(run), index


def _first_appearance(codes: IntArray, size: int) -> bool:
    """Whether `codes` number `size` values 0, 1, 2, ... in order of first appearance: the first is 0,
    each is at most one above every code before it, and the last new one is ``size - 1`` (one pass,
    no sort)."""
    running = np.maximum.accumulate(codes)
    return bool(codes[0] == 0 and running[-1] == size - 1 and not (codes[1:] > running[:-1] + 1).any())


def _strictly_increasing(values: Any) -> bool:
    if len(values) < 2:
        return True
    if isinstance(values, np.ndarray):
        return bool((values[:-1] < values[1:]).all())
    import pyarrow as pa
    import pyarrow.compute as pc

    pool = pa.system_memory_pool()
    return bool(pc.all(pc.less(values[:-1], values[1:], memory_pool=pool), memory_pool=pool).as_py())


def _index_increasing(index: pd.Index) -> bool:
    """Whether an index of unique values is already sorted. For arrow-backed strings this compares
    neighbours in arrow (pandas' own check first builds an object array: 0.2 s at 200k tasks)."""
    data = _arrow_data(index)  # type: ignore[arg-type]  # an Index has the dtype and array it reads
    if data is not None:
        if data.null_count:
            return False
        return _strictly_increasing(data)
    return bool(index.is_monotonic_increasing)


def _arrow_take(data: Any, rows: IntArray) -> Any:
    """``data.take(rows)`` for ascending ``rows``, chunk by chunk, in the system allocator (see
    :func:`_arrow_codes` for why). Arrow's own take on a chunked array first concatenates every
    chunk: a copy of the whole column (26 of the 30 ms this encoding took at a million rows)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    pool = pa.system_memory_pool()
    if not isinstance(data, pa.ChunkedArray):
        return pc.take(data, rows, memory_pool=pool)
    ends = np.cumsum([len(chunk) for chunk in data.chunks])
    bounds = np.searchsorted(rows, ends)
    parts, start, offset = [], 0, 0
    for chunk, end, stop in zip(data.chunks, ends, bounds, strict=True):
        if stop > start:
            parts.append(pc.take(chunk, rows[start:stop] - offset, memory_pool=pool))
        start, offset = stop, int(end)
    return pa.chunked_array(parts, type=data.type)


def _arrow_codes(column: pd.Series, name: str) -> tuple[IntArray, pd.Index] | None:
    """Codes of a pyarrow-backed column (pandas' default string storage), or None for other columns.

    What ``pd.factorize`` does for such columns, with two differences that matter at millions of
    answers: the hash table lives in the system allocator, which hands its pages back when the
    table is freed (pyarrow's default pool keeps them, and the peak memory of everything after the
    factorisation then sits on top of them), and the int32 indices are kept (no int64 copy).
    """
    data = _arrow_data(column)
    if data is None:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = data.chunks if isinstance(data, pa.ChunkedArray) else [data]
    if not chunks:
        return None
    if data.null_count:
        raise MissingValuesError(f"column {name!r} has {data.null_count} missing value(s)")
    encoded = pc.dictionary_encode(data, memory_pool=pa.system_memory_pool())
    parts = encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]
    codes = np.concatenate([part.indices.to_numpy() for part in parts])
    # every chunk carries the dictionary as built so far: the last one holds all values
    index = pd.Index(pd.array(parts[-1].dictionary, dtype=column.dtype), name=name)
    return codes, index


def _flat(major: IntArray, n_minor: int, minor: IntArray) -> IntArray:
    """``major * n_minor + minor`` as ``intp``: the flat indexes feed ``np.bincount``, which would
    otherwise convert a narrower array to ``intp`` (a full copy) at every call, i.e. every EM
    iteration."""
    flat: IntArray = major.astype(np.intp)
    np.multiply(flat, n_minor, out=flat)
    np.add(flat, minor, out=flat)
    return flat


@dataclass(frozen=True)
class Answers:
    """Answers encoded as integer codes; build it with :func:`encode_answers`."""

    task: IntArray
    worker: IntArray
    label: IntArray
    weight: FloatArray | None
    tasks: pd.Index
    workers: pd.Index
    labels: pd.Index
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_answers(self) -> int:
        return int(self.task.shape[0])

    @property
    def n_tasks(self) -> int:
        return len(self.tasks)

    @property
    def n_workers(self) -> int:
        return len(self.workers)

    @property
    def n_labels(self) -> int:
        return len(self.labels)

    def weights(self) -> FloatArray:
        """Per-answer weights (ones when the frame had no `weight` column)."""
        if self.weight is not None:
            return self.weight
        if "ones" not in self._cache:
            self._cache["ones"] = np.ones(self.n_answers)
        ones: FloatArray = self._cache["ones"]
        return ones

    def label_task_votes(self, weight: FloatArray | None = None, cache: bool = True) -> npt.NDArray[Any]:
        """(labels, tasks) sums of weights, C-contiguous: the vote table, integer counts when no
        answer is weighted. ``cache=False`` when this is the only vote of the fit (see
        :meth:`label_task`).

        Label-major because every per-task reduction over labels (max, sum, argmax, softmax) then
        runs over a handful of long contiguous rows: element-wise and vectorised, several times
        faster than reducing short rows of a (tasks, labels) array.
        """
        w = self.weight if weight is None else weight
        counts = np.bincount(self.label_task(cache), weights=w, minlength=self.n_tasks * self.n_labels)
        return counts.reshape(self.n_labels, self.n_tasks)

    def label_task(self, cache: bool = True) -> IntArray:
        """Per answer ``label * n_tasks + task``: the flat index of the label-major vote table.

        Cached unless ``cache`` is false (8 bytes per answer: a single vote should not keep it).
        """
        if "label_task" in self._cache:
            cached: IntArray = self._cache["label_task"]
            return cached
        flat = _flat(self.label, self.n_tasks, self.task)
        if cache:
            self._cache["label_task"] = flat
        return flat

    def worker_label(self, cache: bool = True) -> IntArray:
        """Per answer ``worker * n_labels + label``: the flat (worker, given label) index.

        Cached unless ``cache`` is false: a caller that needs it once (to build a sparse matrix)
        should not keep 8 bytes per answer alive for the rest of the fit.
        """
        if "worker_label" in self._cache:
            cached: IntArray = self._cache["worker_label"]
            return cached
        flat = _flat(self.worker, self.n_labels, self.label)
        if cache:
            self._cache["worker_label"] = flat
        return flat

    def worker_totals(self) -> FloatArray:
        """Sum of answer weights per worker (cached; do not modify)."""
        if "worker_totals" not in self._cache:
            self._cache["worker_totals"] = np.bincount(
                self.worker, weights=self.weight, minlength=self.n_workers).astype(np.float64)
        totals: FloatArray = self._cache["worker_totals"]
        return totals

    def pair_totals(self) -> FloatArray:
        """Sum of answer weights per (worker, given label), flat (cached; do not modify)."""
        if "pair_totals" not in self._cache:
            self._cache["pair_totals"] = np.bincount(
                self.worker_label(), weights=self.weight, minlength=self.n_workers * self.n_labels
            ).astype(np.float64)
        totals: FloatArray = self._cache["pair_totals"]
        return totals

    def task_order(self) -> IntArray | None:
        """Positions that put the tasks in sorted order (None: already sorted, or not orderable)."""
        return self._order("tasks")

    def worker_order(self) -> IntArray | None:
        """Positions that put the workers in sorted order (None: already sorted, or not orderable)."""
        return self._order("workers")

    def sorted_tasks(self) -> pd.Index:
        return self._sorted("tasks")

    def sorted_workers(self) -> pd.Index:
        return self._sorted("workers")

    def _order(self, which: str) -> IntArray | None:
        key = f"{which}_order"
        if key not in self._cache:
            index: pd.Index = getattr(self, which)
            order = None
            try:
                if not _index_increasing(index):
                    order = index.argsort(kind="stable")
            except TypeError:  # values that cannot be ordered (1 and "1"): first-appearance order stays
                order = None
            self._cache[key] = order
        found: IntArray | None = self._cache[key]
        return found

    def _sorted(self, which: str) -> pd.Index:
        order = self._order(which)
        index: pd.Index = getattr(self, which)
        return index if order is None else index.take(order)

    @classmethod
    def from_codes(cls, task: IntArray, worker: IntArray, label: IntArray, tasks: pd.Index, workers: pd.Index,
                   labels: pd.Index, *, per_answer_checks: bool = True) -> Answers:
        """Answers already coded by the caller (e.g. read column-wise from a database), checked
        against the contract: equal lengths, codes within their index, every task and worker used,
        tasks and workers in order of first appearance, labels sorted and of one kind.

        ``per_answer_checks=False`` skips the checks that pass over every answer (codes in range,
        first-appearance order) for codes whose construction guarantees them (the column reader,
        `services.answer_columns`, tested against them): a few passes over 300,000 answers each
        request. Lengths, integer codes and the labels are checked either way.

        Raises the same :class:`~clipcrowd.aggregation.errors.AggregationInputError` subclasses as
        :func:`encode_answers`."""
        n = len(task)
        if n == 0:
            raise EmptyAnswersError("answers are empty: nothing to aggregate")
        if len(worker) != n or len(label) != n:
            raise MissingColumnsError(f"code arrays differ in length: {n}, {len(worker)}, {len(label)}")
        coded = []
        for name, codes, index in (("task", task, tasks), ("worker", worker, workers), ("label", label, labels)):
            codes = np.asarray(codes)
            if codes.dtype.kind != "i":
                raise MissingColumnsError(f"{name} codes must be integers, got {codes.dtype}")
            if not per_answer_checks:
                coded.append(codes)
                continue
            if int(codes.min()) < 0 or int(codes.max()) >= len(index):
                raise MissingValuesError(f"{name} codes fall outside their {len(index)} values")
            if name != "label" and not _first_appearance(codes, len(index)):
                raise MissingColumnsError(f"{name} codes must number values in order of first appearance")
            coded.append(codes)
        if not labels.is_monotonic_increasing or not labels.is_unique:
            raise MixedLabelTypesError("labels must be sorted and distinct (ties break towards the first)")
        if len({label_kind(v) for v in labels}) > 1:
            raise MixedLabelTypesError(f"labels mix kinds of values: {sorted({label_kind(v) for v in labels})}")
        return cls(coded[0], coded[1], coded[2], None, pd.Index(tasks, name="task"),
                   pd.Index(workers, name="worker"), pd.Index(labels, name="label"))

    def count_duplicates(self) -> int:
        """Number of answers beyond the first for the same (worker, task) pair: equal neighbours once
        sorted (`np.unique` hashes integers since numpy 2.3, fifty times slower than a sort here)."""
        pairs = np.sort(self.worker.astype(np.int64) * self.n_tasks + self.task)
        return int(np.count_nonzero(pairs[1:] == pairs[:-1]))


def encode_answers(data: pd.DataFrame | Answers) -> Answers:
    """Validate an answers frame (`task`, `worker`, `label`, optional `weight`) and encode it;
    answers already coded (:meth:`Answers.from_codes`) are taken as they are.

    Raises a subclass of :class:`~clipcrowd.aggregation.errors.AggregationInputError` (a ``ValueError``)
    for: a non-DataFrame, missing columns, no rows, missing values, mixed label kinds, bad weights.
    """
    if isinstance(data, Answers):
        return data
    if not isinstance(data, pd.DataFrame):
        raise MissingColumnsError(f"answers must be a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in data.columns]
    if missing:
        raise MissingColumnsError(
            f"answers frame lacks column(s) {missing}; required: {list(REQUIRED_COLUMNS)}"
        )
    if len(data) == 0:
        raise EmptyAnswersError("answers frame is empty: nothing to aggregate")
    if len(data) >= PARALLEL_MIN_ROWS:
        # arrow's and numpy's kernels release the GIL: the worker column is coded on a second core
        # while this thread codes tasks and labels (a third of the encoding time at a million rows)
        with ThreadPoolExecutor(max_workers=1) as pool:
            workers_coded = pool.submit(_codes, data["worker"], "worker", False)
            task, tasks = _codes(data["task"], "task", sort=False)
            label, labels = _codes(data["label"], "label", sort=True)
            worker, workers = workers_coded.result()
    else:
        task, tasks = _codes(data["task"], "task", sort=False)
        worker, workers = _codes(data["worker"], "worker", sort=False)
        label, labels = _codes(data["label"], "label", sort=True)
    kinds = sorted({label_kind(v) for v in labels})
    if len(kinds) > 1:
        raise MixedLabelTypesError(f"column 'label' mixes kinds of values: {kinds}")
    weight = None
    if "weight" in data.columns:
        weight = _weights(data["weight"])
    return Answers(task, worker, label, weight, tasks, workers, labels)


def _weights(column: pd.Series) -> FloatArray:
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        raise InvalidWeightsError(f"column 'weight' must be numeric, got dtype {column.dtype}")
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise InvalidWeightsError(
            f"column 'weight' has {int(bad.sum())} missing, infinite or negative value(s)"
        )
    return values


def encode_gold(answers: Answers, gold: pd.Series | None) -> tuple[IntArray, IntArray]:
    """Gold labels as (task codes, label codes) for the gold tasks that have answers.

    Gold tasks without answers are ignored; missing gold values mean "no gold for this task".
    A gold label that no worker used raises :class:`UnknownGoldLabelError`.
    """
    empty = np.empty(0, dtype=np.int64)
    if gold is None:
        return empty, empty
    if not isinstance(gold, pd.Series):
        raise UnknownGoldLabelError(f"gold labels must be a pandas Series indexed by task, got {type(gold)}")
    gold = gold.dropna()
    task_codes = answers.tasks.get_indexer(gold.index)
    known = task_codes >= 0
    gold = gold[known]
    task_codes = task_codes[known]
    label_codes = answers.labels.get_indexer(pd.Index(gold.to_numpy()))
    unknown = label_codes < 0
    if unknown.any():
        values = sorted({repr(v) for v in gold.to_numpy()[unknown]})[:5]
        raise UnknownGoldLabelError(
            f"{int(unknown.sum())} gold label(s) are not among the labels workers used "
            f"({list(answers.labels)[:10]}): {values}"
        )
    return task_codes.astype(np.int64), label_codes.astype(np.int64)
