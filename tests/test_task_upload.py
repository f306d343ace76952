"""Tasks from a file (services/task_upload.py): the Toloka-style columns, JSON bodies, and every class of
hostile cell, each refused with its row and column; nothing is created unless bad rows may be skipped."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from clipcrowd.services import pools, projects, task_upload
from clipcrowd.store.db import Database
from clipcrowd.store.tables import tasks
from tests.factories import pool_body, text_project

INPUTS = {"text": {"type": "string"}, "n": {"type": "integer", "required": False},
          "w": {"type": "float", "required": False}, "flag": {"type": "boolean", "required": False},
          "tags": {"type": "array_string", "required": False}}


@pytest.fixture
def pool_id(db: Database) -> int:
    project = text_project()
    project["task_spec"]["input_spec"] = INPUTS
    made = projects.create(db, project)
    return int(pools.create(db, pool_body(made["id"]))["id"])


def _count(db: Database, pool_id: int) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(tasks).where(tasks.c.pool_id == pool_id)).scalar_one())


def _up(db: Database, pool_id: int, data: bytes, fmt: str = "tsv", skip: bool = False,
        max_rows: int = 1000) -> task_upload.Outcome:
    return task_upload.upload(db, pool_id, io.BytesIO(data), fmt, skip_bad=skip, max_rows=max_rows)


def _faults(outcome: task_upload.Outcome) -> list[tuple[int, str]]:
    return [(f.row, f.where) for f in outcome.faults]


def test_tsv_with_golden_rows_and_hints(db: Database, pool_id: int) -> None:
    data = (b"INPUT:text\tINPUT:n\tINPUT:flag\tINPUT:tags\tGOLDEN:result\tHINT:text\n"
            b"hello\t3\ttrue\t[\"x\"]\ta\tit is a\n"
            b"world\t\tfalse\t\t\t\n")
    outcome = _up(db, pool_id, data)
    assert (outcome.created, outcome.golden, outcome.faults, outcome.refused) == (2, 1, [], None)
    with db.read() as conn:
        rows = conn.execute(select(tasks.c.data, tasks.c.golden, tasks.c.overlap)
                            .where(tasks.c.pool_id == pool_id).order_by(tasks.c.id)).all()
    assert rows[0].data["input_values"] == {"text": "hello", "n": 3, "flag": True, "tags": ["x"]}
    assert rows[0].golden and rows[0].data["known_solutions"][0]["output_values"] == {"result": "a"}
    assert rows[0].data["message_on_unknown_solution"] == "it is a"
    assert rows[1].data["input_values"] == {"text": "world", "flag": False} and not rows[1].golden
    assert rows[1].overlap == 3  # the pool's default


def test_csv_quoted_cells_and_byte_order_mark(db: Database, pool_id: int) -> None:
    data = "\ufeffINPUT:text,INPUT:w\n\"a, quoted\n cell\",1.5\nplain,2\n".encode()
    outcome = _up(db, pool_id, data, "csv")
    assert outcome.created == 2 and outcome.faults == []


def test_json_array_and_json_lines(db: Database, pool_id: int) -> None:
    items = [{"input_values": {"text": "a"}, "known_solutions": [{"output_values": {"result": "b"}}]},
             {"input_values": {"text": "b"}, "overlap": 1}]
    assert _up(db, pool_id, json.dumps(items).encode(), "json").created == 2
    lines = "\n".join(json.dumps(i) for i in items) + "\n\n"
    outcome = _up(db, pool_id, lines.encode(), "jsonl")
    assert (outcome.created, outcome.golden) == (2, 1)
    assert _count(db, pool_id) == 4


def test_one_bad_row_refuses_the_file_unless_skipped(db: Database, pool_id: int) -> None:
    data = b"INPUT:text\tINPUT:n\ngood\t1\nbad\tnine\nalso good\t2\n"
    refused = _up(db, pool_id, data)
    assert refused.created == 0 and _count(db, pool_id) == 0
    assert [(f.row, f.where, f.message) for f in refused.faults] == [(3, "INPUT:n", "must be an integer, got 'nine'")]
    skipped = _up(db, pool_id, data, skip=True)
    assert skipped.created == 2 and skipped.skipped_rows == [3] and _count(db, pool_id) == 2


@pytest.mark.parametrize(("line", "where", "words"), [
    (b"=HYPERLINK(\"http://x\")\t1", "INPUT:text", "formula"),
    (b"@SUM(A1)\t1", "INPUT:text", "formula"),
    (b"ok\t12345678901234567890", "INPUT:n", "integer"),
    (b"ok\t1e5", "INPUT:n", "integer"),
    (b"a\x00b\t1", "column 1", "control character"),
    (b"caf\xe9\t1", "row", "UTF-8"),
    (b"only one cell", "row", "cells"),
    (b"x" * 70_000 + b"\t1", "column 1", "65536"),
    (b"x" * 140_000 + b"\t1", "row", "longer than 65536"),
], ids=["formula", "at-formula", "huge-int", "float-for-int", "nul", "bad-utf8", "short-row", "huge-cell",
        "cell-past-csv-limit"])
def test_hostile_cells_are_named_by_row_and_column(db: Database, pool_id: int, line: bytes, where: str,
                                                   words: str) -> None:
    outcome = _up(db, pool_id, b"INPUT:text\tINPUT:n\nfine\t1\n" + line + b"\nfine again\t2\n")
    assert outcome.created == 0 and _count(db, pool_id) == 0
    assert len(outcome.faults) == 1, outcome.faults
    fault = outcome.faults[0]
    assert (fault.row, fault.where) == (3, where) and words in fault.message
    # the rows around it were read: with skipping they are created
    assert _up(db, pool_id, b"INPUT:text\tINPUT:n\nfine\t1\n" + line + b"\nfine again\t2\n", skip=True).created == 2


@pytest.mark.parametrize(("cells", "words"), [
    ("INPUT:text\tINPUT:nope", "no input field 'nope'"),
    ("INPUT:text\tGOLDEN:nope", "no output field 'nope'"),
    ("INPUT:text\tcomment", "'comment' is unknown"),
    ("INPUT:text\tINPUT:text", "appears twice"),
    ("INPUT:n", "INPUT:text"),  # a required input without a column
    ("INPUT:text\tHINT:other", "only hint column"),
], ids=["unknown-input", "unknown-golden", "unknown-column", "duplicate", "missing-required", "bad-hint"])
def test_a_bad_header_refuses_the_whole_file(db: Database, pool_id: int, cells: str, words: str) -> None:
    outcome = _up(db, pool_id, (cells + "\n" + "\t".join("1" for _ in cells.split("\t")) + "\n").encode(), skip=True)
    assert outcome.refused is not None and words in outcome.refused and outcome.created == 0


def test_values_against_the_spec_after_conversion(db: Database, pool_id: int) -> None:
    # the golden value is checked against the output spec's allowed values by the API's own path
    outcome = _up(db, pool_id, b"INPUT:text\tGOLDEN:result\nok\tc\n")
    assert [(f.row, f.where) for f in outcome.faults] == [(2, "GOLDEN:result")]
    assert "allowed values" in outcome.faults[0].message


@pytest.mark.parametrize(("body", "where"), [
    ([{"input_values": {"text": 5}}], "INPUT:text"),
    ([{"input_values": {"text": "a"}, "evil": 1}], "'evil'"),
    ([{"text": "a"}], "input_values"),
    (["just a string"], "task"),
    ([{"input_values": {"text": "a"}, "pool_id": "999"}], "pool_id"),
    ([{"input_values": {"text": "a", "zzz": 1}}], "INPUT:zzz"),
], ids=["wrong-type", "unknown-key", "no-input-values", "not-an-object", "other-pool", "unknown-field"])
def test_json_items_are_checked_one_by_one(db: Database, pool_id: int, body: list[Any], where: str) -> None:
    outcome = _up(db, pool_id, json.dumps([{"input_values": {"text": "fine"}}, *body]).encode(), "json")
    assert outcome.created == 0
    assert [(f.row, f.where) for f in outcome.faults][:1] == [(2, where)], outcome.faults


@pytest.mark.parametrize(("data", "fmt", "words"), [
    (b"", "tsv", "empty"),
    (b"[1, 2", "json", "not valid JSON"),
    (b'{"input_values": {}}', "json", "JSON array"),
    (b"[" * 100 + b"]" * 100, "json", "nested deeper"),
    (b"[NaN]", "json", "NaN"),
    (b"\xff[]", "json", "UTF-8"),
    (b"[]", "json", "no tasks"),
], ids=["empty", "malformed", "not-array", "deep", "nan", "bad-utf8", "no-tasks"])
def test_unreadable_files_are_refused_whole(db: Database, pool_id: int, data: bytes, fmt: str, words: str) -> None:
    outcome = _up(db, pool_id, data, fmt, skip=True)
    assert outcome.refused is not None and words in outcome.refused


def test_json_lines_bad_line_is_its_row(db: Database, pool_id: int) -> None:
    data = b'{"input_values": {"text": "a"}}\n{"input_values": \n\xff\n{"input_values": {"text": "b"}}\n'
    outcome = _up(db, pool_id, data, "jsonl", skip=True)
    assert _faults(outcome) == [(2, "row"), (3, "row")] and outcome.created == 2


def test_row_count_is_bounded(db: Database, pool_id: int) -> None:
    data = b"INPUT:text\n" + b"row\n" * 11
    assert "more than 10 rows" in (_up(db, pool_id, data, max_rows=10).refused or "")
    lines = b'{"input_values": {"text": "a"}}\n' * 11
    assert "more than 10 rows" in (_up(db, pool_id, lines, "jsonl", max_rows=10).refused or "")
    assert _count(db, pool_id) == 0


def test_format_from_the_name_or_the_choice() -> None:
    assert task_upload.format_of("tasks.TSV", "") == "tsv"
    assert task_upload.format_of("x.ndjson", "") == "jsonl"
    assert task_upload.format_of("x.bin", "csv") == "csv"
    with pytest.raises(task_upload.FileRefused):
        task_upload.format_of("x.bin", "")
    with pytest.raises(task_upload.FileRefused):
        task_upload.format_of("x.tsv", "xml")


def test_rows_are_numbered_as_a_spreadsheet_shows_them(db: Database, pool_id: int) -> None:
    # CRLF line ends, a blank row, a quoted cell over two lines: the bad row is still row 5
    data = b'INPUT:text,INPUT:n\r\na,1\r\n\r\n"two\r\nlines",2\r\nbad,x\r\n'
    outcome = _up(db, pool_id, data, "csv")
    assert _faults(outcome) == [(5, "INPUT:n")] and outcome.rows == 3
