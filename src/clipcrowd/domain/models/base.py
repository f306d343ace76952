"""Base classes of the API models and the page envelope."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Generic, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from clipcrowd.domain.errors import ValidationFailed

Item = TypeVar("Item")
Model = TypeVar("Model", bound=BaseModel)


#: the validation context of a read from the database, as opposed to a client's body
STORED = {"stored": True}


class Incoming(BaseModel):
    """A body a client sends: strict types, unknown fields kept as given."""

    model_config = ConfigDict(extra="allow", strict=True)

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Self:
        """The stored ``data`` JSON read back through the model (it was checked when written; a field
        that was stored unchecked by an earlier release may read it leniently: ``STORED`` context)."""
        return cls.model_validate(data, strict=False, context=STORED)

    def body(self) -> dict[str, Any]:
        """The fields the client actually sent (unknown ones included), as plain JSON values."""
        return self.model_dump(exclude_unset=True)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


#: A name: a string with something besides whitespace in it.
NonBlank = Annotated[str, AfterValidator(_not_blank)]


def field_path(loc: Sequence[Any]) -> str:
    """A pydantic error location in the services' notation: `("items", 1, "text")` -> `items[1].text`."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def checked(model: type[Model], body: Any, where: str = "body") -> Model:
    """``body`` as ``model``, or VALIDATION_ERROR naming every faulty field (for callers other than a route,
    whose bodies FastAPI checks against the same model)."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise ValidationFailed.fields({field_path(e["loc"]) or where: e["msg"] for e in exc.errors()}) from None


class Public(BaseModel):
    """A body the server answers with; fields passed through from the client stay (``extra="allow"``)."""

    model_config = ConfigDict(extra="allow", strict=False)


#: Public models that extend an incoming one restate this (a config is merged over the bases).
PUBLIC = ConfigDict(extra="allow", strict=False)


class Page(Public, Generic[Item]):
    """One page of a search: ``has_more`` says whether a next page exists (ask with ``id_gt``)."""

    items: list[Item]
    has_more: bool


Id = str  # a 12-digit, zero-padded id
Time = str  # naive UTC ISO 8601, as the requester dialect writes it
ID_FIELD = Field(description="12-digit id", examples=["000000000001"])


#: The response of a route that answers with a file (HTTP ranges answered with 206).
FILE: dict[int | str, dict[str, Any]] = {200: {"description": "the file", "content": {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}

#: The request body of an upload: the file itself (`name` in the query, type from Content-Type).
RAW_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}
