"""Shared test machinery: databases on SQLite and PostgreSQL, a live server on a real port."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shutil
import socket
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from alembic.config import Config
from sqlalchemy import Connection, create_engine, event, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool, QueuePool

from clipcrowd.client.transport import default_tls
from clipcrowd.domain.timeutil import system_clock
from clipcrowd.server import create_app
from clipcrowd.services import auth
from clipcrowd.settings import Settings
from clipcrowd.store import db as store_db
from clipcrowd.store.db import SQLITE_CONNECT_ARGS, Database
from clipcrowd.store.tables import metadata

BASE_PG_URL = os.environ.get("CLIPCROWD_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Each test process gets its own database next to the configured one, so runs never disturb each other.
_PG_NAME = f"clipcrowd_test_{os.getpid()}"
# Test databases are thrown away, so their commits need not wait for the disk: `synchronous_commit=off`
# for the test connections only (durability alone; what transactions see and lock is unchanged).
_PG_FAST = make_url(BASE_PG_URL)
if "options" not in _PG_FAST.query:
    _PG_FAST = _PG_FAST.update_query_dict({"options": "-c synchronous_commit=off"})
PG_URL = _PG_FAST.set(database=_PG_NAME).render_as_string(hide_password=False)
# The TLS settings of the tests' own httpx clients: the SDK's, built once per process (`default_tls`).
CLIENT_TLS = default_tls()
# Request bodies toloka-kit sent for seeds 000 and 001 (see tests/data/PROVENANCE.md).
CAPTURED = Path(__file__).resolve().parent / "data" / "toloka"


_pg_state: dict[str, str | None] = {}
# What empties this process's PostgreSQL database again (found once, after its migrations).
_pg_reset: list[str] = []
_sqlite_template: list[Path] = []


def _pg_admin(statements: list[str]) -> None:
    engine = create_engine(_PG_FAST, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def postgres_reachable() -> str | None:
    """None when the test PostgreSQL answers (creating and migrating this process's database once), else why not."""
    if "reason" in _pg_state:
        return _pg_state["reason"]
    try:
        _pg_admin([f'DROP DATABASE IF EXISTS "{_PG_NAME}" WITH (FORCE)', f'CREATE DATABASE "{_PG_NAME}"'])
    except OperationalError as exc:
        _pg_state["reason"] = f"PostgreSQL at {BASE_PG_URL} is unreachable: {str(exc.orig).strip().splitlines()[0]}"
        return _pg_state["reason"]
    db = Database(PG_URL)
    db.migrate()
    with db.read() as conn:
        present = {row[0] for row in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))}
        sequences = [(row[0], row[1]) for row in conn.execute(text(
            "SELECT sequencename, start_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"))]
        superuser = conn.execute(text("SELECT current_setting('is_superuser')")).scalar_one() == "on"
    db.dispose()
    known = [table.name for table in reversed(metadata.sorted_tables) if table.name in present]  # children first
    others = sorted(present - set(known) - {"alembic_version"})
    restarts = [f"""setval('public."{name}"', {start}, false)""" for name, start in sequences]
    _pg_reset[:] = [  # after the connections a previous test left are ended (`_reset_postgres`)
        # the counters' triggers and the foreign keys' checks need not run for rows that all go: after a
        # module's 70,001-task pool they held the next test ~18 s (only a superuser may skip them)
        *(["SET LOCAL session_replication_role = replica"] if superuser else []),
        *(f'DELETE FROM "{name}"' for name in others + known),
        # ids restart: `setval(..., false)` makes the next id the start value, as `ALTER SEQUENCE ... RESTART`
        # does, but in place; RESTART gives each sequence a new file, which for the schema's 28 sequences
        # was 5-8 ms of PostgreSQL's CPU and 20-30 ms of wall time per test, nearly all of the reset's cost
        *([f"SELECT {', '.join(restarts)}"] if restarts else []),
    ]
    _pg_state["reason"] = None
    return None


def drop_test_database() -> None:
    """At the end of the session: this process's PostgreSQL database and the SQLite template."""
    for folder in _sqlite_template:
        shutil.rmtree(folder.parent, ignore_errors=True)
    _close_resetter()
    if _pg_state.get("reason", "absent") is None:
        _pg_admin([f'DROP DATABASE IF EXISTS "{_PG_NAME}" WITH (FORCE)'])


