"""Task suites the requester makes herself: tasks handed out together, with one overlap."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag, WithJsonSchema

from clipcrowd.domain import bounds

from .base import PUBLIC, Id, Incoming, Public, Time
from .tasks import MANY, ONE, _shape

MAX_ISSUING_ORDER = 1_000_000


class TaskSuiteCreate(Incoming):
    pool_id: Id | int
    tasks: list[dict[str, Any]] = Field(min_length=1, max_length=bounds.MAX_TASKS_PER_SUITE,
                                        description="tasks without pool_id or overlap (the suite's apply)")
    overlap: int | None = Field(None, ge=1, le=bounds.MAX_OVERLAP,
                                description="the pool's default overlap when absent (allow_defaults)")
    infinite_overlap: bool = False
    issuing_order_override: int | None = Field(None, ge=-MAX_ISSUING_ORDER, le=MAX_ISSUING_ORDER,
                                               description="suites with a higher value are issued first")


class TaskSuitePatch(Incoming):
    """`PATCH`: overlap, infinite overlap and issuing order; fields left out keep their value."""

    overlap: int | None = Field(None, ge=1, le=bounds.MAX_OVERLAP)
    infinite_overlap: bool | None = None
    issuing_order_override: int | None = Field(None, ge=-MAX_ISSUING_ORDER, le=MAX_ISSUING_ORDER)


class TaskSuiteOverlapPatch(Incoming):
    """`PATCH …/set-overlap-or-min`: the overlap, raised to what is already handed out when lower
    (0 stops issuing the suite)."""

    overlap: int = Field(ge=0, le=bounds.MAX_OVERLAP)


class TaskSuitePublic(Public):
    model_config = PUBLIC
    id: Id
    pool_id: Id
    tasks: list[dict[str, Any]]
    overlap: int | None = None
    infinite_overlap: bool = False
    remaining_overlap: int | None = None
    issuing_order_override: int | None = None
    created: Time | None = None


#: An item of a list of suites, checked one by one by the service (so `skip_invalid_items` works).
TaskSuiteItem = Annotated[Any, WithJsonSchema({"$ref": "#/components/schemas/TaskSuiteCreate"})]
#: `POST /task-suites` takes one suite or a list of them.
TaskSuiteBatch = Annotated[Annotated[TaskSuiteCreate, Tag(ONE)] | Annotated[list[TaskSuiteItem], Tag(MANY)],
                           Discriminator(_shape)]
