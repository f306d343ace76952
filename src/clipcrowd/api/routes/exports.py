"""Pool results as files: `/api/v1/pools/{id}/results.{csv,json,jsonl,parquet}`, and the requester
dialect's assignments TSV (`/api/new/requester/pools/{id}/assignments.tsv`) for toloka-kit."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import StreamingResponse

from clipcrowd.api.deps import DbDep, Requester, object_id
from clipcrowd.export import downloads
from clipcrowd.http.streaming import streamed

router = APIRouter(prefix="/pools", tags=["exports"])
dialect_router = APIRouter(prefix="/new/requester/pools", tags=["exports"])


@router.get("/{pool_id}/results.{fmt}")
def pool_results(db: DbDep, _: Requester, pool_id: str, fmt: str) -> StreamingResponse:
    return streamed(downloads.pool_results(db, object_id(pool_id, "pool"), fmt))


@dialect_router.get("/{pool_id}/assignments.tsv")
def assignments_tsv(db: DbDep, _: Requester, pool_id: str, request: Request) -> StreamingResponse:
    return streamed(downloads.assignments_tsv(db, object_id(pool_id, "pool"), request.query_params,
                                              str(request.base_url)))
