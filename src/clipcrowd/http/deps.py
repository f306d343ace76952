"""Request dependencies shared by the API and the pages: the database, the settings, the caller.

Dependencies are `async def` on purpose: FastAPI runs a plain `def` dependency in the thread pool,
a thread hop per dependency per request. These never block for long: the token lookup is a cached
hash check, with one indexed query when the cache misses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from clipcrowd.domain.errors import AccessDenied, AuthenticationFailed, NotFound, ValidationFailed
from clipcrowd.domain.ids import parse_id
from clipcrowd.services.auth import Principal, resolve
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database

#: The HttpOnly cookie the pages set at sign-in; the API reads it too, so a page's scripts call the
#: API as the person signed in.
COOKIE = "clipcrowd_token"
_SCHEMES = {"oauth", "bearer", "apikey"}


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def bearer_token(request: Request) -> str | None:
    """The token of the `Authorization` header, else of the sign-in cookie, else None."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in _SCHEMES or not token.strip():
            raise AuthenticationFailed("Authorization must be 'OAuth <token>' or 'Bearer <token>'")
        return token.strip()
    return request.cookies.get(COOKIE)


def _principal(request: Request) -> Principal:
    token = bearer_token(request)
    if token is None:
        raise AuthenticationFailed("no token: send 'Authorization: OAuth <token>'")
    return resolve(request.app.state.db, token)


async def get_principal(request: Request) -> Principal:
    return _principal(request)


def cookie_principal(request: Request) -> Principal | None:
    """Who signed in to the pages, or None: a missing or stale cookie means 'sign in first'."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        return resolve(request.app.state.db, token)
    except AuthenticationFailed:
        return None


# The role checks read the request themselves rather than depend on `get_principal`: FastAPI solves
# each dependency level with a cost of its own (~0.1 ms of CPU a request).
async def require_requester(request: Request) -> Principal:
    principal = _principal(request)
    if principal.role not in ("requester", "admin"):
        raise AccessDenied("this needs a requester token")
    return principal


def _worker_id(request: Request) -> int:
    principal = _principal(request)
    if principal.role != "worker" or principal.worker_id is None:
        raise AccessDenied("this needs a worker token")
    return principal.worker_id


async def require_worker(request: Request) -> int:
    return _worker_id(request)


@dataclass(frozen=True, slots=True)
class WorkerCall:
    """The database and the worker calling: one dependency for the worker API's busiest routes (next
    suite, submit), where two (`DbDep`, `WorkerId`) cost the round trip a tenth of its CPU."""

    db: Database
    worker_id: int


async def worker_call(request: Request) -> WorkerCall:
    return WorkerCall(request.app.state.db, _worker_id(request))


def query_flag(request: Request, name: str, default: bool = False) -> bool:
    """A `true`/`false` query parameter; anything else names the parameter in a 400."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if raw.lower() not in ("true", "false"):
        raise ValidationFailed.field(name, "must be true or false")
    return raw.lower() == "true"


def object_id(value: str, kind: str) -> int:
    """A path id; anything that cannot be one of ours does not exist."""
    number = parse_id(value)
    if number is None:
        raise NotFound(f"{kind} {value!r} does not exist")
    return number


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
Requester = Annotated[Principal, Depends(require_requester)]
WorkerId = Annotated[int, Depends(require_worker)]
WorkerCaller = Annotated[WorkerCall, Depends(worker_call)]
Viewer = Annotated[Principal, Depends(get_principal)]  # requesters and workers both see task media
