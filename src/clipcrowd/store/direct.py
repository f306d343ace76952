"""Statements built once and run straight on the driver's cursor: the worker round trip's statements.

A next + submit round trip sends about nine statements. Through `Connection.execute` each pays
SQLAlchemy's execution path (an execution context, parameters processed through the compiled
object, a result whose metadata is built from the cursor's description, a Row per row), which on
PostgreSQL cost about as much CPU as psycopg's own work. `Direct` keeps the SQLAlchemy statement as
the one definition of what is sent, compiles it once per dialect, and runs the compiled SQL on the
transaction's own driver connection: the same bind and result conversions (taken from the compiled
statement's types), the same errors (wrapped as SQLAlchemy wraps them, so `OperationalError` and
`IntegrityError` mean what they mean elsewhere), rows as named tuples read by attribute.

A statement that needs what only SQLAlchemy's execution path does (Python-side column defaults,
parameters expanded at execution) is refused when it is compiled, so it cannot run half right.
"""

from __future__ import annotations

import keyword
from collections import namedtuple
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError


class Direct:
    """One statement (named `bindparam`s for its values), run by `all`, `one`, `one_or_none`, `first` or `run`."""

    def __init__(self, statement: Any):
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Any) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = _Compiled(self.statement, dialect)
        return found

    def run(self, conn: Connection, values: Mapping[str, Any] | None = None) -> tuple[list[Any], int]:
        """The rows (none for a statement without RETURNING) and the driver's row count."""
        compiled = self.compiled(conn.dialect)
        parameters = compiled.parameters(values or {})
        raw = conn.connection
        cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, parameters)
            rows = compiled.rows(cursor.fetchall(), cursor) if compiled.returns_rows else []
            return rows, cursor.rowcount
        except conn.dialect.loaded_dbapi.Error as error:
            if conn.dialect.is_disconnect(error, raw.dbapi_connection, cursor):
                conn.invalidate(error)
            raise DBAPIError.instance(compiled.sql, parameters, error, conn.dialect.loaded_dbapi.Error,
                                      dialect=conn.dialect) from error
        finally:
            cursor.close()

    def all(self, conn: Connection, values: Mapping[str, Any] | None = None) -> list[Any]:
        return self.run(conn, values)[0]

    def first(self, conn: Connection, values: Mapping[str, Any] | None = None) -> Any:
        rows = self.run(conn, values)[0]
        return rows[0] if rows else None

    def one_or_none(self, conn: Connection, values: Mapping[str, Any] | None = None) -> Any:
        rows = self.run(conn, values)[0]
        if len(rows) > 1:
            raise ValueError(f"expected at most one row, got {len(rows)}")
        return rows[0] if rows else None

    def one(self, conn: Connection, values: Mapping[str, Any] | None = None) -> Any:
        rows = self.run(conn, values)[0]
        if len(rows) != 1:
            raise ValueError(f"expected one row, got {len(rows)}")
        return rows[0]


class _Compiled:
    """A statement compiled for one dialect, with its parameters' and columns' converters."""

    def __init__(self, statement: Any, dialect: Any):
        compiled = statement.compile(dialect=dialect)
        if compiled.insert_prefetch or compiled.update_prefetch or compiled.literal_execute_params \
                or compiled.post_compile_params:
            raise ValueError("a statement with Python-side defaults or expanded parameters needs Connection.execute")
        self.compiled, self.sql = compiled, compiled.string
        self.positional = tuple(compiled.positiontup or ()) if compiled.positional else None
        self.binds: dict[str, Any] = {}
        for bind, name in compiled.bind_names.items():
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if convert is not None:
                self.binds[name] = convert
        columns = statement.exported_columns  # a SELECT's columns, or what a DML statement RETURNs
        names = list(columns.keys())
        if len(set(names)) != len(names) or any(n.startswith("_") or keyword.iskeyword(n) for n in names):
            raise ValueError(f"result columns need distinct plain names: {names}")
        self.returns_rows = bool(names)
        self.row = namedtuple("Row", names) if names else None
        self._types = [column.type.dialect_impl(dialect) for column in columns]
        self._dialect = dialect
        self.converters: list[tuple[int, Any]] | None = None

    def parameters(self, values: Mapping[str, Any]) -> Any:
        params = self.compiled.construct_params(values)
        for name, convert in self.binds.items():
            params[name] = convert(params[name])
        if self.positional is not None:
            return tuple(params[name] for name in self.positional)
        return params

    def rows(self, fetched: Sequence[Any], cursor: Any) -> list[Any]:
        converters = self.converters
        if converters is None:  # the driver's types of the columns, read once (a float column's may be numeric)
            converters = self.converters = [
                (i, convert) for i, (kind, described) in enumerate(zip(self._types, cursor.description, strict=True))
                if (convert := kind.result_processor(self._dialect, described[1]))]
        make = self.row._make  # type: ignore[union-attr]
        if not converters:
            return [make(row) for row in fetched]
        out = []
        for row in fetched:
            values = list(row)
            for i, convert in converters:
                values[i] = convert(values[i])
            out.append(make(values))
        return out
