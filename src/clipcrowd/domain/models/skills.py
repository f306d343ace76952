"""Skills: named numbers a requester keeps per worker."""

from __future__ import annotations

from .base import PUBLIC, Id, Incoming, NonBlank, Time


class SkillCreate(Incoming):
    name: NonBlank
    private_comment: str | None = None
    hidden: bool | None = None


class SkillUpdate(SkillCreate):
    """`PUT` replaces the whole skill."""


class SkillPublic(SkillCreate):
    model_config = PUBLIC
    id: Id
    created: Time | None = None
