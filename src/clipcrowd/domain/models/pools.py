"""Pools: who may work (filter), how work is mixed and paid, quality control, lifecycle."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from clipcrowd.domain import bounds

from .base import PUBLIC, Id, Incoming, NonBlank, Public, Time


class MixerConfig(Incoming):
    real_tasks_count: int = Field(1, ge=0, le=bounds.MAX_TASKS_PER_SUITE)
    golden_tasks_count: int = Field(0, ge=0, le=bounds.MAX_TASKS_PER_SUITE)
    training_tasks_count: int = Field(0, ge=0, le=bounds.MAX_TASKS_PER_SUITE)
    min_real_tasks_count: int | None = Field(
        None, ge=0, le=bounds.MAX_TASKS_PER_SUITE,
        description="with force_last_assignment false: fewer real tasks left for her than this, no suite")
    min_golden_tasks_count: int | None = Field(
        None, ge=0, le=bounds.MAX_TASKS_PER_SUITE, description="fewer golden tasks left for her than this, no suite")
    min_training_tasks_count: int | None = Field(None, ge=0, le=bounds.MAX_TASKS_PER_SUITE)
    force_last_assignment: bool | None = Field(
        None, description="false: a suite short of min_real_tasks_count is not handed out (more may be added)")
    force_last_assignment_delay_seconds: int | None = Field(None, ge=0, le=86_400, description="0 only")
    mix_tasks_in_creation_order: bool | None = Field(
        None, description="false: real tasks are picked at random; true or left out: oldest first")
    shuffle_tasks_in_task_suite: bool | None = Field(
        None, description="false: a suite's tasks keep their creation order; true or left out: shuffled")


class PoolDefaults(Incoming):
    default_overlap_for_new_task_suites: int | None = Field(None, ge=1, le=bounds.MAX_OVERLAP)
    default_overlap_for_new_tasks: int | None = Field(None, ge=1, le=bounds.MAX_OVERLAP)


class AssignmentsIssuingConfig(Incoming):
    issue_task_suites_in_creation_order: bool | None = Field(
        None, description="false: the pool's suites go out in random order; true or left out: by "
                          "issuing_order_override, then oldest first")


class PoolCreate(Incoming):
    project_id: Id | int
    private_name: NonBlank
    public_description: str | None = Field(None, description="shown to workers instead of the project's")
    public_instructions: str | None = Field(None, description="shown to workers instead of the project's")
    private_comment: str | None = None
    reward_per_assignment: float = Field(ge=0, le=bounds.MAX_REWARD, allow_inf_nan=False)
    assignment_max_duration_seconds: int = Field(ge=1, le=bounds.MAX_ASSIGNMENT_SECONDS)
    will_expire: str = Field(description="ISO 8601 date and time")
    auto_accept_solutions: bool | None = None
    auto_accept_period_day: int | None = Field(None, ge=0, le=bounds.MAX_AUTO_ACCEPT_DAYS)
    auto_close_after_complete_delay_seconds: int | None = Field(
        None, ge=0, le=bounds.MAX_AUTO_CLOSE_DELAY_SECONDS,
        description="a complete pool stays open this long after its last submission (for more tasks)")
    may_contain_adult_content: bool | None = None
    defaults: PoolDefaults | None = None
    mixer_config: MixerConfig | None = None
    assignments_issuing_config: AssignmentsIssuingConfig | None = None
    priority: int | None = Field(None, ge=-100, le=100, description="a worker's list of pools puts the highest first")
    filter: dict[str, Any] | None = Field(None, description="a tree of and/or over {category, key, operator, value}")
    quality_control: dict[str, Any] | None = Field(None, description="{configs: [{collector_config, rules}]}")


class PoolUpdate(PoolCreate):
    """`PUT` replaces the whole pool (read-only fields are ignored)."""


class PoolPublic(PoolCreate, Public):
    model_config = PUBLIC
    id: Id
    project_id: Id
    status: str = Field(description="OPEN, CLOSED or ARCHIVED")
    type: str = "REGULAR"
    created: Time | None = None
    last_started: Time | None = None
    last_stopped: Time | None = None
    last_close_reason: str | None = None


class WorkerPool(Public):
    """An open pool as a worker sees it in her list."""

    id: Id
    project_id: Id
    title: str | None = None
    description: str | None = None
    reward_per_assignment: float | None = None
    assignment_max_duration_seconds: int | None = None


#: A pool row's ``data`` JSON is the body as created (read-only fields dropped): read it with
#: ``PoolData.of(row.data)``.
PoolData = PoolCreate
