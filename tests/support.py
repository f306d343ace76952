"""Shared test machinery: databases on SQLite and PostgreSQL, a live server on a real port."""

from __future__ import annotations

import atexit
import os
import shutil
import socket
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
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from clipcrowd.api.app import create_app
from clipcrowd.domain.timeutil import system_clock
from clipcrowd.services import auth
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database

BASE_PG_URL = os.environ.get("CLIPCROWD_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Each test process gets its own database next to the configured one, so runs never disturb each other.
_PG_NAME = f"clipcrowd_test_{os.getpid()}"
PG_URL = make_url(BASE_PG_URL).set(database=_PG_NAME).render_as_string(hide_password=False)
# Migrations run once per process, into a template; every test starts from a copy of it.
_PG_TEMPLATE = f"{_PG_NAME}_template"
# Request bodies toloka-kit sent for seeds 000 and 001 (see tests/data/PROVENANCE.md).
CAPTURED = Path(__file__).resolve().parent / "data" / "toloka"


_pg_state: dict[str, str | None] = {}
_sqlite_template: list[Path] = []


def _pg_admin(statements: list[str]) -> None:
    engine = create_engine(BASE_PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def postgres_reachable() -> str | None:
    """None when the test PostgreSQL answers (migrating this process's template once), else why not."""
    if "reason" in _pg_state:
        return _pg_state["reason"]
    try:
        _pg_admin([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in (_PG_NAME, _PG_TEMPLATE)]
                  + [f'CREATE DATABASE "{_PG_TEMPLATE}"'])
    except OperationalError as exc:
        _pg_state["reason"] = f"PostgreSQL at {BASE_PG_URL} is unreachable: {str(exc.orig).strip().splitlines()[0]}"
        return _pg_state["reason"]
    template = Database(make_url(BASE_PG_URL).set(database=_PG_TEMPLATE).render_as_string(hide_password=False))
    template.migrate()
    template.dispose()
    _pg_state["reason"] = None
    return None


def drop_test_database() -> None:
    """At the end of the session: this process's PostgreSQL databases and the SQLite template."""
    for folder in _sqlite_template:
        shutil.rmtree(folder.parent, ignore_errors=True)
    if _pg_state.get("reason", "absent") is None:
        _pg_admin([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in (_PG_NAME, _PG_TEMPLATE)])


def fresh_postgres() -> Database:
    """A migrated, empty database: a copy of the template (tests run one at a time per process)."""
    _pg_admin([f'DROP DATABASE IF EXISTS "{_PG_NAME}" WITH (FORCE)',
               f'CREATE DATABASE "{_PG_NAME}" TEMPLATE "{_PG_TEMPLATE}"'])
    return Database(PG_URL)


def fresh_sqlite(home: Path) -> Database:
    """A migrated, empty SQLite file in `home`: a copy of one migrated once per process."""
    if not _sqlite_template:
        path = Path(tempfile.mkdtemp(prefix="clipcrowd-template-")) / "clipcrowd.db"
        atexit.register(shutil.rmtree, path.parent, ignore_errors=True)  # also when no session ends (scripts)
        template = Database(f"sqlite:///{path}")
        template.migrate()
        with template.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
        template.dispose()
        _sqlite_template.append(path)
    shutil.copyfile(_sqlite_template[0], home / "clipcrowd.db")
    return Database(f"sqlite:///{home / 'clipcrowd.db'}")


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


@contextmanager
def serve_in_thread(app: Any, settings: Settings) -> Iterator[str]:
    """`clipcrowd serve` in a thread: uvicorn with HTTP/1.1 on a free port of 127.0.0.1; yields its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", http="httptools",
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
        server.should_exit = True
        thread.join(timeout=20)


@contextmanager
def live_server(db: Database, home: Path, **settings: object) -> Iterator[Live]:
    """The app over `db` served on a real port, with a requester token."""
    config = Settings(home=home, database_url=db.url, **settings)  # type: ignore[arg-type]
    requester_id = auth.ensure_requester(db)
    token = auth.create_token(db, "requester", requester_id=requester_id, name="tests")
    with serve_in_thread(create_app(config, db), config) as url:
        yield Live(url=url, token=token, db=db, settings=config)
