"""Invite links: a requester makes a code for a pool; a person uses it to create her own worker account.

The code is shown once and stored as a SHA-256 hash (like API tokens). Redeeming it creates the
worker with the profile the invite names (languages, client type, other facts such as a country),
and answers a worker token for the page's cookie plus the pool to land on.

An invite is for a pool, so its profile comes from the pool's filter (`domain.filter_fit`): what the
requester does not set is filled in so the invitee passes. When what she sets (or a skill condition,
which no new worker meets) would keep the invitee out, the invite is refused with the conditions
named, unless she says to make it anyway (`accept_failing`); then the answer lists them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select, update

from clipcrowd.domain import filter_fit
from clipcrowd.domain.errors import NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.pool import PoolRules
from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.services import auth, workers
from clipcrowd.services.pools import load as load_pool
from clipcrowd.store.db import Database
from clipcrowd.store.tables import invites

_LANGUAGE = re.compile(r"[A-Za-z]{2,8}")


def _filter(db: Database, pool_id: int) -> Any:
    with db.read() as conn:
        return PoolRules.of(load_pool(conn, pool_id).data).filter


def defaults(db: Database, pool_id: int) -> dict[str, Any]:
    """The invite profile that passes the pool's filter, and what no invite can meet (for the form)."""
    tree = _filter(db, pool_id)
    fitted = filter_fit.fit(tree)
    return {"client_type": fitted.client_type, "languages": list(fitted.languages), "profile": dict(fitted.other),
            "unmet": filter_fit.failures(tree, fitted.facts())}


def _profile(body: Mapping[str, Any], tree: Any) -> filter_fit.Profile:
    """What the requester set, the rest fitted to the pool's filter."""
    given = body.get("profile") or {}
    if not isinstance(given, Mapping) or len(given) > 20 or any(
            not isinstance(k, str) or len(k) > 40 or isinstance(v, bool) or not isinstance(v, (str, int, float))
            or (isinstance(v, str) and len(v) > 200) for k, v in given.items()):
        raise ValidationFailed.field("profile", "must be an object of up to 20 short plain values (country, ...)")
    fitted = filter_fit.fit(tree)
    for code in body.get("languages") or []:
        if not isinstance(code, str) or not _LANGUAGE.fullmatch(code):
            raise ValidationFailed.field("languages", f"language codes are 2 to 8 letters such as EN, got {code!r:.40}")
    languages, client_type = workers.profile_fields({
        "languages": body["languages"] if body.get("languages") else list(fitted.languages),
        "client_type": body.get("client_type") or fitted.client_type})
    return filter_fit.Profile(tuple(x.upper() for x in languages), client_type, {**fitted.other, **given})


def create(db: Database, pool_id: int, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A new invite code for a pool (the code itself is only in this answer)."""
    body = body or {}
    tree = _filter(db, pool_id)
    profile = _profile(body, tree)
    failing = filter_fit.failures(tree, profile.facts())
    if failing and not body.get("accept_failing"):
        field = "client_type" if any(line.startswith("client type") for line in failing) else (
            "languages" if any(line.startswith("languages") for line in failing) else "profile")
        raise ValidationFailed.field(field, "the invitee would not meet the pool's filter: " + "; ".join(failing)
                                     + ". Change the invite, or make it anyway")
    max_uses = body.get("max_uses")
    if max_uses is not None and (isinstance(max_uses, bool) or not isinstance(max_uses, int) or max_uses < 1):
        raise ValidationFailed.field("max_uses", "must be a positive integer")
    code = f"cci_{secrets.token_urlsafe(18)}"
    with db.write() as conn:
        load_pool(conn, pool_id)
        new_id = conn.execute(insert(invites).values(
            code_hash=auth.hash_token(code), pool_id=pool_id, languages=list(profile.languages),
            client_type=profile.client_type, profile=dict(profile.other) or None, created=utcnow(),
            max_uses=max_uses, uses=0, revoked=False,
        ).returning(invites.c.id)).scalar_one()
    return {"id": format_id(new_id), "pool_id": format_id(pool_id), "code": code,
            "client_type": profile.client_type, "languages": list(profile.languages),
            "profile": dict(profile.other), "failing": failing, "max_uses": max_uses,
            "created": format_time(utcnow())}


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
                               "client_type": row.client_type, "profile": row.profile or {}})
    with db.write() as conn:
        conn.execute(update(invites).where(invites.c.id == row.id).values(uses=invites.c.uses + 1))
    return str(made["token"]), int(row.pool_id)
