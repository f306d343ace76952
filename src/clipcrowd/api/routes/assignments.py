"""Assignments as the requester sees them, and their review."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from starlette.responses import StreamingResponse

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.models.assignments import AssignmentPublic, AssignmentReview
from clipcrowd.domain.models.base import Page
from clipcrowd.services import listing, review

router = Router(prefix="/assignments", tags=["assignments"])


@router.get("", response_model=Page[AssignmentPublic])
def find_assignments(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> Response:
    # the body is JSON text already (`services.assignment_json`); a large page comes in pieces
    body = listing.assignments_page(db, settings, request.query_params)
    if isinstance(body, bytes):
        return Response(body, media_type="application/json")
    return StreamingResponse(body, media_type="application/json")


@router.get("/{assignment_id}", response_model=AssignmentPublic)
def get_assignment(db: DbDep, _: Requester, assignment_id: str) -> dict[str, Any]:
    return review.get(db, object_id(assignment_id, "assignment"))


@router.patch("/{assignment_id}", response_model=AssignmentPublic)
def review_assignment(db: DbDep, _: Requester, assignment_id: str, body: AssignmentReview) -> dict[str, Any]:
    return review.set_status(db, object_id(assignment_id, "assignment"), body.body())
