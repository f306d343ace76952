"""Columns read as the text the API sends, so a hot read path neither parses nor formats per row.

`json_text` is a JSON column as its stored text (no decoding by the driver or by SQLAlchemy);
`id_text` an id as the 12-digit text of `domain.ids.format_id`;
`iso_millis` is a date-time column as naive ISO 8601 with milliseconds, truncated — the same text
`domain.timeutil.format_time` makes from a datetime. On SQLite a date-time is stored as
`YYYY-MM-DD HH:MM:SS.ffffff` (SQLAlchemy's fixed format), so it is cut after the milliseconds and
its one space made a `T` (one call fewer per value than slicing both halves); PostgreSQL formats it
with `to_char` (whose `MS` truncates too).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, Text, cast
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from clipcrowd.domain.ids import ID_WIDTH


def json_text(column: ColumnElement[Any]) -> ColumnElement[str]:
    return cast(column, Text)


class iso_millis(FunctionElement[str]):
    """`column` formatted as `2026-01-31T12:00:00.123` by the database."""

    type = String()
    name = "iso_millis"
    inherit_cache = True


@compiles(iso_millis, "postgresql")
def _to_char(element: iso_millis, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char({column}, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS')"


@compiles(iso_millis)
def _slice(element: iso_millis, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"replace(substr({column}, 1, 23), ' ', 'T')"


class id_text(FunctionElement[str]):
    """An id column as `000000000042`, formatted by the database."""

    type = String()
    name = "id_text"
    inherit_cache = True


@compiles(id_text, "postgresql")
def _lpad(element: id_text, compiler: Any, **kw: Any) -> str:
    return f"lpad(CAST({compiler.process(element.clauses, **kw)} AS TEXT), {ID_WIDTH}, '0')"


@compiles(id_text)
def _printf(element: id_text, compiler: Any, **kw: Any) -> str:
    return f"printf('%0{ID_WIDTH}d', {compiler.process(element.clauses, **kw)})"
