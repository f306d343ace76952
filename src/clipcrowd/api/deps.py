"""Dependencies that routes declare by type: the database, the caller, the parsed JSON body."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from clipcrowd.api import json_bounds
from clipcrowd.api.security import JSON_STATE_KEY, SESSION_COOKIE
from clipcrowd.domain.errors import AccessDenied, AuthenticationFailed, NotFound, ValidationFailed
from clipcrowd.domain.ids import parse_id
from clipcrowd.services.auth import Principal, resolve
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database

_SCHEMES = {"oauth", "bearer", "apikey"}


# Dependencies are `async def` on purpose: FastAPI runs a plain `def` dependency in the thread
# pool, a thread hop per dependency per request. These never block for long: the token lookup
# is a cached hash check, with one indexed query when the cache misses.


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in _SCHEMES or not token.strip():
            raise AuthenticationFailed("Authorization must be 'OAuth <token>' or 'Bearer <token>'")
        return token.strip()
    return request.cookies.get(SESSION_COOKIE)


async def get_principal(request: Request) -> Principal:
    token = bearer_token(request)
    if token is None:
        raise AuthenticationFailed("no token: send 'Authorization: OAuth <token>'")
    return resolve(request.app.state.db, token)


async def require_requester(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if principal.role not in ("requester", "admin"):
        raise AccessDenied("this needs a requester token")
    return principal


async def require_worker(principal: Annotated[Principal, Depends(get_principal)]) -> int:
    if principal.role != "worker" or principal.worker_id is None:
        raise AccessDenied("this needs a worker token")
    return principal.worker_id


async def json_body(request: Request) -> Any:
    """The body the edge (api/security.py) already parsed and bounded; parsed here when it did not run."""
    state = request.scope.get("state") or {}
    if JSON_STATE_KEY in state:
        return state[JSON_STATE_KEY]
    raw = await request.body()
    if not raw.strip():
        raise ValidationFailed.field("body", "a JSON body is required")
    settings: Settings = request.app.state.settings
    return json_bounds.parse(raw, max_text=settings.max_text_chars)


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
JsonBody = Annotated[Any, Depends(json_body)]
