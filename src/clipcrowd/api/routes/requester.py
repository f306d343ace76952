"""The calling requester's account."""

from __future__ import annotations

from typing import Any

from clipcrowd.api.deps import DbDep, Requester
from clipcrowd.api.routing import Router
from clipcrowd.domain.models.requester import RequesterPublic
from clipcrowd.services import requesters

router = Router(tags=["requester"])


@router.get("/requester", response_model=RequesterPublic)
def get_requester(db: DbDep, principal: Requester) -> dict[str, Any]:
    return requesters.get(db, principal)
