"""Projects."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from clipcrowd.api.deps import DbDep, JsonBody, Requester, SettingsDep, object_id
from clipcrowd.services import listing, operations, projects

router = APIRouter(prefix="/projects", tags=["projects"])


@router.post("", status_code=201)
def create_project(db: DbDep, _: Requester, body: JsonBody) -> dict[str, Any]:
    return projects.create(db, body)


@router.get("")
def find_projects(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.projects_page(db, settings, request.query_params)


@router.get("/{project_id}")
def get_project(db: DbDep, _: Requester, project_id: str) -> dict[str, Any]:
    return projects.get(db, object_id(project_id, "project"))


@router.put("/{project_id}")
def update_project(db: DbDep, _: Requester, project_id: str, body: JsonBody) -> dict[str, Any]:
    return projects.replace(db, object_id(project_id, "project"), body)


@router.post("/{project_id}/archive", status_code=202)
def archive_project(db: DbDep, _: Requester, project_id: str) -> dict[str, Any]:
    project = projects.archive(db, object_id(project_id, "project"))
    return operations.instant(db, "PROJECT.ARCHIVE", {"project_id": project["id"]})
