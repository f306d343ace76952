"""Pool results as files: `/api/v1/pools/{id}/results.{csv,json,jsonl,parquet}`, and the requester
dialect's assignments TSV (`/api/new/requester/pools/{id}/assignments.tsv`) for toloka-kit."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import StreamingResponse

from clipcrowd.api.deps import DbDep, Requester, object_id
from clipcrowd.export import downloads
from clipcrowd.export.downloads import MEDIA_TYPES
from clipcrowd.http.streaming import streamed

router = APIRouter(prefix="/pools", tags=["exports"])
dialect_router = APIRouter(prefix="/new/requester/pools", tags=["exports"])
_FILE = {"type": "string", "format": "binary"}
#: What each download answers, for the served OpenAPI spec (the body is streamed, never a JSON model).
RESULTS = {200: {"description": "the pool's answers as a file, streamed",
                 "content": {media: {"schema": _FILE} for media in sorted(set(MEDIA_TYPES.values()))}}}
TSV = {200: {"description": "assignments as toloka-kit's TSV, streamed",
             "content": {"text/tab-separated-values": {"schema": _FILE}}}}


@router.get("/{pool_id}/results.{fmt}", response_class=StreamingResponse, responses=RESULTS)
def pool_results(db: DbDep, _: Requester, pool_id: str, fmt: str) -> StreamingResponse:
    return streamed(downloads.pool_results(db, object_id(pool_id, "pool"), fmt))


@dialect_router.get("/{pool_id}/assignments.tsv", response_class=StreamingResponse, responses=TSV)
def assignments_tsv(db: DbDep, _: Requester, pool_id: str, request: Request) -> StreamingResponse:
    return streamed(downloads.assignments_tsv(db, object_id(pool_id, "pool"), request.query_params,
                                              str(request.base_url)))
