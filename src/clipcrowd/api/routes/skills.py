"""Skills."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.models.base import Page
from clipcrowd.domain.models.skills import SkillCreate, SkillPublic, SkillUpdate
from clipcrowd.services import listing, skills

router = Router(prefix="/skills", tags=["skills"])


@router.post("", status_code=201, response_model=SkillPublic)
def create_skill(db: DbDep, _: Requester, body: SkillCreate) -> dict[str, Any]:
    return skills.create(db, body.body())


@router.get("", response_model=Page[SkillPublic])
def find_skills(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.skills_page(db, settings, request.query_params)


@router.get("/{skill_id}", response_model=SkillPublic)
def get_skill(db: DbDep, _: Requester, skill_id: str) -> dict[str, Any]:
    return skills.get(db, object_id(skill_id, "skill"))


@router.put("/{skill_id}", response_model=SkillPublic)
def update_skill(db: DbDep, _: Requester, skill_id: str, body: SkillUpdate) -> dict[str, Any]:
    return skills.replace(db, object_id(skill_id, "skill"), body.body())
