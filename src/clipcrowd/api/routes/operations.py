"""Operations and their logs, and pool analytics (which answer with an operation)."""

from __future__ import annotations

from typing import Any

from clipcrowd.api.deps import DbDep, Requester
from clipcrowd.api.routing import Router
from clipcrowd.domain.models.operations import AnalyticsRequest, OperationLogEntry, OperationPublic
from clipcrowd.services import analytics, operations

router = Router(tags=["operations"])
analytics_router = Router(tags=["analytics"])


@router.get("/operations/{operation_id}", response_model=OperationPublic)
def get_operation(db: DbDep, _: Requester, operation_id: str) -> dict[str, Any]:
    return operations.get(db, operation_id)


@router.get("/operations/{operation_id}/log", response_model=list[OperationLogEntry])
def get_operation_log(db: DbDep, _: Requester, operation_id: str) -> list[dict[str, Any]]:
    return operations.get_log(db, operation_id)


@analytics_router.post("/analytics-2", status_code=202, response_model=OperationPublic)
def get_analytics(db: DbDep, _: Requester, body: list[AnalyticsRequest]) -> dict[str, Any]:
    return analytics.run(db, [item.body() for item in body])
