"""Tasks from a file (TSV, CSV, JSON array or JSON lines) for one pool, with a report per row.

Every cell is hostile until checked: the file is read a line at a time (bad UTF-8 is the fault of
the row it sits in), cells are bounded in length and refused when they hold control characters or
look like a spreadsheet formula, each is converted to the type its field declares, and unknown or
missing columns are named before any row is read. The rows then go through the same
`services.tasks.prepare` / `write` path as the API's `POST /tasks`, so a task made here is
exactly one made there. Nothing is created when any row is bad, unless the requester asked to skip
bad rows; then the report lists what was skipped.

Columns follow the requester dialect's TSV: `INPUT:<field>` for input values, `GOLDEN:<field>` for
the known solution of a golden task, `HINT:text` for the message shown on a wrong golden answer. A
JSON item is the dialect's task body (`input_values`, `known_solutions`, ...); its pool is this one.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import Connection

from clipcrowd.domain.errors import ClipcrowdError, ValidationFailed
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.models.projects import ProjectData
from clipcrowd.domain.text import text_problem
from clipcrowd.services import pools, tasks
from clipcrowd.services.projects import load as load_project
from clipcrowd.store.db import Database

FORMATS = {"tsv": "TSV (tab-separated)", "csv": "CSV (comma-separated)", "json": "JSON array",
           "jsonl": "JSON lines"}
_EXTENSIONS = {".tsv": "tsv", ".tab": "tsv", ".txt": "tsv", ".csv": "csv", ".json": "json", ".jsonl": "jsonl",
               ".ndjson": "jsonl"}
MAX_CELL_CHARS = 65_536  # one cell; csv's own field limit (131072) stays above it
MAX_JSON_DEPTH = 32
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$")
_FORMULA_START = ("=", "+", "-", "@")
_TASK_KEYS = {"input_values", "known_solutions", "message_on_unknown_solution", "overlap", "infinite_overlap",
              "pool_id"}
_GOLDEN_PATH = "known_solutions[0].output_values."
_SHOWN = 40  # characters of a bad value quoted back in a message
SHOWN_FAULTS = 200  # faults a report lists (the counts cover them all)


@dataclass(frozen=True)
class RowFault:
    """One thing wrong: the row (header = 1 in TSV/CSV, item or line number in JSON), where, what."""

    row: int
    where: str
    message: str


@dataclass
class Outcome:
    """What an upload did: tasks created (golden among them), faults, and whether faults were skipped."""

    rows: int = 0
    created: int = 0
    golden: int = 0
    faults: list[RowFault] = field(default_factory=list)
    skipped_rows: list[int] = field(default_factory=list)
    refused: str | None = None  # the file as a whole was refused (header, format, size)
    fault_count: int = 0  # every fault, also those a stored report leaves out (see `as_json`)
    bad_rows: int = 0  # rows with at least one fault
    skipped: int = 0  # bad rows left out, when the requester asked to skip them

    def tally(self) -> Outcome:
        self.fault_count, self.bad_rows = len(self.faults), len({f.row for f in self.faults})
        self.skipped = len(self.skipped_rows)
        return self

    def as_json(self, shown: int = SHOWN_FAULTS) -> dict[str, Any]:
        """The report as stored for a later page: the counts, and the first `shown` faults."""
        return {"rows": self.rows, "created": self.created, "golden": self.golden, "refused": self.refused,
                "fault_count": self.fault_count, "bad_rows": self.bad_rows, "skipped": self.skipped,
                "faults": [[f.row, f.where, f.message] for f in self.faults[:shown]]}

    @classmethod
    def of_json(cls, data: Mapping[str, Any]) -> Outcome:
        faults = [RowFault(int(row), str(where), str(message)) for row, where, message in data["faults"]]
        return cls(rows=data["rows"], created=data["created"], golden=data["golden"], refused=data["refused"],
                   faults=faults, fault_count=data["fault_count"], bad_rows=data["bad_rows"],
                   skipped=data["skipped"])


class FileRefused(ValidationFailed):
    """The file cannot be read as tasks at all (format, header, size); no row is looked at further."""


def format_of(filename: str, chosen: str) -> str:
    """The format the requester chose, else the one the file name says."""
    if chosen:
        if chosen not in FORMATS:
            raise FileRefused.field("format", f"one of {', '.join(FORMATS)}")
        return chosen
    lower = filename.lower()
    for ext, fmt in _EXTENSIONS.items():
        if lower.endswith(ext):
            return fmt
    raise FileRefused.field("format", "cannot tell from the file name; choose TSV, CSV, JSON or JSON lines")


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "…")


class _Fault(Exception):
    def __init__(self, where: str, message: str):
        super().__init__(message)
        self.where, self.message = where, message


def _cell(kind: str, raw: str, where: str) -> Any:
    """One TSV/CSV cell as the value its field type wants (raises _Fault naming the column)."""
    if kind in ("integer",):
        if not _INTEGER.match(raw.strip()):
            raise _Fault(where, f"must be an integer, got {_shown(raw)}")
        return int(raw.strip())
    if kind == "float":
        if not _NUMBER.match(raw.strip()) or not math.isfinite(float(raw)):
            raise _Fault(where, f"must be a number, got {_shown(raw)}")
        return float(raw)
    if kind == "boolean":
        if raw.strip().lower() not in ("true", "false"):
            raise _Fault(where, f"must be true or false, got {_shown(raw)}")
        return raw.strip().lower() == "true"
    if kind == "json" or kind.startswith("array_"):
        try:
            value = _bounded_json(raw)
        except _Fault as exc:
            raise _Fault(where, exc.message) from None
        if kind.startswith("array_") and not isinstance(value, list):
            raise _Fault(where, f"must be a JSON list such as [\"a\", \"b\"], got {_shown(raw)}")
        return value
    if raw.startswith(_FORMULA_START) and not _NUMBER.match(raw):
        raise _Fault(where, f"looks like a spreadsheet formula ({_shown(raw)}); store the value, not the formula")
    return raw


def _bounded_json(text: str) -> Any:
    """A JSON value with no NaN/Infinity, bounded nesting, and storable strings."""
    def constant(name: str) -> Any:
        raise _Fault("", f"{name} is not a JSON number")

    try:
        value = json.loads(text, parse_constant=constant)
    except RecursionError:
        raise _Fault("", f"is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise _Fault("", f"is not valid JSON ({exc.msg} at column {exc.colno})") from None
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _Fault("", f"is nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(item, str):
            problem = text_problem(item, MAX_CELL_CHARS)
            if problem:
                raise _Fault("", f"holds a text that {problem}")
        elif isinstance(item, dict):
            stack.extend((k, depth + 1) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise _Fault("", "holds a number that is not finite")
    return value


@dataclass
class _Row:
    number: int
    item: dict[str, Any] | None = None
    faults: list[RowFault] = field(default_factory=list)


def _decoded_lines(stream: IO[bytes], bad: set[int]) -> Iterator[str]:
    """The file's lines as text; a line that is not UTF-8 is decoded with replacement and remembered."""
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # the byte-order mark spreadsheets put first
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            bad.add(number)
            yield raw.decode("utf-8", errors="replace")


