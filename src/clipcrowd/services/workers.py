"""Worker accounts: profile (languages, client type), sign-in password, and their API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from clipcrowd.domain.errors import AuthenticationFailed, ConflictState, NotFound, ValidationFailed
from clipcrowd.domain.filters import CLIENT_TYPES, PROFILE_COMPUTED_KEYS, WorkerFacts
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.models.base import checked
from clipcrowd.domain.models.people import WorkerCreate
from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.services import auth
from clipcrowd.store.db import Database
from clipcrowd.store.tables import worker_skills, workers


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


# Checked against when a login is unknown (or has no password), so that a refusal costs the same
# scrypt work either way and timing does not tell which logins exist.
_DECOY = "scrypt$" + "00" * 16 + "$" + "00" * 64


def check_password(stored: str | None, password: str) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        _, salt, digest = _DECOY.split("$")
        hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
        return False
    _, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
    return hmac.compare_digest(candidate.hex(), digest)


def present(row: Any) -> dict[str, Any]:
    return {
        "id": format_id(row.id), "login": row.login, "languages": row.languages,
        "client_type": row.client_type, "profile": row.profile, "balance": row.balance,
        "created": format_time(row.created),
    }


def profile_fields(body: Mapping[str, Any]) -> tuple[list[str], str]:
    """The languages and client type a worker (or an invite) declares, checked; EN and BROWSER by default."""
    languages = body.get("languages", ["EN"])
    if not isinstance(languages, list) or not all(isinstance(x, str) and x for x in languages):
        raise ValidationFailed.field("languages", "must be a list of language codes such as 'EN'")
    client_type = body.get("client_type", "BROWSER")
    if client_type not in CLIENT_TYPES:
        raise ValidationFailed.field("client_type", f"one of {sorted(CLIENT_TYPES)}")
    return languages, client_type


def _validate(body: Any) -> dict[str, Any]:
    worker = checked(WorkerCreate, body, "worker")
    languages, client_type = profile_fields(body)
    return {"login": worker.login.strip(), "languages": [x.upper() for x in languages], "client_type": client_type,
            "profile": worker.profile or {}, "password": worker.password}


def create(db: Database, body: Any) -> dict[str, Any]:
    """A new worker and a token for the worker API (shown only in this answer)."""
    data = _validate(body)
    # hashed before the write begins: scrypt's ~40 ms would otherwise hold SQLite's write lock
    password_hash = hash_password(data["password"]) if data["password"] else None
    try:
        with db.write() as conn:
            new_id = conn.execute(insert(workers).values(
                login=data["login"], languages=data["languages"], client_type=data["client_type"],
                profile=data["profile"], balance=0.0, created=utcnow(), password_hash=password_hash,
            ).returning(workers.c.id)).scalar_one()
    except IntegrityError:
        raise ConflictState(f"a worker with login {data['login']!r} already exists", code="ALREADY_EXISTS") from None
    token = auth.create_token(db, "worker", worker_id=new_id, name=data["login"])
    return {**get(db, new_id), "token": token}


def load(conn: Connection, worker_id: int) -> Any:
    row = conn.execute(select(workers).where(workers.c.id == worker_id)).one_or_none()
    if row is None:
        raise NotFound(f"user {worker_id} does not exist")
    return row


def get(db: Database, worker_id: int) -> dict[str, Any]:
    with db.read() as conn:
        return present(load(conn, worker_id))


def facts(conn: Connection, worker: Any, *, with_skills: bool = True) -> WorkerFacts:
    """What pool filters may look at for this worker (skills are read only when a filter needs them)."""
    skill_rows = conn.execute(select(worker_skills.c.skill_id, worker_skills.c.value)
                              .where(worker_skills.c.worker_id == worker.id)).all() if with_skills else []
    return WorkerFacts(
        profile={**worker.profile, "languages": worker.languages},
        computed={**{k: worker.profile[k] for k in PROFILE_COMPUTED_KEYS if k in worker.profile},
                  "client_type": worker.client_type},
        skills={format_id(r.skill_id): r.value for r in skill_rows},
    )


def sign_in(db: Database, login: str, password: str, expires: datetime | None = None) -> str:
    """A fresh worker token for a login and password (the web pages keep it in a cookie).

    An unknown login costs the same password check as a known one (see `check_password`).
    """
    with db.read() as conn:
        row = conn.execute(select(workers).where(workers.c.login == login)).one_or_none()
    if not check_password(row.password_hash if row is not None else None, password) or row is None:
        raise AuthenticationFailed("wrong login or password")
    return auth.create_token(db, "worker", worker_id=row.id, name=f"sign-in {login}", expires=expires)