# The connection that empties this process's database between tests, kept open (with the pid that opened
# it): a new connection per test paid a backend start and that backend's first reads of the catalog for
# every table, about 10 ms of the test process's CPU, 15 ms of PostgreSQL's and 45 ms of wall time.
_resetter: list[tuple[int, Connection]] = []


@dataclass
class _Warm:
    """The handle that the `db` fixture's tests share in one process, and the backends of its connections."""

    pid: int
    db: Database
    backends: set[int]
    schema: tuple[Any, ...] | None = None


_warm: list[_Warm] = []
# Idle connections the shared handle keeps from one test to the next; after a test that opened more, its pool
# starts empty again (four test processes keeping twenty idle connections each would fill max_connections).
KEEP_IDLE = 4
# What changes when a test changes the schema (a migration test's downgrade and upgrade): then the shared
# handle's connections, whose plans and prepared statements were made for the old tables, are closed.
_SCHEMA = "SELECT count(*), sum(xmin::text::bigint) FROM pg_class WHERE relnamespace = 'public'::regnamespace"


def _close_resetter() -> None:
    while _resetter:
        pid, conn = _resetter.pop()
        if pid == os.getpid():
            conn.close()
            conn.engine.dispose()
    while _warm:
        warm = _warm.pop()
        if warm.pid == os.getpid():
            warm.db.dispose()


def _warm_handle() -> _Warm:
    if not _warm or _warm[0].pid != os.getpid():
        _warm[:] = [_Warm(os.getpid(), Database(PG_URL), set())]
        backends = _warm[0].backends

        def opened(dbapi: Any, *_args: Any) -> None:
            backends.add(dbapi.info.backend_pid)

        def closing(dbapi: Any, *_args: Any) -> None:  # before the close: the pid is still known
            backends.discard(dbapi.info.backend_pid)

        event.listen(_warm[0].db.engine, "connect", opened)
        for gone in ("close", "close_detached", "invalidate"):
            event.listen(_warm[0].db.engine, gone, closing)
    return _warm[0]


def _reset_postgres() -> None:
    if _resetter and _resetter[0][0] != os.getpid():
        _resetter.clear()  # opened by the parent of this process: never used here
    warm = _warm[0] if _warm and _warm[0].pid == os.getpid() else None
    if warm is not None:
        pool = warm.db.engine.pool
        assert isinstance(pool, QueuePool)
        if pool.checkedout() or pool.checkedin() > KEEP_IDLE:  # a connection still out: a test's thread lives on
            warm.db.dispose()
    # what a previous test left connected (an unfinished transaction would hold its locks), but for the
    # shared handle's idle connections (in its pool, so rolled back)
    ending = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
              "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    if warm is not None and warm.backends:
        ending += f" AND NOT (state = 'idle' AND pid IN ({', '.join(str(pid) for pid in sorted(warm.backends))}))"
    for attempt in (1, 2):
        if not _resetter:
            _resetter.append((os.getpid(), create_engine(PG_URL, poolclass=NullPool).connect()))
        conn = _resetter[0][1]
        try:
            with conn.begin():
                conn.exec_driver_sql(";\n".join([ending, *_pg_reset]))  # one round trip (no parameters)
                schema = tuple(conn.exec_driver_sql(_SCHEMA).one()) if warm is not None else None
            break
        except OperationalError:  # the connection was lost (the server restarted, or a test ended it)
            _close_resetter()
            if attempt == 2:
                raise
    if warm is not None and schema != warm.schema:
        if warm.schema is not None:
            warm.db.dispose()
        warm.schema = schema


def fresh_postgres(*, shared: bool = False) -> Database:
    """This process's database as just migrated: migrations ran once, each test's rows are deleted
    and ids restart at 1 (far cheaper than a new database per test).

    `shared`: the same handle for every such test of this process, its pooled connections kept from one
    test to the next (`release` leaves it open). A new handle per test opened new connections, each a new
    backend reading the catalog again for every table it touched, and compiled every statement again:
    for a small API test, ~25 ms more of the test process's CPU and ~20 ms more of PostgreSQL's."""
    warm = _warm_handle() if shared else None
    _reset_postgres()
    return warm.db if warm is not None else Database(PG_URL)


def release(db: Database) -> None:
    """The end of a test's use of `db`: closed, unless it is a shared handle (see `fresh_postgres`, `fresh_sqlite`)."""
    if not any(warm.db is db for warm in _warm) and not any(shared is db for _, shared in _sqlite_warm):
        db.dispose()


