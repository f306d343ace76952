"""Camera-folder imports: cameras, import jobs (shards), posted files; motion events and their labels."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.responses import FileResponse

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, Viewer, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.errors import NotFound, PayloadTooLarge
from clipcrowd.domain.models.base import FILE, RAW_BODY, Page
from clipcrowd.domain.models.cameras import (
    CameraImportCreate,
    CameraImportPublic,
    CameraPublic,
    CameraRegistration,
    ContentReceived,
    EventLabels,
    EventPublic,
    ShardPublic,
    ShardRegistration,
)
from clipcrowd.http.files import stored_file
from clipcrowd.http.jobs import wake
from clipcrowd.services import camera_events, cameras

router = Router(tags=["cameras"])


@router.post("/cameras", response_model=CameraPublic)
def register_camera(db: DbDep, _: Requester, body: CameraRegistration) -> dict[str, Any]:
    return cameras.register_camera(db, body.body())


@router.post("/camera-imports", status_code=201, response_model=CameraImportPublic)
@router.put("/camera-imports", status_code=201, response_model=CameraImportPublic)
def create_import(db: DbDep, _: Requester, body: CameraImportCreate) -> dict[str, Any]:
    return cameras.create_job(db, body.body())


@router.get("/camera-imports", response_model=Page[CameraImportPublic])
def find_imports(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return cameras.find_jobs(db, settings, request.query_params)


@router.get("/camera-imports/{job_id}", response_model=CameraImportPublic)
def get_import(db: DbDep, _: Requester, job_id: str) -> dict[str, Any]:
    return cameras.get_job(db, object_id(job_id, "job"))


@router.post("/camera-imports/{job_id}/cancel", response_model=CameraImportPublic)
def cancel_import(db: DbDep, _: Requester, job_id: str) -> dict[str, Any]:
    """Stop an import: shards not yet processed never run; files posted afterwards are refused (409)."""
    return cameras.cancel_job(db, object_id(job_id, "job"))


@router.put("/camera-imports/{job_id}/shards/{shard_id}", response_model=ShardPublic)
def register_shard(db: DbDep, _: Requester, job_id: str, shard_id: str, body: ShardRegistration) -> dict[str, Any]:
    return cameras.register_shard(db, object_id(job_id, "job"), object_id(shard_id, "shard"), body.body())


@router.post("/camera-imports/{job_id}/content", response_model=ContentReceived, openapi_extra=RAW_BODY)
async def post_content(db: DbDep, settings: SettingsDep, _: Requester, job_id: str,
                       request: Request, response: Response) -> dict[str, Any]:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_upload_bytes:
        raise PayloadTooLarge(f"the file is {declared} bytes; the limit is {settings.max_upload_bytes} bytes")
    result = await cameras.receive(db, settings, object_id(job_id, "job"), request.query_params, request.stream())
    response.status_code = 201 if result["status"] == "created" else 200
    wake(request)  # a shard whose files have all arrived is ready for the workers
    return result


@router.get("/events", response_model=Page[EventPublic])
def find_events(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return camera_events.find(db, settings, request.query_params)


@router.get("/events/{event_id}", response_model=EventPublic)
def get_event(db: DbDep, _: Requester, event_id: str) -> dict[str, Any]:
    return camera_events.get(db, object_id(event_id, "event"))


@router.put("/events/{event_id}/labels", response_model=EventPublic)
def put_labels(db: DbDep, _: Requester, event_id: str, body: EventLabels) -> dict[str, Any]:
    return camera_events.put_labels(db, object_id(event_id, "event"), body.body())


@router.get("/events/{event_id}/{part}", response_model=None, response_class=FileResponse, responses=FILE)
def event_media(db: DbDep, settings: SettingsDep, _: Viewer, event_id: str, part: str) -> Response:
    """``cover`` (JPEG at the camera's cover size) or ``clip`` (MP4, made when the import has a pool)."""
    if part not in ("cover", "clip"):
        raise NotFound(f"events have no {part!r}; try cover or clip")
    return stored_file(*camera_events.media(db, settings, object_id(event_id, "event"), part))
