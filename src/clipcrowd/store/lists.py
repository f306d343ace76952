"""`column IN (many values)` bound as ONE parameter, so a statement's size never grows with the data.

A plain `IN (:p1, :p2, …)` binds one parameter per value: PostgreSQL refuses a statement with more
than 65,535 of them, SQLite more than 32,766, and each distinct length is a new statement to plan.
`one_of` binds the whole list once: `= ANY(:ids)` with an array on PostgreSQL, and
`IN (SELECT value FROM json_each(:ids))` with a JSON text on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import BigInteger, Boolean, ColumnElement, String, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator, TypeEngine


class _Values(TypeDecorator[list[Any]]):
    """A list parameter: a PostgreSQL array of the element type, a JSON array text elsewhere."""

    impl = String
    cache_ok = True

    def __init__(self, element: TypeEngine[Any]):
        super().__init__()
        self.element = element

    def load_dialect_impl(self, dialect: Any) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(self.element))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: list[Any] | None, dialect: Any) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return json.dumps(value)


class OneOf(ColumnElement[bool]):
    """`column` is one of the values of a single list parameter."""

    inherit_cache = True
    type = Boolean()
    # a comparison already: without this, SQLite (no native boolean) gets `(… IN …) = 1`, which no
    # index can serve, and every statement with a list scanned the whole table
    _is_implicitly_boolean = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("values", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[Any], values: Iterable[Any] | str, element: TypeEngine[Any]):
        self.column = column
        if isinstance(values, str):  # a named parameter, for a statement built once and run many times
            self.values = bindparam(values, type_=_Values(element))
        else:
            self.values = bindparam(None, list(values), type_=_Values(element), unique=True)


def one_of(column: ColumnElement[Any], values: Iterable[Any] | str, element: TypeEngine[Any] | None = None) -> OneOf:
    """Membership in `values` (ids by default; pass `String()` for text) with one bound parameter;
    `values` may also be the name of that parameter, given when the statement runs."""
    return OneOf(column, values, element if element is not None else BigInteger())


@compiles(OneOf, "postgresql")
def _postgresql(element: OneOf, compiler: Any, **kw: Any) -> str:
    return f"{compiler.process(element.column, **kw)} = ANY({compiler.process(element.values, **kw)})"


@compiles(OneOf)
def _json_each(element: OneOf, compiler: Any, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} IN (SELECT value FROM json_each({values}))"
