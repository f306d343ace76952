"""Pool results as CSV, a JSON array or JSON lines, produced piece by piece for a streamed response.

The rows are the desk's download: assignment, worker, status, task, golden flag, submission time,
input and output values, known solutions, and, for tasks an aggregation run labelled, per field
the latest label, its confidence and the method. CSV follows the requester habit of `INPUT:name`
and `OUTPUT:name` columns (non-strings as JSON) plus `AGGREGATED:`, `CONFIDENCE:` and
`AGGREGATED_BY:` per aggregated field; its columns come from the project's specs, so the header
is known before the first row is read.

Writers take a batch of answers at a time (`pool_answers.chunks`): the CSV module writes a batch's
lines in one call. A line's cells are made for it (a batch seldom holds a task twice), except a
labelled task's aggregate cells, kept in `Task.memo` for the batch. A JSON record is one f-string
of its values, each encoded, with the same bytes `json.dumps(record(answer), ensure_ascii=False)` gives.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from types import SimpleNamespace
from typing import Any

from clipcrowd.domain.csvsafe import FORMULA_STARTS, neutralise
from clipcrowd.export.pool_answers import Answer, Shape, Task

PIECE = 64 * 1024  # characters gathered before a piece is handed to the response
AGGREGATE_PARTS = (("AGGREGATED", "label"), ("CONFIDENCE", "confidence"), ("AGGREGATED_BY", "method"))


def _encoder() -> Callable[[Any], str]:
    """`json.dumps(value, ensure_ascii=False)`, with the C encoder the standard library builds for
    every `dumps` made once: it takes 0.4 µs a small object instead of 1.3 µs, four calls an answer
    in a JSON export. No check for cycles: every value written was parsed from JSON."""
    plain = json.JSONEncoder(ensure_ascii=False, check_circular=False)
    make: Any = getattr(json.encoder, "c_make_encoder", None)  # the accelerator's constructor: not public API
    join = "".join
    try:
        encoder = make(None, plain.default, json.encoder.encode_basestring, None, ": ", ", ", False, False, True)

        def encode(value: Any) -> str:
            return join(encoder(value, 0))

        probe = {"a": [1, 2.5, "é\n", None, True], "b": {}}
        if encode(probe) == plain.encode(probe):
            return encode
    except Exception:  # no accelerator, or one whose constructor changed
        pass
    return plain.encode  # the same bytes, built per call


encode = _encoder()


def record(answer: Answer) -> dict[str, Any]:
    """One answer as the JSON download shows it (`results_json` writes the same text without it)."""
    row, task, values = answer
    item = {
        "assignment_id": row.id, "worker_id": row.worker_id, "status": row.status,
        "task_id": task.id, "golden": task.golden, "submitted": row.submitted,
        "input_values": task.data.get("input_values", {}), "output_values": values,
        "known_solutions": task.data.get("known_solutions"),
    }
    if task.aggregated:
        item["aggregated"] = _aggregated(task.aggregated)
    return item


def _aggregated(aggregated: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f: {k: v[k] for k in ("label", "confidence", "method")} for f, v in aggregated.items()}


def cell(value: Any) -> str:
    """A value as a text cell for programs (TSV, Parquet): strings as they are, the rest as JSON."""
    return value if value.__class__ is str else ("" if value is None else encode(value))


def spreadsheet_cell(value: Any) -> str:
    """A value as a CSV cell people open in spreadsheets: text that would run as a formula is neutralised."""
    if value.__class__ is str:
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return neutralise(value) if isinstance(value, str) else cell(value)


def header(shape: Shape) -> list[str]:
    return (["ASSIGNMENT:assignment_id", "ASSIGNMENT:worker_id", "ASSIGNMENT:status", "ASSIGNMENT:task_id",
             "ASSIGNMENT:golden", "ASSIGNMENT:submitted"]
            + [f"INPUT:{k}" for k in shape.inputs] + [f"OUTPUT:{k}" for k in shape.outputs]
            + [f"{kind}:{k}" for k in shape.aggregated_fields for kind, _ in AGGREGATE_PARTS])


def _aggregated_cells(shape: Shape, task: Task, cell: Callable[[Any], str]) -> list[str]:
    """A labelled task's aggregate cells (label, confidence, method per aggregated field), made once
    per task and batch."""
    cells = task.memo.get(cell)
    if cells is None:
        aggregated = task.aggregated
        cells = task.memo[cell] = [cell((aggregated.get(k) or {}).get(part)) for k in shape.aggregated_fields
                                   for _, part in AGGREGATE_PARTS]
    return cells


def flat(shape: Shape, answer: Answer, cell: Callable[[Any], str] = cell) -> list[str]:
    """One answer as a CSV line's cells, in `header` order, each value written by `cell`. A line's
    cells are made for it (a batch seldom holds a task twice), by `map` rather than comprehensions:
    no frame per list."""
    row, task, values = answer
    line = [row.id, row.worker_id, row.status, task.id, "true" if task.golden else "false", row.submitted or ""]
    line += map(cell, map(task.data.get("input_values", {}).get, shape.inputs))
    line += map(cell, map(values.get, shape.outputs))
    if shape.aggregated_fields:
        line += _aggregated_cells(shape, task, cell)
    return line


def delimited(head: list[str], lines: Iterable[list[list[str]]], delimiter: str = ",") -> Iterator[bytes]:
    """A header and batches of lines as UTF-8 pieces of about `PIECE` characters (or one batch).

    The writer appends its lines' text to a list (a `StringIO` rewound after each piece keeps four
    bytes a character), joined and encoded once per piece."""
    parts: list[str] = []
    writer = csv.writer(SimpleNamespace(write=parts.append), delimiter=delimiter, lineterminator="\n")
    writer.writerow(head)
    size = len(parts[0])
    for batch in lines:
        written = len(parts)
        writer.writerows(batch)
        size += sum(map(len, islice(parts, written, None)))
        if size >= PIECE:
            yield "".join(parts).encode()
            parts.clear()
            size = 0
    yield "".join(parts).encode()


def results_csv(shape: Shape, chunks: Iterable[list[Answer]]) -> Iterator[bytes]:
    """The CSV download; text cells are spreadsheet-safe (see `clipcrowd.domain.csvsafe`)."""
    return delimited(header(shape), ([flat(shape, a, spreadsheet_cell) for a in chunk] for chunk in chunks))


def _pieces(parts: Iterable[str], opening: str = "", closing: str = "") -> Iterator[bytes]:
    gathered: list[str] = [opening]
    size = len(opening)
    for part in parts:
        gathered.append(part)
        size += len(part)
        if size >= PIECE:
            yield "".join(gathered).encode()
            gathered, size = [], 0
    gathered.append(closing)
    yield "".join(gathered).encode()


def _json_text(answer: Answer) -> str:
    """`json.dumps(record(answer), ensure_ascii=False)`, spliced: ids, flags and times are text the
    record would write as they are, and only the values are encoded (one f-string, no dict)."""
    row, task, values = answer
    data = task.data
    submitted = "null" if row.submitted is None else f'"{row.submitted}"'
    aggregated = f', "aggregated": {encode(_aggregated(task.aggregated))}' if task.aggregated else ""
    return (f'{{"assignment_id": "{row.id}", "worker_id": "{row.worker_id}", "status": {encode(row.status)}, '
            f'"task_id": "{task.id}", "golden": {"true" if task.golden else "false"}, "submitted": {submitted}, '
            f'"input_values": {encode(data.get("input_values", {}))}, "output_values": {encode(values)}, '
            f'"known_solutions": {encode(data.get("known_solutions"))}{aggregated}}}')


def results_json(chunks: Iterable[list[Answer]]) -> Iterator[bytes]:
    """A JSON array of `record`s, one per line."""
    def parts() -> Iterator[str]:
        separator = "\n"
        for chunk in chunks:
            if chunk:
                yield separator + ",\n".join(_json_text(a) for a in chunk)
                separator = ",\n"
    return _pieces(parts(), "[", "\n]\n")


def results_jsonl(chunks: Iterable[list[Answer]]) -> Iterator[bytes]:
    """JSON lines: one `record` per line, for readers that stream too."""
    return _pieces("".join(_json_text(a) + "\n" for a in chunk) for chunk in chunks)
