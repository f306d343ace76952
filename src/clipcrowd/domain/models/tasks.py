"""Tasks: input values, optional known solutions (golden tasks), overlap."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag

from .base import PUBLIC, Id, Incoming, Public, Time

#: Union tags of a body that is one object or a list of them; error paths leave them out.
ONE, MANY = "one", "many"


class TaskCreate(Incoming):
    pool_id: Id | int
    input_values: dict[str, Any]
    known_solutions: list[dict[str, Any]] | None = None
    message_on_unknown_solution: str | None = None
    overlap: int | None = None
    infinite_overlap: bool | None = None


class TaskUpdate(Incoming):
    """`PATCH`: a new overlap, or an infinite one."""

    overlap: int | None = None
    infinite_overlap: bool | None = None


def _shape(value: Any) -> str:
    return MANY if isinstance(value, list) else ONE


#: `POST /tasks` takes one task or a list of tasks.
TaskBatch = Annotated[Annotated[TaskCreate, Tag(ONE)] | Annotated[list[TaskCreate], Tag(MANY)],
                      Discriminator(_shape)]


class TaskPublic(TaskCreate, Public):
    model_config = PUBLIC
    id: Id
    pool_id: Id
    created: Time | None = None


class TaskForWorker(Public):
    """What a worker's page gets of a task: never known solutions or the golden flag."""

    id: Id
    input_values: dict[str, Any] = Field(default_factory=dict)


class TaskBatchResult(Public):
    """The answer to a list of tasks: created tasks and refused items, by their index in the list."""

    items: dict[str, TaskPublic]
    validation_errors: dict[str, Any] | None = None
