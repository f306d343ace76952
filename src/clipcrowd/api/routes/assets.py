"""Assets: projects from a JSON interface, uploads, imports, search, metadata, media with ranges."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, StreamingResponse

from clipcrowd.api.deps import DbDep, JsonBody, Requester, SettingsDep, get_principal, object_id
from clipcrowd.api.routes.jobs import wake
from clipcrowd.domain.errors import NotFound, PayloadTooLarge, ValidationFailed
from clipcrowd.services import asset_import, assets
from clipcrowd.services.auth import Principal

router = APIRouter(tags=["assets"])
Viewer = Annotated[Principal, Depends(get_principal)]  # requesters and workers both see task media


@router.post("/projects/from-interface", status_code=201)
def create_project(db: DbDep, _: Requester, body: JsonBody) -> dict[str, Any]:
    return asset_import.create_project(db, body)


@router.delete("/projects/{project_id}")
def delete_project(db: DbDep, settings: SettingsDep, _: Requester, project_id: str) -> dict[str, Any]:
    return assets.delete_project(db, settings, object_id(project_id, "project"))


@router.post("/assets/uploads", status_code=201)
async def upload(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    raw = request.query_params.get("project_id")
    if raw is None:
        raise ValidationFailed.field("project_id", "is required")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_upload_bytes:
        raise PayloadTooLarge(f"the file is {declared} bytes; the limit is {settings.max_upload_bytes} bytes")
    return await asset_import.upload(db, settings, object_id(raw, "project"), request.query_params.get("name", ""),
                                     request.stream())


@router.post("/assets", status_code=201)
def import_assets(db: DbDep, settings: SettingsDep, _: Requester, body: JsonBody, request: Request) -> dict[str, Any]:
    if not isinstance(body, dict) or "project_id" not in body:
        raise ValidationFailed.field("project_id", "is required: {project_id, assets: [...]}")
    result = asset_import.import_assets(db, settings, object_id(str(body["project_id"]), "project"),
                                        body.get("assets"))
    wake(request)
    return result


@router.get("/assets")
def find_assets(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return assets.find(db, settings, request.query_params)


@router.patch("/assets")
def update_assets(db: DbDep, _: Requester, body: JsonBody) -> dict[str, Any]:
    return assets.update_many(db, body)


@router.post("/assets/tasks", status_code=201)
def tasks_from_assets(db: DbDep, _: Requester, body: JsonBody) -> dict[str, Any]:
    return assets.tasks_from_assets(db, body)


@router.get("/assets/{asset_id}")
def get_asset(db: DbDep, _: Requester, asset_id: str) -> dict[str, Any]:
    return assets.get(db, object_id(asset_id, "asset"))


@router.patch("/assets/{asset_id}")
def update_asset(db: DbDep, _: Requester, asset_id: str, body: JsonBody) -> dict[str, Any]:
    return assets.update_metadata(db, object_id(asset_id, "asset"), body)


@router.delete("/assets/{asset_id}", status_code=204)
def delete_asset(db: DbDep, settings: SettingsDep, _: Requester, asset_id: str) -> Response:
    assets.delete_asset(db, settings, object_id(asset_id, "asset"))
    return Response(status_code=204)


@router.get("/assets/{asset_id}/frame-table")
def frame_table(db: DbDep, settings: SettingsDep, _: Viewer, asset_id: str) -> dict[str, Any]:
    return assets.frame_table(db, settings, object_id(asset_id, "asset"))


def _serve(db: Any, settings: Any, asset_id: str, part: str) -> Response:
    source, media_type = assets.media_file(db, settings, object_id(asset_id, "asset"), part)
    if isinstance(source, str) or hasattr(source, "is_file"):
        return FileResponse(source, media_type=media_type)  # answers Range requests (206)
    return StreamingResponse(iter(lambda: source.read(1 << 20), b""), media_type=media_type)


@router.get("/assets/{asset_id}/frames/{index}", response_model=None)
def get_frame(db: DbDep, settings: SettingsDep, _: Viewer, asset_id: str, index: str) -> Response:
    return _serve(db, settings, asset_id, f"frames/{index}")


@router.get("/assets/{asset_id}/{part}", response_model=None)
def get_media(db: DbDep, settings: SettingsDep, _: Viewer, asset_id: str, part: str) -> Response:
    """``content`` (the original), ``media`` (browser-safe: the proxy when one was made), ``proxy``, ``cover``."""
    if part not in ("content", "media", "proxy", "cover"):
        raise NotFound(f"assets have no {part!r}; try content, media, proxy, cover, frames/<n> or frame-table")
    return _serve(db, settings, asset_id, part)
