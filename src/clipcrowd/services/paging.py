"""Listing in the requester dialect: filters, `sort`, `id_gt`-style cursors, `{items, has_more}`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, Integer, Select, Table, select

from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.domain.ids import parse_id
from clipcrowd.domain.timeutil import parse_time

_RANGE_OPS = {"gt": "__gt__", "gte": "__ge__", "lt": "__lt__", "lte": "__le__"}


def id_value(raw: str, name: str) -> int:
    number = parse_id(raw)
    if number is None:
        raise ValidationFailed.field(name, f"{raw!r} is not an id")
    return number


def count_value(raw: str, name: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise ValidationFailed.field(name, f"{raw!r} is not a whole number")
    return int(raw)


def range_conditions(table: Table, query: Mapping[str, str], fields: Sequence[str]) -> list[ColumnElement[bool]]:
    """`id_gt=…`, `created_lte=…`, `overlap_gte=…` and friends for the given columns."""
    conditions: list[ColumnElement[bool]] = []
    for field in fields:
        column: Column[Any] = table.c[field]
        for suffix, method in _RANGE_OPS.items():
            raw = query.get(f"{field}_{suffix}")
            if raw is None:
                continue
            if field == "id":
                value: Any = id_value(raw, f"{field}_{suffix}")
            elif isinstance(column.type, Integer):
                value = count_value(raw, f"{field}_{suffix}")
            else:
                value = parse_time(raw, f"{field}_{suffix}")
            conditions.append(getattr(column, method)(value))
    return conditions


def refuse_unknown(query: Mapping[str, str], filters: Sequence[str], ranges: Sequence[str]) -> None:
    """A filter this list does not have is a 400 naming it: ignored, it would answer another question
    than the one asked (every item instead of the few that match)."""
    allowed = {"sort", "limit", *filters, *(f"{field}_{suffix}" for field in ranges for suffix in _RANGE_OPS)}
    for name in query:
        if name not in allowed:
            listed = ", ".join(filters) or "none"
            raise ValidationFailed.field(name, f"is not a filter of this list (not supported); its filters: {listed}; "
                                               f"ranges (_gt, _gte, _lt, _lte) on: {', '.join(ranges)}")


def parse_limit(query: Mapping[str, str], default: int, maximum: int) -> int:
    raw = query.get("limit")
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or int(raw) < 1:
        raise ValidationFailed.field("limit", "must be a positive integer")
    return min(int(raw), maximum)


def page(
    conn: Connection,
    table: Table,
    conditions: Sequence[ColumnElement[bool]],
    query: Mapping[str, str],
    present: Callable[[Connection, Sequence[Any]], list[dict[str, Any]]],
    *,
    limit_default: int,
    limit_max: int,
    sortable: Sequence[str] = ("id", "created"),
    columns: Sequence[ColumnElement[Any]] | None = None,
    stored: Mapping[str, ColumnElement[Any]] | None = None,
) -> dict[str, Any]:
    """One page of rows (the whole table's columns unless `columns` says which), sorted as asked
    (default by id), with `has_more` from one extra row."""
    statement, limit = ordered(table, conditions, query, limit_default=limit_default, limit_max=limit_max,
                               sortable=sortable, columns=columns, stored=stored)
    rows = conn.execute(statement).all()
    return {"items": present(conn, rows[:limit]), "has_more": len(rows) > limit}


def ordered(
    table: Table,
    conditions: Sequence[ColumnElement[bool]],
    query: Mapping[str, str],
    *,
    limit_default: int,
    limit_max: int,
    sortable: Sequence[str] = ("id", "created"),
    columns: Sequence[ColumnElement[Any]] | None = None,
    stored: Mapping[str, ColumnElement[Any]] | None = None,
) -> tuple[Select[Any], int]:
    """A page's statement, sorted by `sort` (then by id) and reading one row more than the page's
    `limit`, and that limit. Raises before anything is read when `sort` or `limit` is wrong.
    `stored` sorts by fields of the stored JSON body (a project's `public_name`), each one's expression."""
    stored = stored or {}
    limit = parse_limit(query, limit_default, limit_max)
    order = []
    for key in (query.get("sort") or "id").split(","):
        key = key.strip()
        descending = key.startswith("-")
        name = key.lstrip("-")
        if name not in sortable and name not in stored:
            raise ValidationFailed.field("sort", f"cannot sort by {name!r}; one of {[*sortable, *stored]}")
        column = stored[name] if name in stored else table.c[name]
        term = column.desc() if descending else column.asc()
        # the same order on both databases: an unset time (never started, not yet submitted) comes last
        # (SQLite sorts NULL first, PostgreSQL last). A range filter on the column leaves no NULLs, and the
        # order stays the index's.
        nullable = name in stored or table.c[name].nullable
        if nullable and not any(f"{name}_{suffix}" in query for suffix in _RANGE_OPS):
            term = term.nulls_last()
        order.append(term)
    if not any(str(o).startswith(f"{table.name}.id") for o in order):
        order.append(table.c.id.asc())
    statement = select(*(columns or (table,))).select_from(table).where(*conditions)
    return statement.order_by(*order).limit(limit + 1), limit


#: most values one comma-separated query parameter may list (each becomes part of a statement)
MAX_LIST_VALUES = 1000


def csv_values(raw: str | None, name: str = "query") -> list[str] | None:
    """The distinct values of a comma list, in order; more than `MAX_LIST_VALUES` is a 400."""
    if raw is None:
        return None
    values = list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    if len(values) > MAX_LIST_VALUES:
        raise ValidationFailed.field(name, f"at most {MAX_LIST_VALUES} values, got {len(values)}")
    return values


def capped(values: list[Any], name: str) -> list[Any]:
    """A list from a request body, refused (400 naming the cap) when longer than `MAX_LIST_VALUES`."""
    if len(values) > MAX_LIST_VALUES:
        raise ValidationFailed.field(name, f"at most {MAX_LIST_VALUES} values, got {len(values)}")
    return values
