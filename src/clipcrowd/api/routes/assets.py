"""Assets: projects from a JSON interface, uploads, imports, search, metadata, media with ranges."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, get_principal, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.errors import NotFound, PayloadTooLarge, ValidationFailed
from clipcrowd.domain.models.assets import (
    AssetImport,
    AssetImportResult,
    AssetList,
    AssetMetadata,
    AssetMetadataBatch,
    AssetPublic,
    FrameTable,
    ProjectDeleted,
    TasksFromAssets,
    Upload,
)
from clipcrowd.domain.models.base import FILE, RAW_BODY, Page
from clipcrowd.domain.models.projects import ProjectFromInterface, ProjectPublic
from clipcrowd.domain.models.tasks import TaskBatchResult
from clipcrowd.http.files import stored_file
from clipcrowd.http.jobs import wake
from clipcrowd.services import asset_import, assets, media_access
from clipcrowd.services.auth import Principal

router = Router(tags=["assets"])


async def media_viewer(request: Request, asset_id: str,
                       principal: Annotated[Principal, Depends(get_principal)]) -> int:
    """The asset id, once the caller may see its media: a requester always, a worker through her tasks."""
    number = object_id(asset_id, "asset")
    await run_in_threadpool(media_access.check, request.app.state.db, principal, number)
    return number


MediaAsset = Annotated[int, Depends(media_viewer)]


@router.post("/projects/from-interface", status_code=201, response_model=ProjectPublic)
def create_project(db: DbDep, _: Requester, body: ProjectFromInterface) -> dict[str, Any]:
    return asset_import.create_project(db, body.body())


@router.delete("/projects/{project_id}", response_model=ProjectDeleted)
def delete_project(db: DbDep, settings: SettingsDep, _: Requester, project_id: str) -> dict[str, Any]:
    return assets.delete_project(db, settings, object_id(project_id, "project"))


@router.post("/assets/uploads", status_code=201, response_model=Upload, openapi_extra=RAW_BODY)
async def upload(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    raw = request.query_params.get("project_id")
    if raw is None:
        raise ValidationFailed.field("project_id", "is required")
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > settings.max_upload_bytes:
        raise PayloadTooLarge(f"the file is {declared} bytes; the limit is {settings.max_upload_bytes} bytes")
    return await asset_import.upload(db, settings, object_id(raw, "project"), request.query_params.get("name", ""),
                                     request.stream())


@router.post("/assets", status_code=201, response_model=AssetImportResult)
def import_assets(
    db: DbDep, settings: SettingsDep, _: Requester, body: AssetImport, request: Request,
) -> dict[str, Any]:
    result = asset_import.import_assets(db, settings, object_id(str(body.project_id), "project"), body.assets)
    wake(request)
    return result


@router.get("/assets", response_model=Page[AssetPublic])
def find_assets(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return assets.find(db, settings, request.query_params)


@router.patch("/assets", response_model=AssetList)
def update_assets(db: DbDep, _: Requester, body: AssetMetadataBatch) -> dict[str, Any]:
    return assets.update_many(db, body.body())


@router.post("/assets/tasks", status_code=201, response_model=TaskBatchResult)
def tasks_from_assets(db: DbDep, _: Requester, body: TasksFromAssets) -> dict[str, Any]:
    return assets.tasks_from_assets(db, body.body())


@router.get("/assets/{asset_id}", response_model=AssetPublic)
def get_asset(db: DbDep, _: Requester, asset_id: str) -> dict[str, Any]:
    return assets.get(db, object_id(asset_id, "asset"))


@router.patch("/assets/{asset_id}", response_model=AssetPublic)
def update_asset(db: DbDep, _: Requester, asset_id: str, body: AssetMetadata) -> dict[str, Any]:
    return assets.update_metadata(db, object_id(asset_id, "asset"), body.body())


@router.delete("/assets/{asset_id}", status_code=204)
def delete_asset(db: DbDep, settings: SettingsDep, _: Requester, asset_id: str) -> Response:
    assets.delete_asset(db, settings, object_id(asset_id, "asset"))
    return Response(status_code=204)


@router.get("/assets/{asset_id}/frame-table", response_model=FrameTable)
def frame_table(db: DbDep, settings: SettingsDep, asset: MediaAsset) -> dict[str, Any]:
    return assets.frame_table(db, settings, asset)


def _serve(db: Any, settings: Any, asset_id: int, part: str) -> Response:
    return stored_file(*assets.media_file(db, settings, asset_id, part))


@router.get("/assets/{asset_id}/frames/{index}", response_model=None, response_class=FileResponse, responses=FILE)
def get_frame(db: DbDep, settings: SettingsDep, asset: MediaAsset, index: str) -> Response:
    return _serve(db, settings, asset, f"frames/{index}")


@router.get("/assets/{asset_id}/{part}", response_model=None, response_class=FileResponse, responses=FILE)
def get_media(db: DbDep, settings: SettingsDep, asset: MediaAsset, part: str) -> Response:
    """``content`` (the original), ``media`` (browser-safe: the proxy when one was made), ``proxy``, ``cover``."""
    if part not in ("content", "media", "proxy", "cover"):
        raise NotFound(f"assets have no {part!r}; try content, media, proxy, cover, frames/<n> or frame-table")
    return _serve(db, settings, asset, part)
