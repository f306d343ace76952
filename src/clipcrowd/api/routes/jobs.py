"""Jobs: long work on the job runner, as seed 003's job object; pages of jobs and of a job's items."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, object_id
from clipcrowd.services import job_executor

router = APIRouter(prefix="/jobs", tags=["jobs"])


def wake(request: Request) -> None:
    """A route submitted a job: let this server's executor see it now (others poll)."""
    executor = getattr(request.app.state, "job_executor", None)
    if executor is not None:
        executor.wake()


@router.get("")
def find_jobs(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return job_executor.find(db, settings, request.query_params)


@router.get("/{job_id}")
def get_job(db: DbDep, _: Requester, job_id: str) -> dict[str, Any]:
    return job_executor.get(db, object_id(job_id, "job"))


@router.get("/{job_id}/items")
def job_items(db: DbDep, settings: SettingsDep, _: Requester, job_id: str, request: Request) -> dict[str, Any]:
    return job_executor.items(db, settings, object_id(job_id, "job"), request.query_params)
