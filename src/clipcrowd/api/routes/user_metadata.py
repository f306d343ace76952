"""User metadata (what clipcrowd knows of a worker) and aggregation of a single task."""

from __future__ import annotations

from typing import Any

from clipcrowd.api.deps import DbDep, Requester, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.models.pool_changes import TaskAggregationRequest
from clipcrowd.services import task_aggregation, user_metadata

router = Router(tags=["people"])


@router.get("/user-metadata/{user_id}", response_model=dict[str, Any])
def get_user_metadata(db: DbDep, _: Requester, user_id: str) -> dict[str, Any]:
    return user_metadata.get(db, object_id(user_id, "user"))


@router.post("/aggregated-solutions/aggregate-by-task", response_model=dict[str, Any], tags=["aggregation"])
def aggregate_by_task(db: DbDep, _: Requester, body: TaskAggregationRequest) -> dict[str, Any]:
    return task_aggregation.aggregate(db, body.body())
