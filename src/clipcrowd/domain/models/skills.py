"""Skills: named numbers a requester keeps per worker."""

from __future__ import annotations

from pydantic import Field

from .base import PUBLIC, Id, Incoming, NonBlank, Time

MAX_SKILL_TTL_HOURS = 24 * 365 * 10


class SkillCreate(Incoming):
    name: NonBlank
    private_comment: str | None = None
    hidden: bool | None = None
    skill_ttl_hours: int | None = Field(
        None, ge=1, le=MAX_SKILL_TTL_HOURS, description="a worker's value is removed this long after it last changed")


class SkillUpdate(SkillCreate):
    """`PUT` replaces the whole skill."""


class SkillPublic(SkillCreate):
    model_config = PUBLIC
    id: Id
    created: Time | None = None
