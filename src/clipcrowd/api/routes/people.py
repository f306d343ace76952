"""Workers (accounts made by the requester), their restrictions and their skills."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.models.base import Page
from clipcrowd.domain.models.people import (
    RestrictionCreate,
    RestrictionPublic,
    UserSkillPublic,
    UserSkillSet,
    WorkerCreate,
    WorkerPublic,
)
from clipcrowd.services import listing, restrictions, user_skills, workers

router = Router(tags=["workers"])


@router.post("/workers", status_code=201, response_model=WorkerPublic)
def create_worker(db: DbDep, _: Requester, body: WorkerCreate) -> dict[str, Any]:
    return workers.create(db, body.body())


@router.get("/workers", response_model=Page[WorkerPublic])
def find_workers(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.workers_page(db, settings, request.query_params)


@router.get("/workers/{worker_id}", response_model=WorkerPublic)
def get_worker(db: DbDep, _: Requester, worker_id: str) -> dict[str, Any]:
    return workers.get(db, object_id(worker_id, "user"))


@router.put("/user-restrictions", status_code=201, response_model=RestrictionPublic)
@router.post("/user-restrictions", status_code=201, response_model=RestrictionPublic)
def create_restriction(db: DbDep, _: Requester, body: RestrictionCreate) -> dict[str, Any]:
    return restrictions.create(db, body.body())


@router.get("/user-restrictions", response_model=Page[RestrictionPublic])
def find_restrictions(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.restrictions_page(db, settings, request.query_params)


@router.get("/user-restrictions/{restriction_id}", response_model=RestrictionPublic)
def get_restriction(db: DbDep, _: Requester, restriction_id: str) -> dict[str, Any]:
    return restrictions.get(db, object_id(restriction_id, "user restriction"))


@router.delete("/user-restrictions/{restriction_id}", status_code=204)
def delete_restriction(db: DbDep, _: Requester, restriction_id: str) -> Response:
    restrictions.remove(db, object_id(restriction_id, "user restriction"))
    return Response(status_code=204)


@router.put("/user-skills", status_code=201, response_model=UserSkillPublic)
@router.post("/user-skills", status_code=201, response_model=UserSkillPublic)
def set_user_skill(db: DbDep, _: Requester, body: UserSkillSet) -> dict[str, Any]:
    return user_skills.set_value(db, body.body())


@router.get("/user-skills", response_model=Page[UserSkillPublic])
def find_user_skills(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.user_skills_page(db, settings, request.query_params)


@router.get("/user-skills/{user_skill_id}", response_model=UserSkillPublic)
def get_user_skill(db: DbDep, _: Requester, user_skill_id: str) -> dict[str, Any]:
    return user_skills.get(db, object_id(user_skill_id, "user skill"))


@router.delete("/user-skills/{user_skill_id}", status_code=204)
def delete_user_skill(db: DbDep, _: Requester, user_skill_id: str) -> Response:
    user_skills.remove(db, object_id(user_skill_id, "user skill"))
    return Response(status_code=204)
