"""Camera-folder imports: cameras, import jobs (shards), posted files; motion events and their labels."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, StreamingResponse

from clipcrowd.api.deps import DbDep, JsonBody, Requester, SettingsDep, get_principal, object_id
from clipcrowd.api.routes.jobs import wake
from clipcrowd.domain.errors import NotFound, PayloadTooLarge
from clipcrowd.services import camera_events, cameras
from clipcrowd.services.auth import Principal

router = APIRouter(tags=["cameras"])
Viewer = Annotated[Principal, Depends(get_principal)]  # workers see the clip and cover of their task


@router.post("/cameras")
def register_camera(db: DbDep, _: Requester, body: JsonBody) -> dict[str, Any]:
    return cameras.register_camera(db, body)


@router.post("/camera-imports", status_code=201)
@router.put("/camera-imports", status_code=201)
def create_import(db: DbDep, _: Requester, body: JsonBody) -> dict[str, Any]:
    return cameras.create_job(db, body)


@router.get("/camera-imports")
def find_imports(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return cameras.find_jobs(db, settings, request.query_params)


@router.get("/camera-imports/{job_id}")
def get_import(db: DbDep, _: Requester, job_id: str) -> dict[str, Any]:
    return cameras.get_job(db, object_id(job_id, "job"))


@router.put("/camera-imports/{job_id}/shards/{shard_id}")
def register_shard(db: DbDep, _: Requester, job_id: str, shard_id: str, body: JsonBody) -> dict[str, Any]:
    return cameras.register_shard(db, object_id(job_id, "job"), object_id(shard_id, "shard"), body)


@router.post("/camera-imports/{job_id}/content")
async def post_content(db: DbDep, settings: SettingsDep, _: Requester, job_id: str,
                       request: Request, response: Response) -> dict[str, Any]:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_upload_bytes:
        raise PayloadTooLarge(f"the file is {declared} bytes; the limit is {settings.max_upload_bytes} bytes")
    result = await cameras.receive(db, settings, object_id(job_id, "job"), request.query_params, request.stream())
    response.status_code = 201 if result["status"] == "created" else 200
    wake(request)  # a shard whose files have all arrived is ready for the workers
    return result


@router.get("/events")
def find_events(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return camera_events.find(db, settings, request.query_params)


@router.get("/events/{event_id}")
def get_event(db: DbDep, _: Requester, event_id: str) -> dict[str, Any]:
    return camera_events.get(db, object_id(event_id, "event"))


@router.put("/events/{event_id}/labels")
def put_labels(db: DbDep, _: Requester, event_id: str, body: JsonBody) -> dict[str, Any]:
    return camera_events.put_labels(db, object_id(event_id, "event"), body)


@router.get("/events/{event_id}/{part}", response_model=None)
def event_media(db: DbDep, settings: SettingsDep, _: Viewer, event_id: str, part: str) -> Response:
    """``cover`` (JPEG at the camera's cover size) or ``clip`` (MP4, made when the import has a pool)."""
    if part not in ("cover", "clip"):
        raise NotFound(f"events have no {part!r}; try cover or clip")
    source, media_type = camera_events.media(db, settings, object_id(event_id, "event"), part)
    if hasattr(source, "is_file") or isinstance(source, str):
        return FileResponse(source, media_type=media_type)
    return StreamingResponse(iter(lambda: source.read(1 << 20), b""), media_type=media_type)