@dataclass
class _Columns:
    inputs: dict[int, str] = field(default_factory=dict)
    golden: dict[int, str] = field(default_factory=dict)
    hint: int | None = None


def _header(cells: list[str], input_spec: Mapping[str, Any], output_spec: Mapping[str, Any]) -> _Columns:
    columns, seen, faults = _Columns(), set(), []
    for i, name in enumerate(cells):
        name = name.strip()
        kind, _, fname = name.partition(":")
        shown = _shown(name)
        if name in seen:
            faults.append(f"column {i + 1} {shown} appears twice")
        seen.add(name)
        if kind == "INPUT" and fname in input_spec:
            columns.inputs[i] = fname
        elif kind == "GOLDEN" and fname in output_spec:
            columns.golden[i] = fname
        elif name == "HINT:text":
            columns.hint = i
        elif kind == "INPUT":
            faults.append(f"column {shown}: the project has no input field {_shown(fname)} "
                          f"(input fields: {', '.join(input_spec) or 'none'})")
        elif kind == "GOLDEN":
            faults.append(f"column {shown}: the project has no output field {_shown(fname)} "
                          f"(output fields: {', '.join(output_spec) or 'none'})")
        elif name.startswith("HINT:"):
            faults.append(f"column {shown}: the only hint column is HINT:text")
        elif name:
            faults.append(f"column {shown} is unknown; use INPUT:<field>, GOLDEN:<field> or HINT:text")
        else:
            faults.append(f"column {i + 1} has no name")
    missing = [n for n, f in input_spec.items() if f.get("required", True) and n not in columns.inputs.values()]
    if missing:
        faults.append(f"required input field{'s' if len(missing) > 1 else ''} without a column: "
                      + ", ".join(f"INPUT:{n}" for n in missing))
    if faults:
        raise FileRefused("the header row is not usable: " + "; ".join(faults[:10]),
                          {"header": {"code": "INVALID", "message": "; ".join(faults[:10])}})
    return columns


