"""Base classes of the API models and the page envelope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Item = TypeVar("Item")


class Incoming(BaseModel):
    """A body a client sends: strict types, unknown fields kept as given."""

    model_config = ConfigDict(extra="allow", strict=True)

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Self:
        """The stored ``data`` JSON read back through the model (it was checked when written)."""
        return cls.model_validate(data, strict=False)

    def body(self) -> dict[str, Any]:
        """The fields the client actually sent (unknown ones included), as plain JSON values."""
        return self.model_dump(exclude_unset=True)


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
