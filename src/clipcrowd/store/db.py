"""The database handle: one engine, explicit read and write transactions, migrations at start-up.

On SQLite a write transaction starts with `BEGIN IMMEDIATE`, which takes the write lock at once,
so two writers never both read a task as free and both take it; WAL keeps readers unblocked.
On PostgreSQL the issuing code locks rows with `FOR NO KEY UPDATE SKIP LOCKED` instead. Row locks
there are always `FOR NO KEY UPDATE`: a plain `FOR UPDATE` also waits for the `KEY SHARE` locks
that every insert referencing the row takes, and two such transactions deadlock.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Select, create_engine, event, text
from sqlalchemy.exc import OperationalError

_MIGRATIONS = Path(__file__).parent / "migrations"
#: Connections PostgreSQL keeps for superusers, beyond the reach of ordinary clients (its default).
RESERVED_CONNECTIONS = 3
#: Connections each job worker process opens (see jobs/worker.py); the server counts them too.
JOB_WORKER_CONNECTIONS = 2
#: The driver's arguments for an SQLite connection: used by any thread of the pool; a writer waits for the lock.
SQLITE_CONNECT_ARGS: dict[str, Any] = {"check_same_thread": False, "timeout": 60}


class ConnectionBudgetExceeded(Exception):
    """The configured pools could open more connections than the database server accepts."""


class Database:
    """Engine plus transaction helpers; the only object services use to reach the store."""

    def __init__(self, url: str, *, pool_size: int = 20, max_overflow: int = 10, pool_timeout: float = 10.0,
                 sqlite_creator: Callable[[], Any] | None = None):
        """`sqlite_creator`: opens each SQLite connection itself (with `SQLITE_CONNECT_ARGS`) instead of
        from `url`. The tests point one engine, its compiled statements kept, at each test's own copy of
        the database in turn (tests/support.py)."""
        self._lookups: dict[Select[Any], _Lookup] = {}
        self.url = url
        self.pool_size, self.max_overflow = pool_size, max_overflow
        self.is_sqlite = url.startswith("sqlite")
        self._write_lock: threading.Lock | None = threading.Lock() if self.is_sqlite else None
        if self.is_sqlite:
            # Pooled connections: opening one and setting its pragmas costs more than most queries.
            self.engine: Engine = create_engine(
                url, connect_args=SQLITE_CONNECT_ARGS, pool_size=pool_size, max_overflow=max_overflow,
                pool_timeout=pool_timeout, **({"creator": sqlite_creator} if sqlite_creator else {}),
            )
            event.listen(self.engine, "connect", _sqlite_on_connect)
            event.listen(self.engine, "begin", _sqlite_on_begin)
        else:
            # Sized by settings (see `check_connection_budget`): request threads beyond the pool wait up
            # to `pool_timeout` for a connection, then the request is answered 503 with Retry-After.
            # Connections are recycled hourly instead of pinged.
            self.engine = create_engine(url, pool_size=pool_size, max_overflow=max_overflow,
                                        pool_timeout=pool_timeout, pool_recycle=3600)

    @classmethod
    def from_settings(cls, settings: Any) -> Database:
        return cls(settings.resolved_database_url, pool_size=settings.db_pool_size,
                   max_overflow=settings.db_max_overflow, pool_timeout=settings.db_pool_timeout_seconds)

    def check_connection_budget(self, processes: int, job_workers_per_process: int) -> int | None:
        """Refuse pools that could open more connections than PostgreSQL's `max_connections`.

        Returns the server's limit (None on SQLite, which has no such limit). Each server process
        may hold `pool_size + max_overflow` connections plus its job workers' own.
        """
        if self.is_sqlite:
            return None
        with self.engine.connect() as conn:
            limit = int(conn.execute(text("SHOW max_connections")).scalar_one())
            reserved = int(conn.execute(text("SHOW superuser_reserved_connections")).scalar_one())
        per_process = self.pool_size + self.max_overflow + job_workers_per_process * JOB_WORKER_CONNECTIONS
        wanted = processes * per_process
        if wanted > limit - max(reserved, RESERVED_CONNECTIONS):
            raise ConnectionBudgetExceeded(
                f"{processes} server process(es) x {per_process} connections = {wanted}, but PostgreSQL accepts "
                f"{limit} ({reserved} reserved): lower CLIPCROWD_DB_POOL_SIZE / CLIPCROWD_DB_MAX_OVERFLOW or "
                f"CLIPCROWD_WORKERS, or raise max_connections")
        return limit

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that will write: committed on success, rolled back on any error.

        On SQLite the threads of this process also queue on a lock before `BEGIN IMMEDIATE`: SQLite
        itself makes a waiting writer sleep and poll, which stretches the slowest waits to seconds
        under load, where a lock hands the database over the moment it is free.
        """
        with self.engine.connect() as conn, self._write_lock or contextlib.nullcontext():
            conn.info["immediate"] = True
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info["immediate"] = False

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def lookup(self, statement: Select[Any], **values: Any) -> tuple[Any, ...] | None:
        """The first row of a one-row read by a unique key, run straight on a pooled driver connection:
        no transaction of its own (one statement reads one consistent state anyway) and no SQLAlchemy
        result machinery, for the lookup every request makes (its token) at a tenth of `read`'s cost.
        Values come back converted as by `read` (dates parsed on SQLite)."""
        compiled = self._lookups.get(statement)
        if compiled is None:
            compiled = self._lookups[statement] = _Lookup(statement, self.engine.dialect)
        raw = self.engine.raw_connection()
        driver = raw.driver_connection
        try:
            if not self.is_sqlite:
                # No transaction on PostgreSQL: BEGIN and ROLLBACK would be two more trips to the
                # server, and a ROLLBACK also makes psycopg drop the connection's prepared statements.
                driver.autocommit = True  # type: ignore[union-attr]
            cursor = raw.cursor()
            try:
                cursor.execute(compiled.sql, compiled.arguments(values))
                row = cursor.fetchone()
            finally:
                cursor.close()
        finally:
            if not self.is_sqlite:
                driver.autocommit = False  # type: ignore[union-attr]
            raw.close()
        return None if row is None else compiled.convert(row)

    def migrate(self) -> None:
        """Bring the schema to the newest revision (idempotent)."""
        # imported here: alembic is a tenth of the start-up of every process that opens a database
        from alembic import command
        from alembic.config import Config

        if self.is_sqlite:
            path = self.url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def wait_until_reachable(self, timeout: float = 30.0) -> None:
        """Retry a first connection for `timeout` seconds (0: try once): a database started beside the
        server may still be coming up."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                return
            except OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def dispose(self) -> None:
        self.engine.dispose()


class _Lookup:
    """A statement compiled once for `Database.lookup`, with its columns' result converters."""

    def __init__(self, statement: Select[Any], dialect: Any):
        self.compiled = statement.compile(dialect=dialect)
        self.sql = self.compiled.string
        self.processors = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                           for column in statement.selected_columns]

    def arguments(self, values: dict[str, Any]) -> Any:
        params = self.compiled.construct_params(values)
        if self.compiled.positional:
            return tuple(params[name] for name in self.compiled.positiontup or ())
        return params

    def convert(self, row: Any) -> tuple[Any, ...]:
        return tuple(value if convert is None else convert(value)
                     for convert, value in zip(self.processors, row, strict=True))


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event decide how a transaction starts (pysqlite's own is skipped).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("immediate") else "BEGIN")
