"""A page whose items the database writes as JSON text (`assignment_json`): the `{items, has_more}`
body is put together from the database's text, which Python never decodes.

On SQLite a page of at most `CHUNK` items is one statement answering one row: the items' text
already joined by `group_concat` over the ordered page, and whether a row follows the page (the
same read at `OFFSET limit`: index entries past the cursor, no JSON written for that row). Python
then copies one text instead of making a thousand rows (6-11 % of the server's CPU per page, see
docs/scale.md). PostgreSQL reads the page's rows, joined in Python: its one-row page (`string_agg`)
took less of the server's CPU but 5-15 % more time per page over HTTP, measured page for page
against the rows, for a reason not found. A larger page (`limit` goes up to `page_limit_max`,
100,000) is streamed on both: one statement read `CHUNK` rows at a time (a server-side cursor on
PostgreSQL) and sent as it is read, so the server's memory stays flat however large the page; an
error in the query string is still a 400, raised before the first byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, CursorResult, Select, exists, func, literal_column, select

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
    if limit > CHUNK:
        return _streamed(db, statement, limit)
    with db.read() as conn:
        if conn.dialect.name != "sqlite":
            return b"".join(_pieces(_execute(conn, statement), limit))
        row: Any = conn.execute(_whole(statement, limit)).one()
    items, more = row[0], row[1]
    return b'{"items":[%s],"has_more":%s}' % ((items or "").encode(), b"true" if more else b"false")


def _whole(statement: Select[Any], limit: int) -> Select[Any]:
    """One row (SQLite): the page's items joined, in the order the page's subquery gives them (SQLite
    does not flatten a subquery with a LIMIT into an aggregate), and whether a row follows them."""
    page = statement.limit(limit).subquery()
    items = select(func.group_concat(*page.c, ",")).scalar_subquery()
    after: Select[Any] = statement.with_only_columns(literal_column("1")).limit(1).offset(limit)
    return select(items, exists(after))


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
