"""Mining runs: start one over a project's videos, read its candidates, fetch its clips."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.responses import FileResponse

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, Viewer, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.models.base import FILE
from clipcrowd.domain.models.mining import MiningCandidates, MiningRunCreate, MiningRunPublic, MiningValidation
from clipcrowd.domain.models.tasks import TaskBatchResult
from clipcrowd.http.files import stored_file
from clipcrowd.http.jobs import wake
from clipcrowd.services import media_access, mining

router = Router(prefix="/mining", tags=["mining"])


@router.post("/runs", status_code=201, response_model=MiningRunPublic)
def start_run(
    db: DbDep, settings: SettingsDep, _: Requester, body: MiningRunCreate, request: Request,
) -> dict[str, Any]:
    run = mining.start(db, settings, body.body())
    wake(request)
    return run


@router.get("/runs/{run_id}", response_model=MiningRunPublic)
def get_run(db: DbDep, _: Requester, run_id: str) -> dict[str, Any]:
    return mining.get(db, object_id(run_id, "mining run"))


@router.get("/runs/{run_id}/candidates", response_model=MiningCandidates)
def run_candidates(db: DbDep, _: Requester, run_id: str) -> dict[str, Any]:
    return mining.candidates(db, object_id(run_id, "mining run"))


@router.post("/runs/{run_id}/validation", status_code=201, response_model=TaskBatchResult)
def validate_run(db: DbDep, _: Requester, run_id: str, body: MiningValidation) -> dict[str, Any]:
    return mining.send_to_pool(db, object_id(run_id, "mining run"), body.body())


@router.get("/runs/{run_id}/clips/{name}", response_model=None, response_class=FileResponse, responses=FILE)
def run_clip(db: DbDep, settings: SettingsDep, viewer: Viewer, run_id: str, name: str) -> Response:
    """A requester reads every clip; a worker only the clips of tasks she was issued."""
    number = object_id(run_id, "mining run")
    media_access.check_clip(db, viewer, number, name)
    return stored_file(mining.clip_file(db, settings, number, name), "video/mp4")
