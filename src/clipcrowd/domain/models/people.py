"""Workers (accounts the requester makes), their restrictions and their skill values."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from .base import Id, Incoming, NonBlank, Public, Time


class WorkerCreate(Incoming):
    login: Annotated[NonBlank, Field(max_length=200)]
    password: str | None = Field(None, min_length=8, description="lets her sign in to the pages")
    languages: list[str] | None = Field(None, description="language codes, EN by default")
    client_type: str | None = Field(None, description="BROWSER by default")
    profile: dict[str, Any] | None = None


class WorkerPublic(Public):
    id: Id
    login: str | None = None
    languages: list[str] | None = None
    client_type: str | None = None
    profile: dict[str, Any] | None = None
    balance: float | None = None
    created: Time | None = None
    token: str | None = Field(None, description="the worker API token, shown once: in the answer to its creation")


class RestrictionCreate(Incoming):
    scope: str = Field(description="ALL_PROJECTS, PROJECT, POOL or SYSTEM (bars from every pool, as ALL_PROJECTS)")
    user_id: Id | int
    project_id: Id | int | None = None
    pool_id: Id | int | None = None
    private_comment: str | None = None
    will_expire: str | None = None


class RestrictionPublic(Public):
    id: Id
    user_id: Id
    scope: str
    project_id: Id | None = None
    pool_id: Id | None = None
    private_comment: str | None = None
    created: Time | None = None
    will_expire: Time | None = None


class UserSkillSet(Incoming):
    user_id: Id | int
    skill_id: Id | int
    value: float = Field(ge=0, le=100)


class UserSkillPublic(Public):
    id: Id
    user_id: Id
    skill_id: Id
    value: int | None = None
    exact_value: float | None = None
    created: Time | None = None
    modified: Time | None = None
