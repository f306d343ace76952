"""Tasks: batch creation (synchronous, or as an operation the client polls), reading, overlap."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.domain.models.base import Page
from clipcrowd.domain.models.operations import OperationPublic
from clipcrowd.domain.models.tasks import TaskBatch, TaskBatchResult, TaskCreate, TaskPublic, TaskUpdate
from clipcrowd.http.deps import query_flag
from clipcrowd.http.jobs import wake
from clipcrowd.services import listing, operations, tasks

router = Router(prefix="/tasks", tags=["tasks"])
CREATED: dict[int | str, dict[str, Any]] = {
    201: {"model": TaskPublic | TaskBatchResult,
          "description": "one task for one task sent; for a list, the created tasks and refused items by index"},
    202: {"model": OperationPublic, "description": "with async_mode=true: the operation that writes the tasks"}}


@router.post("", status_code=201, response_model=None, responses=CREATED)
def create_tasks(
    db: DbDep, settings: SettingsDep, _: Requester, body: TaskBatch, request: Request,
) -> JSONResponse:
    single = not isinstance(body, list)
    items = [body.body()] if isinstance(body, TaskCreate) else list(body)
    if not items:
        raise ValidationFailed.field("body", "must be a task object or a non-empty list of tasks")
    if len(items) > settings.max_batch_items:
        raise ValidationFailed.field("body", f"at most {settings.max_batch_items} tasks in one call")
    open_after = query_flag(request, "open_pool")
    skip_invalid = query_flag(request, "skip_invalid_items")
    allow_defaults = query_flag(request, "allow_defaults") or single
    batch = tasks.prepare(db, items, allow_defaults=allow_defaults, skip_invalid=skip_invalid and not single)
    if query_flag(request, "async_mode"):  # one task too: toloka-kit then reads the task back from the log
        op_id = operations.new_id(request.query_params.get("operation_id"))
        started = tasks.start_batch(db, batch, items, op_id, allow_defaults=allow_defaults,
                                    skip_invalid=skip_invalid, open_pool=open_after)
        wake(request)
        return JSONResponse(started, status_code=202)
    result = tasks.create_sync(db, batch, open_pool=open_after)
    if single:
        return JSONResponse(next(iter(result["items"].values())), status_code=201)
    return JSONResponse(result, status_code=201)


@router.get("", response_model=Page[TaskPublic])
def find_tasks(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.tasks_page(db, settings, request.query_params)


@router.get("/{task_id}", response_model=TaskPublic)
def get_task(db: DbDep, _: Requester, task_id: str) -> dict[str, Any]:
    return tasks.get(db, object_id(task_id, "task"))


@router.patch("/{task_id}", response_model=TaskPublic)
def patch_task(db: DbDep, _: Requester, task_id: str, body: TaskUpdate) -> dict[str, Any]:
    return tasks.set_overlap(db, object_id(task_id, "task"), body.body())


@router.patch("/{task_id}/set-overlap-or-min", response_model=TaskPublic)
def set_overlap_or_min(db: DbDep, _: Requester, task_id: str, body: TaskUpdate) -> dict[str, Any]:
    return tasks.set_overlap(db, object_id(task_id, "task"), body.body())
