"""Assignments as the requester sees them, and their review."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from clipcrowd.api.deps import DbDep, JsonBody, Requester, SettingsDep, object_id
from clipcrowd.services import listing, review

router = APIRouter(prefix="/assignments", tags=["assignments"])


@router.get("", response_model=None)
def find_assignments(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> JSONResponse:
    # already plain JSON types: sent as they are, without FastAPI's per-value encoding pass
    return JSONResponse(listing.assignments_page(db, settings, request.query_params))


@router.get("/{assignment_id}")
def get_assignment(db: DbDep, _: Requester, assignment_id: str) -> dict[str, Any]:
    return review.get(db, object_id(assignment_id, "assignment"))


@router.patch("/{assignment_id}")
def review_assignment(db: DbDep, _: Requester, assignment_id: str, body: JsonBody) -> dict[str, Any]:
    return review.set_status(db, object_id(assignment_id, "assignment"), body)
