"""API tokens: random secrets shown once, stored as SHA-256 hashes, each with a role.

Sign-in sessions (the pages' cookie) are tokens too: minted at sign-in with an expiry, revoked at
sign-out."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import bindparam, insert, select, update

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
    """Revoke a token; every server process refuses it from the next request on."""
    with db.write() as conn:
        return bool(conn.execute(update(api_tokens).where(api_tokens.c.token_hash == hash_token(token),
                                                          api_tokens.c.revoked.is_(False))
                                 .values(revoked=True)).rowcount)


def resolve(db: Database, token: str) -> Principal:
    """The principal behind a token; expired, revoked and unknown tokens are refused alike.

    Read from the database on every request (one indexed lookup, `Database.lookup`: the cheapest
    read there is): a revocation, from the CLI or a sign-out in another server process, holds at once.
    """
    row = db.lookup(_BY_HASH, token_hash=hash_token(token))
    if row is None:
        raise AuthenticationFailed("the token is not valid")
    role, requester_id, worker_id, revoked, expires = row
    if revoked:
        raise AuthenticationFailed("the token is not valid")
    if expires is not None and expires <= utcnow():
        raise AuthenticationFailed("the token has expired")
    return Principal(role=role, requester_id=requester_id, worker_id=worker_id)


_t = api_tokens.c
_BY_HASH = select(_t.role, _t.requester_id, _t.worker_id, _t.revoked, _t.expires).where(
    _t.token_hash == bindparam("token_hash"))
