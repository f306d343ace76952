"""Aggregation: aggregate a pool as an operation, read its labels, read stored worker quality."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from clipcrowd.api.deps import DbDep, JsonBody, Requester, SettingsDep
from clipcrowd.api.routes.jobs import wake
from clipcrowd.services import aggregation, operations

router = APIRouter(tags=["aggregation"])


@router.post("/aggregated-solutions/aggregate-by-pool", response_model=None)
def aggregate_by_pool(
    db: DbDep, _: Requester, body: JsonBody, request: Request,
) -> JSONResponse:
    """Checked now (4xx, nothing stored); run as operation SOLUTION.AGGREGATE backed by a job."""
    checked = aggregation.prepare(db, body)
    op_id = operations.new_id(request.query_params.get("operation_id"))
    started = aggregation.start(db, checked, op_id)
    wake(request)
    return JSONResponse(started, status_code=202)


@router.get("/aggregated-solutions/{operation_id}")
def aggregated_solutions(db: DbDep, settings: SettingsDep, _: Requester, operation_id: str,
                         request: Request) -> dict[str, Any]:
    return aggregation.labels_page(db, settings, operation_id, request.query_params)


@router.get("/worker-quality")
def find_worker_quality(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return aggregation.worker_quality_page(db, settings, request.query_params)
