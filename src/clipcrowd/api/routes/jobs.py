"""Jobs: long work on the job runner, as seed 003's job object; pages of jobs and of a job's items."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.models.assets import JobItemPublic, JobPublic
from clipcrowd.domain.models.base import Page
from clipcrowd.services import job_executor

router = Router(prefix="/jobs", tags=["jobs"])


@router.get("", response_model=Page[JobPublic])
def find_jobs(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return job_executor.find(db, settings, request.query_params)


@router.get("/{job_id}", response_model=JobPublic)
def get_job(db: DbDep, _: Requester, job_id: str) -> dict[str, Any]:
    return job_executor.get(db, object_id(job_id, "job"))


@router.get("/{job_id}/items", response_model=Page[JobItemPublic])
def job_items(db: DbDep, settings: SettingsDep, _: Requester, job_id: str, request: Request) -> dict[str, Any]:
    return job_executor.items(db, settings, object_id(job_id, "job"), request.query_params)


@router.post("/{job_id}/cancel", response_model=JobPublic)
def cancel_job(db: DbDep, _: Requester, job_id: str) -> dict[str, Any]:
    """Stop a job that has not ended; cancelling a cancelled job again changes nothing (409 once it ended otherwise)."""
    return job_executor.cancel(db, object_id(job_id, "job"))
