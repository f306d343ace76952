"""Small requests on one pool or task: a priority patch, and aggregating one task's answers."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from .base import Id, Incoming, NonBlank


class PoolPatch(Incoming):
    """Only the priority of a pool changes in place; everything else goes through `PUT`."""

    model_config = ConfigDict(extra="forbid", strict=True)
    priority: int = Field(ge=-100, le=100)


class AggregatedField(Incoming):
    name: NonBlank


class TaskAggregationRequest(Incoming):
    type: Literal["WEIGHTED_DYNAMIC_OVERLAP"]
    task_id: Id
    pool_id: Id
    answer_weight_skill_id: Id
    fields: list[AggregatedField] = Field(min_length=1, max_length=50)
