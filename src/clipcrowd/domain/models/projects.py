"""Projects: the task spec (inputs, outputs, interface) and instructions their pools share."""

from __future__ import annotations

from typing import Annotated, Any, cast

from pydantic import (
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
)

from .base import PUBLIC, STORED, Id, Incoming, NonBlank, Public, Time

FieldSpecs = dict[str, dict[str, Any]]


class TaskSpec(Incoming):
    """Inputs, outputs and the interface config (`view_spec`: `{type: "tb", config: "<JSON>"}`)."""

    input_spec: FieldSpecs = Field(default_factory=dict, description="input field name -> {type, required, ...}")
    output_spec: FieldSpecs = Field(description="output field name -> {type, required, allowed_values, ...}")
    view_spec: dict[str, Any] = Field(default_factory=dict)


LanguageCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]


class FieldTranslation(Incoming):
    value: str = Field(max_length=100_000)
    source: str | None = Field(None, max_length=40, description="who translated it (REQUESTER, ...), kept as given")


class AdditionalLanguage(Incoming):
    """A project's texts in one more language, shown to workers who speak it (their first such language)."""

    language: LanguageCode
    public_name: FieldTranslation | None = None
    public_description: FieldTranslation | None = None
    public_instructions: FieldTranslation | None = None


class LocalizationConfig(Incoming):
    default_language: LanguageCode | None = Field(None, description="the language of the project's own texts")
    additional_languages: list[AdditionalLanguage] = Field(default_factory=list, max_length=100)


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
    localization_config: LocalizationConfig | None = Field(
        None, description="the texts in other languages: a worker reads them in the first of her languages "
                          "that has them, else the project's own")

    @field_validator("localization_config", mode="wrap")
    @classmethod
    def _unchecked_before(cls, value: Any, handler: ValidatorFunctionWrapHandler,
                          info: ValidationInfo) -> LocalizationConfig | None:
        """Read from the database, a value that does not validate is absent (`stored_localization`)."""
        return cast(LocalizationConfig | None,
                    handler(stored_localization(value) if info.context == STORED else value))


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


def stored_localization(value: Any) -> Any:
    """A stored `localization_config` as it was sent, or None where it does not validate: releases before
    30 November 2026 stored it unchecked. Such a value reads as absent (the project keeps it until it is
    written again, when it must be valid) instead of failing every read of the project."""
    try:
        LocalizationConfig.model_validate(value, strict=False)
    except ValidationError:
        return None
    return value


def localized(project: ProjectCreate, languages: list[str]) -> tuple[str, str | None, str | None]:
    """The public name, description and instructions in the first of `languages` the project has texts
    in: its own (in `default_language`) or an additional language's, a missing translation falling back
    to the project's own text; the project's own when none of her languages has any.

    >>> p = ProjectCreate.of({"public_name": "Cats", "task_spec": {"output_spec": {}}, "localization_config": {
    ...     "default_language": "EN", "additional_languages": [{"language": "FR", "public_name": {"value": "Chats"}}]}})
    >>> localized(p, ["FR", "EN"])[0], localized(p, ["EN", "FR"])[0], localized(p, ["DE"])[0]
    ('Chats', 'Cats', 'Cats')
    """
    own = (project.public_name, project.public_description, project.public_instructions)
    config = project.localization_config
    if config is None:
        return own
    default = (config.default_language or "").upper()
    others = {extra.language.upper(): extra for extra in config.additional_languages}
    for language in (str(x).upper() for x in languages):
        if language == default:
            return own
        extra = others.get(language)
        if extra is not None:
            texts = (extra.public_name, extra.public_description, extra.public_instructions)
            name, description, instructions = (t.value if t is not None else mine
                                               for t, mine in zip(texts, own, strict=True))
            return name or project.public_name, description, instructions
    return own
