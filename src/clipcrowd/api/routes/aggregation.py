"""Aggregation: aggregate a pool as an operation, read its labels, read stored worker quality."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from clipcrowd.api.deps import DbDep, Requester, SettingsDep
from clipcrowd.api.routing import Router
from clipcrowd.domain.models.base import Page
from clipcrowd.domain.models.operations import AggregatedSolution, AggregateRequest, OperationPublic, WorkerQuality
from clipcrowd.http.jobs import wake
from clipcrowd.services import aggregation, operations

router = Router(tags=["aggregation"])


@router.post("/aggregated-solutions/aggregate-by-pool", status_code=202, response_model=OperationPublic)
def aggregate_by_pool(
    db: DbDep, _: Requester, body: AggregateRequest, request: Request,
) -> dict[str, Any]:
    """Checked now (4xx, nothing stored); run as operation SOLUTION.AGGREGATE backed by a job."""
    checked = aggregation.prepare(db, body.body())
    op_id = operations.new_id(request.query_params.get("operation_id"))
    started = aggregation.start(db, checked, op_id)
    wake(request)
    return started


@router.get("/aggregated-solutions/{operation_id}", response_model=Page[AggregatedSolution])
def aggregated_solutions(db: DbDep, settings: SettingsDep, _: Requester, operation_id: str,
                         request: Request) -> dict[str, Any]:
    return aggregation.labels_page(db, settings, operation_id, request.query_params)


@router.get("/worker-quality", response_model=Page[WorkerQuality])
def find_worker_quality(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return aggregation.worker_quality_page(db, settings, request.query_params)
