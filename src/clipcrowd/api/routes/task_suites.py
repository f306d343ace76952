"""Task suites the requester makes: created one by one or in lists (synchronously, or as an
operation the client polls), found, read, and changed (overlap, issuing order)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.models.base import Page
from clipcrowd.domain.models.operations import OperationPublic
from clipcrowd.domain.models.task_suites import (
    TaskSuiteBatch,
    TaskSuiteCreate,
    TaskSuiteOverlapPatch,
    TaskSuitePatch,
    TaskSuitePublic,
)
from clipcrowd.http import batches
from clipcrowd.http.deps import query_flag
from clipcrowd.services import listing, task_suites

router = Router(prefix="/task-suites", tags=["task suites"])
CREATED: dict[int | str, dict[str, Any]] = {
    201: {"model": TaskSuitePublic, "description": "one suite for one sent; for a list, {items, validation_errors}"},
    202: {"model": OperationPublic, "description": "with async_mode=true: the operation that writes the suites"}}


@router.post("", status_code=201, response_model=None, responses=CREATED)
def create_task_suites(
    db: DbDep, settings: SettingsDep, _: Requester, body: TaskSuiteBatch, request: Request,
) -> JSONResponse:
    items = [body.body()] if isinstance(body, TaskSuiteCreate) else list(body)
    return batches.create(db, settings, request, task_suites.KIND, items,
                          single=isinstance(body, TaskSuiteCreate))


@router.get("", response_model=Page[TaskSuitePublic])
def find_task_suites(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.task_suites_page(db, settings, request.query_params)


@router.get("/{task_suite_id}", response_model=TaskSuitePublic)
def get_task_suite(db: DbDep, _: Requester, task_suite_id: str) -> dict[str, Any]:
    return task_suites.get(db, object_id(task_suite_id, "task suite"))


@router.patch("/{task_suite_id}", response_model=TaskSuitePublic)
def patch_task_suite(db: DbDep, _: Requester, task_suite_id: str, body: TaskSuitePatch,
                     request: Request) -> dict[str, Any]:
    return task_suites.patch(db, object_id(task_suite_id, "task suite"), body.body(),
                             open_pool=query_flag(request, "open_pool"))


@router.patch("/{task_suite_id}/set-overlap-or-min", response_model=TaskSuitePublic)
def set_overlap_or_min(db: DbDep, _: Requester, task_suite_id: str, body: TaskSuiteOverlapPatch,
                       request: Request) -> dict[str, Any]:
    return task_suites.set_overlap_or_min(db, object_id(task_suite_id, "task suite"), body.body(),
                                          open_pool=query_flag(request, "open_pool"))
