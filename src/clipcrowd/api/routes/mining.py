"""Mining runs: start one over a project's videos, read its candidates, fetch its clips."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, StreamingResponse

from clipcrowd.api.deps import DbDep, JsonBody, Requester, SettingsDep, get_principal, object_id
from clipcrowd.api.routes.jobs import wake
from clipcrowd.services import mining
from clipcrowd.services.auth import Principal

router = APIRouter(prefix="/mining", tags=["mining"])
Viewer = Annotated[Principal, Depends(get_principal)]  # workers see the clips they validate


@router.post("/runs", status_code=201)
def start_run(db: DbDep, settings: SettingsDep, _: Requester, body: JsonBody, request: Request) -> dict[str, Any]:
    run = mining.start(db, settings, body)
    wake(request)
    return run


@router.get("/runs/{run_id}")
def get_run(db: DbDep, _: Requester, run_id: str) -> dict[str, Any]:
    return mining.get(db, object_id(run_id, "mining run"))


@router.get("/runs/{run_id}/candidates")
def run_candidates(db: DbDep, _: Requester, run_id: str) -> dict[str, Any]:
    return mining.candidates(db, object_id(run_id, "mining run"))


@router.post("/runs/{run_id}/validation", status_code=201)
def validate_run(db: DbDep, _: Requester, run_id: str, body: JsonBody) -> dict[str, Any]:
    return mining.send_to_pool(db, object_id(run_id, "mining run"), body)


@router.get("/runs/{run_id}/clips/{name}", response_model=None)
def run_clip(db: DbDep, settings: SettingsDep, _: Viewer, run_id: str, name: str) -> Response:
    found = mining.clip_file(db, settings, object_id(run_id, "mining run"), name)
    if hasattr(found, "read"):
        return StreamingResponse(found, media_type="video/mp4")
    return FileResponse(found, media_type="video/mp4")