# The file the shared SQLite handle opens (the current test's copy), and that handle with the pid that made it.
_sqlite_file: list[str] = []
_sqlite_warm: list[tuple[int, Database]] = []


def _open_current_sqlite() -> sqlite3.Connection:
    return sqlite3.connect(_sqlite_file[0], **SQLITE_CONNECT_ARGS)


def _shared_sqlite(path: Path) -> Database:
    """The process's shared SQLite handle, pointed at `path` from now on: its pooled connections (to the
    previous test's file) are closed, the engine is kept. A new handle per test compiled every statement
    again (SQLAlchemy keeps compiled statements per engine) and set the dialect up: ~10 ms of CPU for a
    test that only starts a server, more for one that sends many kinds of request."""
    if not _sqlite_warm or _sqlite_warm[0][0] != os.getpid():
        _sqlite_file[:] = [str(path)]
        _sqlite_warm[:] = [(os.getpid(), Database(f"sqlite:///{path}", sqlite_creator=_open_current_sqlite))]
    db = _sqlite_warm[0][1]
    db.dispose()
    _sqlite_file[:] = [str(path)]
    db.url = f"sqlite:///{path}"
    return db


def fresh_sqlite(home: Path, *, shared: bool = False) -> Database:
    """A migrated, empty SQLite file in `home`: a copy of one migrated once per process.

    `shared`: the same handle for every such test of this process, opening this test's file (see
    `_shared_sqlite`); the test ends with `release`."""
    if not _sqlite_template:
        path = Path(tempfile.mkdtemp(prefix="clipcrowd-template-")) / "clipcrowd.db"
        atexit.register(shutil.rmtree, path.parent, ignore_errors=True)  # also when no session ends (scripts)
        template = Database(f"sqlite:///{path}")
        template.migrate()
        with template.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
        template.dispose()
        _sqlite_template.append(path)
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite_template[0], home / "clipcrowd.db")
    if shared:
        return _shared_sqlite(home / "clipcrowd.db")
    return Database(f"sqlite:///{home / 'clipcrowd.db'}")


def fresh_database(kind: str, home: Path, *, shared: bool = False) -> Database:
    """A fresh database of `kind` ("sqlite" in `home`, or "postgres"); skips when PostgreSQL is away.
    `shared`: see `fresh_postgres` and `fresh_sqlite` (a test then ends with `release`)."""
    if kind == "postgres":
        import pytest

        reason = postgres_reachable()
        if reason:
            pytest.skip(reason)
        return fresh_postgres(shared=shared)
    return fresh_sqlite(home, shared=shared)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ManualClock:
    """The system clock plus an offset the test moves forward (see `timeutil.use_clock`)."""

    offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        return system_clock() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@dataclass
class Live:
    url: str
    token: str
    db: Database
    settings: Settings

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"OAuth {self.token}"}


class _ThreadServer(uvicorn.Server):
    """uvicorn's server, stopped by `stop` at once: uvicorn's own loop notices `should_exit` at its next
    tick, up to 0.1 s later, and a test run starts and stops a few hundred servers."""

    _stopping: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):  # tick 0 of every 10 refreshes the Date header: once a second
            counter += 10
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), 1.0)

    def stop(self) -> None:
        self.should_exit = True
        if self._loop is not None and self._stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop has ended already
                self._loop.call_soon_threadsafe(self._stopping.set)


@contextmanager
def serve_in_thread(app: Any, settings: Settings) -> Iterator[str]:
    """`clipcrowd serve` in a thread: uvicorn with HTTP/1.1 on a free port of 127.0.0.1; yields its URL."""
    port = free_port()
    server = _ThreadServer(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", http="httptools",
                                          limit_concurrency=1000, timeout_keep_alive=settings.keep_alive_seconds))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        thread.join(timeout=20)


@contextmanager
def live_server(db: Database, home: Path, **settings: object) -> Iterator[Live]:
    """The app over `db` served on a real port, with a requester token."""
    config = Settings(home=home, database_url=db.url, **settings)  # type: ignore[arg-type]
    requester_id = auth.ensure_requester(db)
    token = auth.create_token(db, "requester", requester_id=requester_id, name="tests")
    with serve_in_thread(create_app(config, db), config) as url:
        yield Live(url=url, token=token, db=db, settings=config)


def migrate(db: Database, step: Any, revision: str) -> None:
    """Alembic's `step` (command.upgrade or command.downgrade) to `revision` on the test's database."""
    config = Config()
    config.set_main_option("script_location", str(store_db._MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        step(config, revision)
