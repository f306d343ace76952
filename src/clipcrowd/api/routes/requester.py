"""The calling requester's account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from clipcrowd.api.deps import DbDep, Requester
from clipcrowd.services import requesters

router = APIRouter(tags=["requester"])


@router.get("/requester")
def get_requester(db: DbDep, principal: Requester) -> dict[str, Any]:
    return requesters.get(db, principal)
