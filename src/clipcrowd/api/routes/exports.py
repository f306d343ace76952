"""Pool results as files: `/api/v1/pools/{id}/results.{csv,json,jsonl,parquet}`, and the requester
dialect's assignments TSV (`/api/new/requester/pools/{id}/assignments.tsv`) for toloka-kit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import StreamingResponse

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, object_id
from clipcrowd.domain.models.assets import JobPublic
from clipcrowd.domain.models.exports import ExportCreate
from clipcrowd.export import downloads, export_jobs
from clipcrowd.export.downloads import MEDIA_TYPES
from clipcrowd.http.jobs import wake
from clipcrowd.http.streaming import streamed
from clipcrowd.services import job_executor

router = APIRouter(prefix="/pools", tags=["exports"])
dialect_router = APIRouter(prefix="/new/requester/pools", tags=["exports"])
_FILE = {"type": "string", "format": "binary"}
#: What each download answers, for the served OpenAPI spec (the body is streamed, never a JSON model).
RESULTS: dict[int | str, dict[str, Any]] = {200: {"description": "the pool's answers as a file, streamed",
                 "content": {media: {"schema": _FILE} for media in sorted(set(MEDIA_TYPES.values()))}}}
TSV: dict[int | str, dict[str, Any]] = {200: {"description": "assignments as toloka-kit's TSV, streamed",
             "content": {"text/tab-separated-values": {"schema": _FILE}}}}


@router.get("/{pool_id}/results.{fmt}", response_class=StreamingResponse, responses=RESULTS)
def pool_results(db: DbDep, _: Requester, pool_id: str, fmt: str) -> StreamingResponse:
    return streamed(downloads.pool_results(db, object_id(pool_id, "pool"), fmt))


@router.post("/{pool_id}/exports", status_code=202, response_model=JobPublic)
def start_export(db: DbDep, _: Requester, pool_id: str, body: ExportCreate, request: Request) -> dict[str, Any]:
    """A big export as a job (`export.export_jobs`); its file is at `…/exports/{job_id}/file` once complete."""
    job_id = export_jobs.start(db, object_id(pool_id, "pool"), body.body())
    wake(request)
    return job_executor.get(db, job_id)


@router.get("/{pool_id}/exports/{job_id}/file", response_class=StreamingResponse, responses=RESULTS)
def export_file(db: DbDep, settings: SettingsDep, _: Requester, pool_id: str, job_id: str) -> StreamingResponse:
    return streamed(export_jobs.finished_file(db, settings.resolved_storage_url, object_id(pool_id, "pool"),
                                              object_id(job_id, "export")))


@dialect_router.get("/{pool_id}/assignments.tsv", response_class=StreamingResponse, responses=TSV)
def assignments_tsv(db: DbDep, _: Requester, pool_id: str, request: Request) -> StreamingResponse:
    return streamed(downloads.assignments_tsv(db, object_id(pool_id, "pool"), request.query_params,
                                              str(request.base_url)))
