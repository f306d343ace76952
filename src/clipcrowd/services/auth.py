"""API tokens: random secrets shown once, stored as SHA-256 hashes, each with a role."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import insert, select, update

from clipcrowd.domain.errors import AuthenticationFailed
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.store.db import Database
from clipcrowd.store.tables import api_tokens, requesters

Role = Literal["requester", "worker", "admin"]


@dataclass(frozen=True)
class Principal:
    """Who is calling: a requester (or admin) or a worker."""

    role: Role
    requester_id: int | None = None
    worker_id: int | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret(role: Role) -> str:
    return f"cc{role[0]}_{secrets.token_urlsafe(32)}"


def ensure_requester(db: Database, name: str = "clipcrowd requester") -> int:
    """The requester account of this installation (created on first use)."""
    with db.write() as conn:
        row = conn.execute(select(requesters.c.id).order_by(requesters.c.id).limit(1)).first()
        if row is not None:
            return int(row.id)
        return int(conn.execute(insert(requesters).values(public_name=name, balance=0.0, created=utcnow())
                                .returning(requesters.c.id)).scalar_one())


def create_token(
    db: Database, role: Role, *, requester_id: int | None = None, worker_id: int | None = None,
    name: str = "", expires: datetime | None = None,
) -> str:
    token = new_secret(role)
    with db.write() as conn:
        conn.execute(insert(api_tokens).values(
            token_hash=hash_token(token), role=role, requester_id=requester_id, worker_id=worker_id,
            name=name, created=utcnow(), expires=expires, revoked=False,
        ))
    return token


def revoke(db: Database, token: str) -> bool:
    _cache.pop(hash_token(token), None)
    with db.write() as conn:
        return bool(conn.execute(update(api_tokens).where(api_tokens.c.token_hash == hash_token(token),
                                                          api_tokens.c.revoked.is_(False))
                                 .values(revoked=True)).rowcount)


# Every request resolves its token; remembering good answers briefly saves a query per request.
# A revoked token stops working at once in this process and within CACHE_SECONDS in the others.
CACHE_SECONDS = 5.0
_CACHE_LIMIT = 50_000
_cache: dict[str, tuple[Principal, float, datetime | None]] = {}


def resolve(db: Database, token: str) -> Principal:
    """The principal behind a token; expired, revoked and unknown tokens are refused alike."""
    digest = hash_token(token)
    cached = _cache.get(digest)
    if cached is not None:
        principal, until, expires = cached
        if time.monotonic() < until and (expires is None or expires > utcnow()):
            return principal
        _cache.pop(digest, None)
    with db.read() as conn:
        row = conn.execute(select(api_tokens).where(api_tokens.c.token_hash == digest)).one_or_none()
    if row is None or row.revoked:
        raise AuthenticationFailed("the token is not valid")
    if row.expires is not None and row.expires <= utcnow():
        raise AuthenticationFailed("the token has expired")
    principal = Principal(role=row.role, requester_id=row.requester_id, worker_id=row.worker_id)
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[digest] = (principal, time.monotonic() + CACHE_SECONDS, row.expires)
    return principal
