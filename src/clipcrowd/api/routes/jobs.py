"""Jobs: long media work run by worker processes (read-only; they are created by imports)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.models.assets import JobPublic
from clipcrowd.domain.models.base import Page
from clipcrowd.services import job_executor

router = Router(prefix="/jobs", tags=["jobs"])


@router.get("", response_model=Page[JobPublic])
def find_jobs(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return job_executor.find(db, settings, request.query_params)


@router.get("/{job_id}", response_model=JobPublic)
def get_job(db: DbDep, _: Requester, job_id: str) -> dict[str, Any]:
    return job_executor.get(db, object_id(job_id, "job"))
