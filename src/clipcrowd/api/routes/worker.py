"""The worker API: pools she may take, the next task suite, answers, uploads, skips."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from clipcrowd.api.deps import DbDep, SettingsDep, WorkerCaller, WorkerId, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.models.assets import AttachmentPublic
from clipcrowd.domain.models.assignments import Submission, WorkerAssignment
from clipcrowd.domain.models.base import RAW_BODY, Page
from clipcrowd.domain.models.people import WorkerPublic
from clipcrowd.domain.models.pools import WorkerPool
from clipcrowd.services import attachments, issuing, submissions, workers

router = Router(prefix="/worker", tags=["worker"])


@router.get("/me", response_model=WorkerPublic)
def me(db: DbDep, worker_id: WorkerId) -> dict[str, Any]:
    return workers.get(db, worker_id)


@router.get("/pools", response_model=Page[WorkerPool])
def my_pools(db: DbDep, worker_id: WorkerId) -> dict[str, Any]:
    return {"items": issuing.available_pools(db, worker_id), "has_more": False}


@router.post("/pools/{pool_id}/next", response_model=WorkerAssignment)
def next_suite(caller: WorkerCaller, pool_id: str) -> dict[str, Any]:
    return issuing.next_suite(caller.db, caller.worker_id, object_id(pool_id, "pool"))


@router.get("/assignments/{assignment_id}", response_model=WorkerAssignment)
def get_assignment(db: DbDep, worker_id: WorkerId, assignment_id: str) -> dict[str, Any]:
    return submissions.get_for_worker(db, worker_id, object_id(assignment_id, "assignment"))


@router.post("/assignments/{assignment_id}/submit", response_model=WorkerAssignment)
def submit(caller: WorkerCaller, assignment_id: str, body: Submission) -> dict[str, Any]:
    return submissions.submit(caller.db, caller.worker_id, object_id(assignment_id, "assignment"), body.body())


@router.post("/assignments/{assignment_id}/skip", response_model=WorkerAssignment)
def skip(db: DbDep, worker_id: WorkerId, assignment_id: str) -> dict[str, Any]:
    return submissions.skip(db, worker_id, object_id(assignment_id, "assignment"))


@router.post("/assignments/{assignment_id}/attachments", status_code=201, response_model=AttachmentPublic,
             openapi_extra=RAW_BODY)
async def upload(
    db: DbDep, settings: SettingsDep, worker_id: WorkerId, assignment_id: str, request: Request,
) -> dict[str, Any]:
    """The request body is the file itself; `name` in the query, type from Content-Type."""
    return await attachments.receive(
        db, settings, worker_id, object_id(assignment_id, "assignment"),
        name=request.query_params.get("name") or "upload",
        media_type=request.headers.get("content-type") or "application/octet-stream",
        declared_size=request.headers.get("content-length"), chunks=request.stream(),
    )
