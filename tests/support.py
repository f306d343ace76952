"""Shared test machinery: databases on SQLite and PostgreSQL, a live server on a real port."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from clipcrowd.server import create_app
from clipcrowd.services import auth
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database

BASE_PG_URL = os.environ.get("CLIPCROWD_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Each test process gets its own database next to the configured one, so runs never disturb each other.
_PG_NAME = f"clipcrowd_test_{os.getpid()}"
PG_URL = make_url(BASE_PG_URL).set(database=_PG_NAME).render_as_string(hide_password=False)
SHARED = Path(os.environ.get("CLIPCROWD_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
CAPTURED = SHARED / "reference" / "toloka" / "captured" / "extracted"


_pg_state: dict[str, str | None] = {}


def postgres_reachable() -> str | None:
    """None when the test PostgreSQL answers (creating this process's database once), else why not."""
    if "reason" in _pg_state:
        return _pg_state["reason"]
    try:
        engine = create_engine(BASE_PG_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{_PG_NAME}"'))
            conn.execute(text(f'CREATE DATABASE "{_PG_NAME}"'))
        engine.dispose()
        _pg_state["reason"] = None
    except OperationalError as exc:
        _pg_state["reason"] = f"PostgreSQL at {BASE_PG_URL} is unreachable: {str(exc.orig).strip().splitlines()[0]}"
    return _pg_state["reason"]


def drop_test_database() -> None:
    if _pg_state.get("reason", "absent") is not None:
        return
    engine = create_engine(BASE_PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{_PG_NAME}" WITH (FORCE)'))
    engine.dispose()


def fresh_postgres() -> Database:
    """An empty schema (tests run one at a time against the shared `test` database)."""
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    db = Database(PG_URL)
    db.migrate()
    return db


def fresh_sqlite(home: Path) -> Database:
    db = Database(f"sqlite:///{home / 'clipcrowd.db'}")
    db.migrate()
    return db


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
def live_server(db: Database, home: Path, **settings: object) -> Iterator[Live]:
    """`clipcrowd serve` in a thread: uvicorn with HTTP/1.1 on a free port of 127.0.0.1."""
    config = Settings(home=home, database_url=db.url, **settings)  # type: ignore[arg-type]
    requester_id = auth.ensure_requester(db)
    token = auth.create_token(db, "requester", requester_id=requester_id, name="tests")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(config, db), host="127.0.0.1", port=port,
                                           log_level="warning", http="httptools", limit_concurrency=1000))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield Live(url=f"http://127.0.0.1:{port}", token=token, db=db, settings=config)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
