"""Invite links: a requester makes a code for a pool; a person uses it to create her own worker account.

The code is shown once and stored as a SHA-256 hash (like API tokens). Redeeming it creates the
worker with the profile the invite names (languages, client type), so the pool's filter admits her,
and answers a worker token for the page's cookie plus the pool to land on.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select, update

from clipcrowd.domain.errors import NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.services import auth, workers
from clipcrowd.services.pools import load as load_pool
from clipcrowd.store.db import Database
from clipcrowd.store.tables import invites


def create(db: Database, pool_id: int, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A new invite code for a pool (the code itself is only in this answer)."""
    body = body or {}
    languages, client_type = workers.profile_fields(body)
    max_uses = body.get("max_uses")
    if max_uses is not None and (isinstance(max_uses, bool) or not isinstance(max_uses, int) or max_uses < 1):
        raise ValidationFailed.field("max_uses", "must be a positive integer")
    code = f"cci_{secrets.token_urlsafe(18)}"
    with db.write() as conn:
        load_pool(conn, pool_id)
        new_id = conn.execute(insert(invites).values(
            code_hash=auth.hash_token(code), pool_id=pool_id, languages=[x.upper() for x in languages],
            client_type=client_type, created=utcnow(), max_uses=max_uses, uses=0, revoked=False,
        ).returning(invites.c.id)).scalar_one()
    return {"id": format_id(new_id), "pool_id": format_id(pool_id), "code": code, "client_type": client_type,
            "languages": languages, "max_uses": max_uses, "created": format_time(utcnow())}


def _usable(conn: Any, code: str) -> Any:
    row = conn.execute(select(invites).where(invites.c.code_hash == auth.hash_token(code))).one_or_none()
    if row is None or row.revoked:
        raise NotFound("this invite link is not valid; ask for a new one")
    if row.expires is not None and row.expires <= utcnow():
        raise NotFound("this invite link has expired; ask for a new one")
    if row.max_uses is not None and row.uses >= row.max_uses:
        raise NotFound("this invite link has been used up; ask for a new one")
    return row


def check(db: Database, code: str) -> int:
    """The pool an invite leads to, or NotFound with a message a person understands."""
    with db.read() as conn:
        return int(_usable(conn, code).pool_id)


def redeem(db: Database, code: str, login: str, password: str) -> tuple[str, int]:
    """Create the worker account; answer (worker token, pool id)."""
    with db.read() as conn:
        row = _usable(conn, code)
    if not isinstance(password, str) or len(password) < 8:
        raise ValidationFailed.field("password", "must be at least 8 characters")
    made = workers.create(db, {"login": login, "password": password, "languages": row.languages,
                               "client_type": row.client_type})
    with db.write() as conn:
        conn.execute(update(invites).where(invites.c.id == row.id).values(uses=invites.c.uses + 1))
    return str(made["token"]), int(row.pool_id)
