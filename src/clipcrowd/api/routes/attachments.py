"""Attachments: metadata and downloads (with HTTP range support for seeking in videos)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import FileResponse

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.models.assets import AttachmentPublic
from clipcrowd.domain.models.base import FILE, Page
from clipcrowd.services import attachments, listing, served_types

router = Router(prefix="/attachments", tags=["attachments"])


@router.get("", response_model=Page[AttachmentPublic])
def find_attachments(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.attachments_page(db, settings, request.query_params)


@router.get("/{attachment_id}", response_model=AttachmentPublic)
def get_attachment(db: DbDep, _: Requester, attachment_id: str) -> dict[str, Any]:
    return attachments.get(db, object_id(attachment_id, "attachment"))


@router.get("/{attachment_id}/download", response_class=FileResponse, responses=FILE)
def download_attachment(db: DbDep, settings: SettingsDep, _: Requester, attachment_id: str) -> FileResponse:
    row, path = attachments.local_file(db, settings, object_id(attachment_id, "attachment"))
    return FileResponse(path, media_type=served_types.served_type(row.media_type), filename=row.name)
