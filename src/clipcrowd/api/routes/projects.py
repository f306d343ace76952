"""Projects, and the check of an update (under /api/staging, where the requester dialect has it)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.models.base import Page
from clipcrowd.domain.models.operations import OperationPublic
from clipcrowd.domain.models.projects import ProjectCheck, ProjectCreate, ProjectPublic, ProjectUpdate
from clipcrowd.services import listing, operations, projects

router = Router(prefix="/projects", tags=["projects"])
staging_router = Router(prefix="/projects", tags=["projects"])


@router.post("", status_code=201, response_model=ProjectPublic)
def create_project(db: DbDep, _: Requester, body: ProjectCreate) -> dict[str, Any]:
    return projects.create(db, body.body())


@router.get("", response_model=Page[ProjectPublic])
def find_projects(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.projects_page(db, settings, request.query_params)


@router.get("/{project_id}", response_model=ProjectPublic)
def get_project(db: DbDep, _: Requester, project_id: str) -> dict[str, Any]:
    return projects.get(db, object_id(project_id, "project"))


@router.put("/{project_id}", response_model=ProjectPublic)
def update_project(db: DbDep, _: Requester, project_id: str, body: ProjectUpdate) -> dict[str, Any]:
    return projects.replace(db, object_id(project_id, "project"), body.body())


@router.post("/{project_id}/archive", status_code=202, response_model=OperationPublic)
def archive_project(db: DbDep, _: Requester, project_id: str) -> dict[str, Any]:
    project = projects.archive(db, object_id(project_id, "project"))
    return operations.instant(db, "PROJECT.ARCHIVE", {"project_id": project["id"]})


@staging_router.post("/{project_id}/check", response_model=ProjectCheck)
def check_project_update(db: DbDep, _: Requester, project_id: str, body: ProjectUpdate) -> dict[str, Any]:
    return {"differenceLevel": projects.difference_level(db, object_id(project_id, "project"), body.body())}
