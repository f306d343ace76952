"""Tasks: input values, optional known solutions (golden tasks), overlap."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag, WithJsonSchema

from clipcrowd.domain import bounds

from .base import PUBLIC, Id, Incoming, Public, Time

#: Union tags of a body that is one object or a list of them; error paths leave them out.
ONE, MANY = "one", "many"


class KnownSolution(Incoming):
    """A golden task's correct answer (answers are compared field by field)."""

    output_values: dict[str, Any]
    correctness_weight: float = Field(1, ge=0, le=1)


class TaskCreate(Incoming):
    pool_id: Id | int
    input_values: dict[str, Any]
    known_solutions: list[KnownSolution] | None = None
    message_on_unknown_solution: str | None = None
    overlap: int | None = Field(None, ge=1, description="the pool's default overlap when absent (allow_defaults)")
    infinite_overlap: bool = False


class BaselineSolution(Incoming):
    """A preliminary answer with the confidence it is given (dynamic overlap, weighted aggregation)."""

    output_values: dict[str, Any]
    confidence_weight: float = Field(1, ge=0, le=1)


class TaskUpdate(Incoming):
    """`set-overlap-or-min`: a new overlap, or an infinite one."""

    overlap: int | None = Field(None, ge=1, le=bounds.MAX_OVERLAP)
    infinite_overlap: bool = False


class TaskPatch(TaskUpdate):
    """`PATCH`: the fields sent change, the rest are kept (the overlap too, when neither overlap
    field is sent); known solutions make the task a control task, none make it a real one."""

    baseline_solutions: list[BaselineSolution] | None = None
    known_solutions: list[KnownSolution] | None = None
    message_on_unknown_solution: str | None = None


def _shape(value: Any) -> str:
    return MANY if isinstance(value, list) else ONE


#: An item of a list of tasks, documented as a TaskCreate but checked one by one by the service, so
#: that `skip_invalid_items` skips a faulty item instead of refusing the list.
TaskItem = Annotated[Any, WithJsonSchema({"$ref": "#/components/schemas/TaskCreate"})]
#: `POST /tasks` takes one task or a list of tasks.
TaskBatch = Annotated[Annotated[TaskCreate, Tag(ONE)] | Annotated[list[TaskItem], Tag(MANY)],
                      Discriminator(_shape)]

#: A task row's ``data`` JSON is the body as created, with its pool id and overlap settled.
TaskData = TaskCreate


class TaskPublic(TaskCreate, Public):
    model_config = PUBLIC
    id: Id
    pool_id: Id
    created: Time | None = None
    remaining_overlap: int | None = Field(None, description="copies still to hand out (none with infinite overlap)")


class TaskForWorker(Public):
    """What a worker's page gets of a task: never known solutions or the golden flag."""

    id: Id
    input_values: dict[str, Any] = Field(default_factory=dict)


class TaskBatchResult(Public):
    """The answer to a list of tasks: created tasks and refused items, by their index in the list."""

    items: dict[str, TaskPublic]
    validation_errors: dict[str, Any] | None = None
