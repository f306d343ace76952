"""A page whose items are JSON text made from rows (`assignment_json.items`): the `{items, has_more}`
body is put together as text, never a dict encoded at the end.

A page of at most `CHUNK` items is read in one statement (`limit` + 1 rows: the extra one says
whether more follow) and sent whole. A larger page (`limit` goes up to `page_limit_max`, 100,000) is
streamed: one statement read `CHUNK` rows at a time (a server-side cursor on PostgreSQL) and sent as
it is read, so the server's memory stays flat however large the page; an error in the query string
is still a 400, raised before the first byte.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, CursorResult, Select

from clipcrowd.store.db import Database

#: items read (and sent) at a time; a page of at most this many is sent whole
CHUNK = 2000

#: the JSON text of each row, in order (the rows' connection is there for what they refer to)
Items = Callable[[Connection, Sequence[Any]], list[str]]

# PostgreSQL plans these statements without JIT: the task objects' subqueries can make the estimated
# cost large enough to compile, which costs more than the whole page's reading. Floats are written
# in their shortest exact form and date-times as ISO text whatever the server's defaults.
_SESSION = ("SELECT set_config('jit', 'off', true), set_config('extra_float_digits', '1', true),"
            " set_config('DateStyle', 'ISO', true)")


def json_page(db: Database, statement: Select[Any], limit: int, items: Items) -> bytes | Iterator[bytes]:
    """The page read by `statement` (at most `limit` + 1 rows: see `paging.ordered`), each row
    written by `items`: the whole body, or its pieces when the page may hold more than `CHUNK` items."""
    if limit > CHUNK:
        return _streamed(db, statement, limit, items)
    with db.read() as conn:
        result = _execute(conn, statement)
        # the driver's own tuples: the page's columns need no conversion, and SQLAlchemy's rows
        # cost a tenth of the page's work
        rows = result.cursor.fetchall()
        result.close()
        text = ",".join(items(conn, rows[:limit]))
    return ('{"items":[' + text + ('],"has_more":true}' if len(rows) > limit else '],"has_more":false}')).encode()


def _streamed(db: Database, statement: Select[Any], limit: int, items: Items) -> Iterator[bytes]:
    with db.read() as conn:
        yield from _pieces(conn, _execute(conn, statement.execution_options(stream_results=True)), limit, items)


def _execute(conn: Connection, statement: Select[Any]) -> CursorResult[Any]:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_SESSION)
    return conn.execute(statement)


def _pieces(conn: Connection, result: CursorResult[Any], limit: int, items: Items) -> Iterator[bytes]:
    """`{"items":[…],"has_more":…}` in pieces of at most `CHUNK` items; `has_more` says whether the
    statement's extra row came."""
    try:
        yield b'{"items":['
        sent = 0
        while sent < limit:
            rows = result.fetchmany(min(CHUNK, limit - sent))
            if not rows:
                break
            yield (b"," if sent else b"") + ",".join(items(conn, rows)).encode()
            sent += len(rows)
        more = sent == limit and result.fetchone() is not None
        yield b'],"has_more":true}' if more else b'],"has_more":false}'
    finally:
        result.close()
