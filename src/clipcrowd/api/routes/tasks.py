"""Tasks: batch creation (synchronous, or as an operation the client polls), reading, overlap."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from clipcrowd.api.deps import DbDep, JsonBody, Requester, SettingsDep, object_id
from clipcrowd.api.routes.jobs import wake
from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.services import listing, operations, tasks

router = APIRouter(prefix="/tasks", tags=["tasks"])


def _flag(request: Request, name: str, default: bool = False) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if raw.lower() not in ("true", "false"):
        raise ValidationFailed.field(name, "must be true or false")
    return raw.lower() == "true"


@router.post("", response_model=None)
def create_tasks(
    db: DbDep, settings: SettingsDep, _: Requester, body: JsonBody, request: Request,
) -> JSONResponse:
    single = isinstance(body, dict)
    items = [body] if single else body
    if not isinstance(items, list) or not items:
        raise ValidationFailed.field("body", "must be a task object or a non-empty list of tasks")
    if len(items) > settings.max_batch_items:
        raise ValidationFailed.field("body", f"at most {settings.max_batch_items} tasks in one call")
    open_after = _flag(request, "open_pool")
    skip_invalid = _flag(request, "skip_invalid_items")
    allow_defaults = _flag(request, "allow_defaults") or single
    batch = tasks.prepare(db, items, allow_defaults=allow_defaults, skip_invalid=skip_invalid and not single)
    if _flag(request, "async_mode") and not single:
        op_id = operations.new_id(request.query_params.get("operation_id"))
        started = tasks.start_batch(db, batch, items, op_id, allow_defaults=allow_defaults,
                                    skip_invalid=skip_invalid, open_pool=open_after)
        wake(request)
        return JSONResponse(started, status_code=202)
    result = tasks.create_sync(db, batch, open_pool=open_after)
    if single:
        return JSONResponse(next(iter(result["items"].values())), status_code=201)
    return JSONResponse(result, status_code=201)


@router.get("")
def find_tasks(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.tasks_page(db, settings, request.query_params)


@router.get("/{task_id}")
def get_task(db: DbDep, _: Requester, task_id: str) -> dict[str, Any]:
    return tasks.get(db, object_id(task_id, "task"))


@router.patch("/{task_id}")
def patch_task(db: DbDep, _: Requester, task_id: str, body: JsonBody) -> dict[str, Any]:
    return tasks.set_overlap(db, object_id(task_id, "task"), body)


@router.patch("/{task_id}/set-overlap-or-min")
def set_overlap_or_min(db: DbDep, _: Requester, task_id: str, body: JsonBody) -> dict[str, Any]:
    return tasks.set_overlap(db, object_id(task_id, "task"), body)
