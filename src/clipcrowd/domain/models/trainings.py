"""Training pools: tasks with known solutions and hints that teach, and the skill passing them grants."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from clipcrowd.domain import bounds

from .base import PUBLIC, Id, Incoming, NonBlank, Public, Time

MAX_RETRY_DAYS = 365


class TrainingCreate(Incoming):
    project_id: Id | int
    private_name: NonBlank
    may_contain_adult_content: bool | None = None
    assignment_max_duration_seconds: int = Field(ge=1, le=bounds.MAX_ASSIGNMENT_SECONDS)
    mix_tasks_in_creation_order: bool = False
    shuffle_tasks_in_task_suite: bool = True
    training_tasks_in_task_suite_count: int = Field(ge=1, le=bounds.MAX_TASKS_PER_SUITE)
    task_suites_required_to_pass: int = Field(ge=1, le=bounds.MAX_TASKS_PER_SUITE)
    retry_training_after_days: int | None = Field(None, ge=0, le=MAX_RETRY_DAYS)
    inherited_instructions: bool | None = None
    public_instructions: str | None = None
    private_comment: str | None = None
    metadata: dict[str, Any] | None = None


class TrainingPublic(TrainingCreate, Public):
    model_config = PUBLIC
    id: Id
    project_id: Id
    status: str = Field(description="OPEN, CLOSED or ARCHIVED")
    training_skill_id: Id | None = Field(None, description="the skill passing grants (the share of right answers)")
    created: Time | None = None
    last_started: Time | None = None
    last_stopped: Time | None = None
    last_close_reason: str | None = None


class TrainingRequirement(Incoming):
    """A pool's `quality_control.training_requirement`: who has not passed the training gets it first."""

    training_pool_id: Id | int
    training_passing_skill_value: int = Field(ge=0, le=100)
