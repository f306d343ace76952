"""Pool results as CSV, a JSON array or JSON lines, produced piece by piece for a streamed response.

The rows are the desk's download: assignment, worker, status, task, golden flag, submission time,
input and output values, known solutions, and, for tasks an aggregation run labelled, per field
the latest label, its confidence and the method. CSV follows the requester habit of `INPUT:name`
and `OUTPUT:name` columns (non-strings as JSON) plus `AGGREGATED:`, `CONFIDENCE:` and
`AGGREGATED_BY:` per aggregated field; its columns come from the project's specs, so the header
is known before the first row is read.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from clipcrowd.domain.csvsafe import neutralise
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.timeutil import format_time
from clipcrowd.export.pool_answers import Answer, Shape

PIECE = 64 * 1024  # characters gathered before a piece is handed to the response
AGGREGATE_PARTS = (("AGGREGATED", "label"), ("CONFIDENCE", "confidence"), ("AGGREGATED_BY", "method"))


def record(answer: Answer) -> dict[str, Any]:
    """One answer as the JSON download shows it."""
    row, task = answer.assignment, answer.task
    item = {
        "assignment_id": format_id(row.id), "worker_id": format_id(row.worker_id), "status": row.status,
        "task_id": format_id(task.id), "golden": bool(task.golden), "submitted": format_time(row.submitted),
        "input_values": task.data.get("input_values", {}), "output_values": answer.values,
        "known_solutions": task.data.get("known_solutions"),
    }
    if answer.aggregated:
        item["aggregated"] = {f: {k: v[k] for k in ("label", "confidence", "method")}
                              for f, v in answer.aggregated.items()}
    return item


def cell(value: Any) -> str:
    """A value as a text cell for programs (TSV, Parquet): strings as they are, the rest as JSON."""
    return value if isinstance(value, str) else ("" if value is None else json.dumps(value, ensure_ascii=False))


def spreadsheet_cell(value: Any) -> str:
    """A value as a CSV cell people open in spreadsheets: text that would run as a formula is neutralised."""
    return neutralise(value) if isinstance(value, str) else cell(value)


def header(shape: Shape) -> list[str]:
    return (["ASSIGNMENT:assignment_id", "ASSIGNMENT:worker_id", "ASSIGNMENT:status", "ASSIGNMENT:task_id",
             "ASSIGNMENT:golden", "ASSIGNMENT:submitted"]
            + [f"INPUT:{k}" for k in shape.inputs] + [f"OUTPUT:{k}" for k in shape.outputs]
            + [f"{kind}:{k}" for k in shape.aggregated_fields for kind, _ in AGGREGATE_PARTS])


def flat(shape: Shape, answer: Answer, cell: Callable[[Any], str] = cell) -> list[str]:
    """One answer as a CSV line's cells, in `header` order, each value written by `cell`."""
    row, task = answer.assignment, answer.task
    inputs = task.data.get("input_values", {})
    return ([format_id(row.id), format_id(row.worker_id), row.status, format_id(task.id),
             "true" if task.golden else "false", format_time(row.submitted) or ""]
            + [cell(inputs.get(k)) for k in shape.inputs] + [cell(answer.values.get(k)) for k in shape.outputs]
            + [cell((answer.aggregated.get(k) or {}).get(part)) for k in shape.aggregated_fields
               for _, part in AGGREGATE_PARTS])


def delimited(head: list[str], lines: Iterable[list[str]], delimiter: str = ",") -> Iterator[bytes]:
    """A header and lines as UTF-8 pieces of about `PIECE` characters."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(head)
    for line in lines:
        writer.writerow(line)
        if buffer.tell() >= PIECE:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def results_csv(shape: Shape, answers: Iterable[Answer]) -> Iterator[bytes]:
    """The CSV download; text cells are spreadsheet-safe (see `clipcrowd.domain.csvsafe`)."""
    return delimited(header(shape), (flat(shape, a, spreadsheet_cell) for a in answers))


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


def results_json(answers: Iterable[Answer]) -> Iterator[bytes]:
    """A JSON array of `record`s, one per line."""
    def parts() -> Iterator[str]:
        for i, answer in enumerate(answers):
            yield ("\n" if i == 0 else ",\n") + json.dumps(record(answer), ensure_ascii=False)
    return _pieces(parts(), "[", "\n]\n")


def results_jsonl(answers: Iterable[Answer]) -> Iterator[bytes]:
    """JSON lines: one `record` per line, for readers that stream too."""
    return _pieces(json.dumps(record(a), ensure_ascii=False) + "\n" for a in answers)
