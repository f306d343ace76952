"""Projects: the task spec (inputs, outputs, interface) and instructions their pools share."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .base import PUBLIC, Id, Incoming, NonBlank, Public, Time

FieldSpecs = dict[str, dict[str, Any]]


class TaskSpec(Incoming):
    """Inputs, outputs and the interface config (`view_spec`: `{type: "tb", config: "<JSON>"}`)."""

    input_spec: FieldSpecs = Field(default_factory=dict, description="input field name -> {type, required, ...}")
    output_spec: FieldSpecs = Field(description="output field name -> {type, required, allowed_values, ...}")
    view_spec: dict[str, Any] = Field(default_factory=dict)


class ProjectCreate(Incoming):
    public_name: NonBlank
    public_description: str | None = None
    public_instructions: str | None = None
    private_comment: str | None = None
    task_spec: TaskSpec
    input_type: str | None = Field(None, description="VIDEO, FRAME, IMAGE or AUDIO for projects of assets")
    max_active_assignments_count: int | None = Field(
        None, ge=1, le=10_000, description="how many suites of this project's pools a worker may hold at once")
    assignments_automerge_enabled: bool | None = Field(
        None, description="false only: answers are never carried over between identical tasks")


class ProjectUpdate(ProjectCreate):
    """`PUT` replaces the whole project (read-only fields are ignored)."""


class ProjectFromInterface(Incoming):
    """A project from a Kili-style JSON interface (`jsonInterface` is accepted for `json_interface`)."""

    title: str
    description: str | None = None
    input_type: str
    json_interface: dict[str, Any] | None = None


class ProjectCheck(Public):
    """What an update would change: EQUAL, NON_BREAKING_CHANGE or BREAKING_CHANGE (input or output fields)."""

    differenceLevel: str  # the requester dialect's name


class ProjectPublic(ProjectCreate, Public):
    model_config = PUBLIC
    id: Id
    status: str = Field(description="ACTIVE or ARCHIVED")
    created: Time | None = None


#: A project row's ``data`` JSON is the body as created (read-only fields dropped): read it with
#: ``ProjectData.of(row.data)``.
ProjectData = ProjectCreate
