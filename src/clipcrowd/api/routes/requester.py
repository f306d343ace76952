"""The calling requester's account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from clipcrowd.api.deps import DbDep, Requester
from clipcrowd.domain.ids import format_id
from clipcrowd.store.tables import requesters

router = APIRouter(tags=["requester"])


@router.get("/requester")
def get_requester(db: DbDep, principal: Requester) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute(select(requesters).where(requesters.c.id == principal.requester_id)).one_or_none()
    if row is None:
        return {"id": "admin", "balance": 0.0, "public_name": {"EN": "clipcrowd administrator"}}
    return {"id": format_id(row.id), "balance": row.balance, "public_name": {"EN": row.public_name}}
