"""Assignments (task suites): what a worker was given, what she answered, and its review."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .base import Id, Incoming, Public, Time
from .tasks import TaskForWorker, TaskPublic


class Solution(Public):
    output_values: dict[str, Any]


class AssignmentPublic(Public):
    id: Id
    task_suite_id: Id | None = None
    pool_id: Id
    user_id: Id | None = None
    status: str = Field(description="ACTIVE, SUBMITTED, ACCEPTED, REJECTED, SKIPPED or EXPIRED")
    reward: float | None = None
    tasks: list[TaskPublic] = Field(default_factory=list)
    solutions: list[Solution] | None = None
    created: Time | None = None
    submitted: Time | None = None
    accepted: Time | None = None
    rejected: Time | None = None
    skipped: Time | None = None
    expired: Time | None = None
    public_comment: str | None = None


class AssignmentReview(Incoming):
    """`PATCH /assignments/{id}`: accept or reject a submitted assignment."""

    status: Literal["ACCEPTED", "REJECTED"]
    public_comment: str | None = Field(None, description="required to reject: tell the worker why")


class WorkerAssignment(Public):
    """An assignment as its worker sees it: inputs only."""

    id: Id
    pool_id: Id
    status: str
    reward: float | None = None
    created: Time | None = None
    deadline: Time | None = None
    tasks: list[TaskForWorker]
    solutions: list[Solution] | None = None


class Submission(Incoming):
    """A worker's answers: one `{output_values}` per task of the suite, in order."""

    solutions: list[Any]