def _table_item(cells: list[str], columns: _Columns, width: int, input_spec: Mapping[str, Any],
                output_spec: Mapping[str, Any], row: _Row) -> None:
    if len(cells) != width:
        row.faults.append(RowFault(row.number, "row", f"has {len(cells)} cells; the header has {width}"))
        return
    for i, raw in enumerate(cells):
        problem = text_problem(raw, MAX_CELL_CHARS)
        if problem:
            row.faults.append(RowFault(row.number, f"column {i + 1}", problem))
    if row.faults:
        return
    inputs: dict[str, Any] = {}
    golden: dict[str, Any] = {}
    for targets, spec, prefix, where in ((inputs, input_spec, "INPUT", columns.inputs),
                                         (golden, output_spec, "GOLDEN", columns.golden)):
        for i, name in where.items():
            if cells[i] == "":
                continue  # an empty cell is an absent value; the spec says whether it is required
            try:
                targets[name] = _cell(str(spec[name].get("type")), cells[i], f"{prefix}:{name}")
            except _Fault as exc:
                row.faults.append(RowFault(row.number, exc.where, exc.message))
    hint = cells[columns.hint] if columns.hint is not None else ""
    if hint:
        try:
            hint = _cell("string", hint, "HINT:text")
        except _Fault as exc:
            row.faults.append(RowFault(row.number, exc.where, exc.message))
    if row.faults:
        return
    item: dict[str, Any] = {"input_values": inputs}
    if golden:
        item["known_solutions"] = [{"output_values": golden, "correctness_weight": 1}]
    if hint:
        item["message_on_unknown_solution"] = hint
    row.item = item


def _table_rows(stream: IO[bytes], delimiter: str, input_spec: Mapping[str, Any],
                output_spec: Mapping[str, Any], max_rows: int) -> Iterator[_Row]:
    bad_lines: set[int] = set()
    # TSV cells hold no tab or line break, so quotes in them are plain text; CSV cells may be quoted
    lines = _decoded_lines(stream, bad_lines)
    reader = (csv.reader(lines, delimiter="\t", strict=True, quoting=csv.QUOTE_NONE) if delimiter == "\t"
              else csv.reader(lines, delimiter=delimiter, strict=True))
    try:
        header = next(reader)
    except StopIteration:
        raise FileRefused.field("file", "is empty; the first row names the columns") from None
    except csv.Error as exc:
        raise FileRefused.field("header", f"cannot be read: {exc}") from None
    if bad_lines:
        raise FileRefused.field("header", "is not valid UTF-8 text")
    columns = _header(header, input_spec, output_spec)
    number, count = 1, 0  # the row as a spreadsheet numbers it (header 1, blank rows too); rows with cells
    while True:
        first_line = reader.line_num + 1
        number += 1
        row = _Row(number)
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            message = str(exc)
            if "field larger than field limit" in message:
                message = f"a cell is longer than {MAX_CELL_CHARS} characters"
            row.faults.append(RowFault(number, "row", f"cannot be read: {message}"))
            yield row
            continue
        if not any(c.strip() for c in cells):
            continue  # a blank row is no task
        count += 1
        if count > max_rows:
            raise FileRefused.field("file", f"has more than {max_rows} rows; split it")
        if any(line in bad_lines for line in range(first_line, reader.line_num + 1)):
            row.faults.append(RowFault(number, "row", "is not valid UTF-8 text"))
        else:
            _table_item(cells, columns, len(header), input_spec, output_spec, row)
        yield row


def _json_item(value: Any, row: _Row, pool_id: int) -> None:
    if not isinstance(value, dict):
        row.faults.append(RowFault(row.number, "task", "must be a JSON object with input_values"))
        return
    if "input_values" not in value:
        row.faults.append(RowFault(row.number, "input_values", "is required"))
    unknown = [k for k in value if k not in _TASK_KEYS]
    if unknown:
        row.faults.append(RowFault(row.number, _shown(str(unknown[0])), "is not a task field (task fields: "
                                   + ", ".join(sorted(_TASK_KEYS)) + ")"))
    given = value.get("pool_id")
    if given is not None and str(given).lstrip("0") != str(pool_id):
        row.faults.append(RowFault(row.number, "pool_id", f"is {_shown(str(given))}, not this pool; leave it out"))
    if not row.faults:
        row.item = {k: v for k, v in value.items() if k != "pool_id"}


