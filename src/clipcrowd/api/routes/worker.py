"""The worker API: pools she may take, the next task suite, answers, uploads, skips."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from clipcrowd.api.deps import DbDep, JsonBody, SettingsDep, WorkerId, object_id
from clipcrowd.services import attachments, issuing, submissions, workers

router = APIRouter(prefix="/worker", tags=["worker"])


@router.get("/me")
def me(db: DbDep, worker_id: WorkerId) -> dict[str, Any]:
    return workers.get(db, worker_id)


@router.get("/pools")
def my_pools(db: DbDep, worker_id: WorkerId) -> dict[str, Any]:
    return {"items": issuing.available_pools(db, worker_id), "has_more": False}


@router.post("/pools/{pool_id}/next")
def next_suite(db: DbDep, worker_id: WorkerId, pool_id: str) -> dict[str, Any]:
    return issuing.next_suite(db, worker_id, object_id(pool_id, "pool"))


@router.get("/assignments/{assignment_id}")
def get_assignment(db: DbDep, worker_id: WorkerId, assignment_id: str) -> dict[str, Any]:
    return submissions.get_for_worker(db, worker_id, object_id(assignment_id, "assignment"))


@router.post("/assignments/{assignment_id}/submit")
def submit(db: DbDep, worker_id: WorkerId, assignment_id: str, body: JsonBody) -> dict[str, Any]:
    return submissions.submit(db, worker_id, object_id(assignment_id, "assignment"), body)


@router.post("/assignments/{assignment_id}/skip")
def skip(db: DbDep, worker_id: WorkerId, assignment_id: str) -> dict[str, Any]:
    return submissions.skip(db, worker_id, object_id(assignment_id, "assignment"))


@router.post("/assignments/{assignment_id}/attachments", status_code=201)
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
