"""The requester account as the API shows it (Toloka's `GET /requester`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from clipcrowd.domain.ids import format_id
from clipcrowd.services.auth import Principal
from clipcrowd.store.db import Database
from clipcrowd.store.tables import requesters


def get(db: Database, principal: Principal) -> dict[str, Any]:
    """The caller's account; an admin token without one answers as the installation's administrator."""
    with db.read() as conn:
        row = conn.execute(select(requesters).where(requesters.c.id == principal.requester_id)).one_or_none()
    if row is None:
        return {"id": "admin", "balance": 0.0, "public_name": {"EN": "clipcrowd administrator"}}
    return {"id": format_id(row.id), "balance": row.balance, "public_name": {"EN": row.public_name}}