def _json_rows(stream: IO[bytes], lines: bool, pool_id: int, max_rows: int) -> Iterator[_Row]:
    if lines:
        number = 0
        for line_number, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            number += 1
            if number > max_rows:
                raise FileRefused.field("file", f"has more than {max_rows} rows; split it")
            row = _Row(line_number)
            try:
                text = raw.decode("utf-8-sig" if line_number == 1 else "utf-8")
            except UnicodeDecodeError:
                row.faults.append(RowFault(line_number, "row", "is not valid UTF-8 text"))
                yield row
                continue
            try:
                value = _bounded_json(text)
            except _Fault as exc:
                row.faults.append(RowFault(line_number, "row", exc.message))
                yield row
                continue
            _json_item(value, row, pool_id)
            yield row
        return
    raw = stream.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRefused.field("file", f"is not valid UTF-8 (byte {exc.start})") from None
    try:
        value = _bounded_json(text)
    except _Fault as exc:
        raise FileRefused.field("file", exc.message) from None
    if not isinstance(value, list):
        raise FileRefused.field("file", "must be a JSON array of task objects (or choose JSON lines)")
    if len(value) > max_rows:
        raise FileRefused.field("file", f"has {len(value)} tasks; at most {max_rows} in one file")
    for i, item in enumerate(value, start=1):
        row = _Row(i)
        _json_item(item, row, pool_id)
        yield row


def read_rows(stream: IO[bytes], fmt: str, pool_id: int, input_spec: Mapping[str, Any],
              output_spec: Mapping[str, Any], *, max_rows: int) -> list[_Row]:
    """Every row of the file, each with its task body or its faults (raises FileRefused for the file)."""
    if fmt in ("tsv", "csv"):
        rows = _table_rows(stream, "\t" if fmt == "tsv" else ",", input_spec, output_spec, max_rows)
    else:
        rows = _json_rows(stream, fmt == "jsonl", pool_id, max_rows)
    found = list(rows)
    if not found:
        raise FileRefused.field("file", "holds no tasks")
    return found


def spec_of(db: Database, pool_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The input and output spec of the pool's project (the columns a file may have)."""
    with db.read() as conn:
        pool = pools.load(conn, pool_id)
        spec = ProjectData.of(load_project(conn, pool.project_id).data).task_spec
    return dict(spec.input_spec), dict(spec.output_spec)


def _faults_of(number: int, payload: Mapping[str, Any], table: bool) -> list[RowFault]:
    """The API's faults of one item, named by the file's columns where the file has them."""
    found = []
    for path, fault in payload.items():
        message = fault.get("message", "") if isinstance(fault, Mapping) else str(fault)
        where = path
        if path.startswith("input_values."):
            where = "INPUT:" + path[len("input_values."):]
        elif table and path.startswith(_GOLDEN_PATH):
            where = "GOLDEN:" + path[len(_GOLDEN_PATH):]
        found.append(RowFault(number, where, str(message)))
    return found


def upload(db: Database, pool_id: int, stream: IO[bytes], fmt: str, *, skip_bad: bool, max_rows: int,
           on_write: Callable[[Connection, Outcome], None] | None = None) -> Outcome:
    """Read, check and (when allowed) create the file's tasks; the outcome says what happened.
    `on_write` runs in the transaction that creates the tasks (a job records its report there)."""
    outcome = Outcome()
    try:
        input_spec, output_spec = spec_of(db, pool_id)
        rows = read_rows(stream, fmt, pool_id, input_spec, output_spec, max_rows=max_rows)
    except FileRefused as exc:
        outcome.refused = exc.message
        return outcome.tally()
    outcome.rows = len(rows)
    items = [{**r.item, "pool_id": format_id(pool_id), "__item_idx": str(r.number)}
             for r in rows if r.item is not None]
    for r in rows:
        outcome.faults.extend(r.faults)
    try:
        batch = tasks.prepare(db, items, allow_defaults=True, skip_invalid=True)
    except ClipcrowdError as exc:  # e.g. the pool is archived: no row can be created
        outcome.refused = exc.message
        return outcome.tally()
    for idx, payload in batch.failures.items():
        outcome.faults.extend(_faults_of(int(idx), payload, fmt in ("tsv", "csv")))
    outcome.faults.sort(key=lambda f: f.row)
    if outcome.faults and not skip_bad:
        return outcome.tally()
    outcome.skipped_rows = sorted({f.row for f in outcome.faults})
    outcome.created = len(batch.rows)
    outcome.golden = sum(1 for row in batch.rows if row["golden"])
    outcome.tally()
    if batch.rows:  # `create_sync` without presenting every task back: the report counts them
        with db.write() as conn:
            tasks.write(conn, batch)
            if on_write is not None:
                on_write(conn, outcome)
    return outcome
