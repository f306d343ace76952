"""Training pools: create, find, read, replace, open/close/archive (an operation, or 204 when
nothing changed), clone (an operation naming the copy)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.models.base import Page
from clipcrowd.domain.models.operations import OperationPublic
from clipcrowd.domain.models.trainings import TrainingCreate, TrainingPublic
from clipcrowd.services import listing, trainings

router = Router(prefix="/trainings", tags=["trainings"])
CHANGED_OR_NOT: dict[int | str, dict[str, Any]] = {
    202: {"model": OperationPublic, "description": "the change, as a finished operation"},
    204: {"description": "the training already was in that state"}}


@router.post("", status_code=201, response_model=TrainingPublic)
def create_training(db: DbDep, _: Requester, body: TrainingCreate) -> dict[str, Any]:
    return trainings.create(db, body.body())


@router.get("", response_model=Page[TrainingPublic])
def find_trainings(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.trainings_page(db, settings, request.query_params)


@router.get("/{training_id}", response_model=TrainingPublic)
def get_training(db: DbDep, _: Requester, training_id: str) -> dict[str, Any]:
    return trainings.get(db, object_id(training_id, "training"))


@router.put("/{training_id}", response_model=TrainingPublic)
def update_training(db: DbDep, _: Requester, training_id: str, body: TrainingCreate) -> dict[str, Any]:
    return trainings.replace(db, object_id(training_id, "training"), body.body())


@router.post("/{training_id}/{action}", status_code=202, response_model=None, responses=CHANGED_OR_NOT)
def change_status(db: DbDep, _: Requester, training_id: str,
                  action: Literal["open", "close", "archive", "clone"]) -> Response:
    if action == "clone":
        return JSONResponse(trainings.clone(db, object_id(training_id, "training")), status_code=202)
    operation = trainings.change_status(db, object_id(training_id, "training"), action)
    return Response(status_code=204) if operation is None else JSONResponse(operation, status_code=202)
