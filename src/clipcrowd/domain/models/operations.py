"""Operations (long calls the client polls), analytics requests, and aggregation."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .base import Id, Incoming, Public, Time


class OperationPublic(Public):
    id: str
    type: str
    status: str = Field(description="PENDING, RUNNING, SUCCESS or FAIL")
    submitted: Time | None = None
    started: Time | None = None
    finished: Time | None = None
    progress: int | None = None
    parameters: dict[str, Any] | None = None
    details: Any = None


class OperationLogEntry(Public):
    type: str | None = None
    success: bool | None = None
    input: dict[str, Any] | None = None
    output: dict[str, Any] | None = None


class AnalyticsRequest(Incoming):
    subject: str = Field(description="POOL")
    subject_id: Id | int
    name: str


class AggregateRequest(Incoming):
    """Either clipcrowd's own `{pool_id, method, field, include_submitted, params}` or the dialect's
    `{type: "DAWID_SKENE", pool_id, fields: [{name}]}`."""

    pool_id: Id | int
    method: str | None = Field(None, description="ds, mv, wawa, glad, mace, ... (ds by default)")
    field: str | None = None
    include_submitted: bool | None = None
    params: dict[str, Any] | None = None
    type: str | None = None
    fields: list[dict[str, Any]] | None = None


class AggregatedSolution(Public):
    pool_id: Id
    task_id: Id
    output_values: dict[str, Any]
    confidence: float | None = None


class WorkerQuality(Public):
    id: Id
    pool_id: Id
    user_id: Id
    field: str
    method: str
    quality: float | None = None
    answers: int | None = None
    operation_id: str | None = None
