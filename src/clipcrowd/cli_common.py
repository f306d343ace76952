"""What every `clipcrowd` command shares: the error console, settings from flags, the database.

Errors a user can cause end with a one-line message and exit code 2, never a traceback. Every
command starts a process of its own, so what only some commands use (the database layer, the HTTP
client) is imported where it is used: `clipcrowd simulate` need not load Alembic.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from clipcrowd.settings import Settings

if TYPE_CHECKING:
    from clipcrowd.store.db import Database

console = Console(stderr=True, soft_wrap=True)


def fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(2)


def load_settings(**overrides: Any) -> Settings:
    try:
        given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
        return Settings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"bad setting {'.'.join(str(p) for p in first['loc']) or ''}: {first['msg']}")
        raise  # unreachable: fail() exits


def open_database(settings: Settings) -> Database:
    from sqlalchemy.exc import OperationalError

    from clipcrowd.store.db import Database

    settings.home.mkdir(parents=True, exist_ok=True)
    db = Database.from_settings(settings)
    try:
        db.wait_until_reachable(timeout=settings.db_wait_seconds)
        db.migrate()
    except OperationalError as exc:
        fail(f"cannot reach the database {settings.resolved_database_url}: {str(exc.orig).strip().splitlines()[0]}")
    return db


HomeOpt = Annotated[Path | None, typer.Option("--home", help="Data directory (CLIPCROWD_HOME).")]


@contextlib.contextmanager
def user_errors(url: str, out: Path | None = None) -> Iterator[None]:
    """Turn what a user can cause (bad values, server refusals, no server, unwritable output) into ``fail``."""
    import httpx

    from clipcrowd.client.errors import ApiError

    try:
        yield
    except ApiError as exc:
        fail(f"{exc.code}: {exc.message}")
    except httpx.HTTPError as exc:
        fail(f"cannot reach {url}: {exc}")
    except ValueError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")


def need_token(token: str | None) -> str:
    if not token:
        fail("a requester token is needed: --token or CLIPCROWD_TOKEN")
    return token or ""


UrlOpt = Annotated[str, typer.Option(envvar="CLIPCROWD_URL", help="Server URL.")]
TokenOpt = Annotated[str | None, typer.Option(envvar="CLIPCROWD_TOKEN", help="Requester token.")]
