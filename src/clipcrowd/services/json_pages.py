"""A page whose items the database writes as JSON text (`assignment_json`): the `{items, has_more}`
body is put together from the rows' text, which Python never decodes.

A page of at most `CHUNK` items is one body. A larger one (`limit` goes up to `page_limit_max`,
100,000) is streamed: one statement read `CHUNK` rows at a time (a server-side cursor on
PostgreSQL) and sent as it is read, so the server's memory stays flat however large the page; an
error in the query string is still a 400, raised before the first byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, CursorResult, Select

from clipcrowd.store.db import Database

#: items read (and sent) at a time; a page of at most this many is sent whole
CHUNK = 2000

# PostgreSQL plans these statements without JIT: their per-row subqueries make the estimated cost
# large enough to compile, which costs more than the whole page's reading. Floats are written
# in their shortest exact form whatever the server's default.
_SESSION = "SELECT set_config('jit', 'off', true), set_config('extra_float_digits', '1', true)"


def json_page(db: Database, statement: Select[Any], limit: int) -> bytes | Iterator[bytes]:
    """The page read by `statement` (one column of JSON text, at most `limit` + 1 rows: see
    `paging.ordered`): the whole body, or its pieces when the page may hold more than `CHUNK` items."""
    if limit <= CHUNK:
        with db.read() as conn:
            return b"".join(_pieces(_execute(conn, statement), limit))
    return _streamed(db, statement, limit)


def _streamed(db: Database, statement: Select[Any], limit: int) -> Iterator[bytes]:
    with db.read() as conn:
        yield from _pieces(_execute(conn, statement.execution_options(stream_results=True)), limit)


def _execute(conn: Connection, statement: Select[Any]) -> CursorResult[Any]:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_SESSION)
    return conn.execute(statement)


def _pieces(result: CursorResult[Any], limit: int) -> Iterator[bytes]:
    """`{"items":[…],"has_more":…}` in pieces of at most `CHUNK` items; `has_more` says whether the
    statement's extra row came."""
    try:
        yield b'{"items":['
        sent = 0
        while sent < limit:
            rows = result.fetchmany(min(CHUNK, limit - sent))
            if not rows:
                break
            yield (b"," if sent else b"") + ",".join([row[0] for row in rows]).encode()
            sent += len(rows)
        more = sent == limit and result.fetchone() is not None
        yield b'],"has_more":true}' if more else b'],"has_more":false}'
    finally:
        result.close()
