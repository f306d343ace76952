"""Tasks: batch creation (synchronous, or as an operation the client polls), reading, overlap."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.models.base import Page
from clipcrowd.domain.models.operations import OperationPublic
from clipcrowd.domain.models.tasks import TaskBatch, TaskBatchResult, TaskCreate, TaskPatch, TaskPublic, TaskUpdate
from clipcrowd.http import batches
from clipcrowd.services import listing, tasks

router = Router(prefix="/tasks", tags=["tasks"])
CREATED: dict[int | str, dict[str, Any]] = {
    201: {"model": TaskPublic | TaskBatchResult,
          "description": "one task for one task sent; for a list, the created tasks and refused items by index"},
    202: {"model": OperationPublic, "description": "with async_mode=true: the operation that writes the tasks"}}


@router.post("", status_code=201, response_model=None, responses=CREATED)
def create_tasks(
    db: DbDep, settings: SettingsDep, _: Requester, body: TaskBatch, request: Request,
) -> JSONResponse:
    items = [body.body()] if isinstance(body, TaskCreate) else list(body)
    return batches.create(db, settings, request, tasks.KIND, items, single=isinstance(body, TaskCreate))


@router.get("", response_model=Page[TaskPublic])
def find_tasks(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.tasks_page(db, settings, request.query_params)


@router.get("/{task_id}", response_model=TaskPublic)
def get_task(db: DbDep, _: Requester, task_id: str) -> dict[str, Any]:
    return tasks.get(db, object_id(task_id, "task"))


@router.patch("/{task_id}", response_model=TaskPublic)
def patch_task(db: DbDep, _: Requester, task_id: str, body: TaskPatch) -> dict[str, Any]:
    return tasks.patch(db, object_id(task_id, "task"), body.body())


@router.patch("/{task_id}/set-overlap-or-min", response_model=TaskPublic)
def set_overlap_or_min(db: DbDep, _: Requester, task_id: str, body: TaskUpdate) -> dict[str, Any]:
    return tasks.set_overlap(db, object_id(task_id, "task"), body.body())
