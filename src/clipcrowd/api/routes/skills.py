"""Skills."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from clipcrowd.api.deps import DbDep, JsonBody, Requester, SettingsDep, object_id
from clipcrowd.services import listing, skills

router = APIRouter(prefix="/skills", tags=["skills"])


@router.post("", status_code=201)
def create_skill(db: DbDep, _: Requester, body: JsonBody) -> dict[str, Any]:
    return skills.create(db, body)


@router.get("")
def find_skills(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.skills_page(db, settings, request.query_params)


@router.get("/{skill_id}")
def get_skill(db: DbDep, _: Requester, skill_id: str) -> dict[str, Any]:
    return skills.get(db, object_id(skill_id, "skill"))


@router.put("/{skill_id}")
def update_skill(db: DbDep, _: Requester, skill_id: str, body: JsonBody) -> dict[str, Any]:
    return skills.replace(db, object_id(skill_id, "skill"), body)
