"""Operations and their logs, and pool analytics (which answer with an operation)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from clipcrowd.api.deps import DbDep, JsonBody, Requester
from clipcrowd.services import analytics, operations

router = APIRouter(tags=["operations"])
analytics_router = APIRouter(tags=["analytics"])


@router.get("/operations/{operation_id}")
def get_operation(db: DbDep, _: Requester, operation_id: str) -> dict[str, Any]:
    return operations.get(db, operation_id)


@router.get("/operations/{operation_id}/log")
def get_operation_log(db: DbDep, _: Requester, operation_id: str) -> list[dict[str, Any]]:
    return operations.get_log(db, operation_id)


@analytics_router.post("/analytics-2", response_model=None)
def get_analytics(db: DbDep, _: Requester, body: JsonBody) -> JSONResponse:
    return JSONResponse(analytics.run(db, body), status_code=202)
