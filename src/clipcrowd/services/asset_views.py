"""Assets as public objects, with the URLs clipcrowd serves their media at.

Field names follow the requester dialect (snake_case); the Kili facade renames them. ``fields``
limits the answer to what a client asked for (``id`` always comes along). ``status`` is the media
processing state; ``labelling_status`` the crowd's progress (see ``services/asset_status``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from clipcrowd.domain.ids import format_id
from clipcrowd.domain.timeutil import format_time

FIELDS = ("id", "project_id", "external_id", "kind", "status", "labelling_status", "error", "created", "updated",
          "json_metadata", "json_content", "content_url", "media_url", "cover_url", "proxy_url", "frame_table_url",
          "info")


def asset_url(asset_id: int, part: str) -> str:
    return f"/api/v1/assets/{format_id(asset_id)}/{part}"


def present(row: Any, fields: Iterable[str] | None = None, labelling_status: str | None = None) -> dict[str, Any]:
    ready = row.status == "READY"
    content = row.json_content
    if ready and row.kind == "FRAME" and content is not None:
        content = [asset_url(row.id, f"frames/{i}") for i in range(len(content))]
    body: dict[str, Any] = {
        "id": format_id(row.id),
        "project_id": format_id(row.project_id),
        "external_id": row.external_id,
        "kind": row.kind,
        "status": row.status,
        "labelling_status": labelling_status,
        "error": row.error,
        "created": format_time(row.created),
        "updated": format_time(row.updated),
        "json_metadata": row.json_metadata,
        "json_content": content,
        "content_url": asset_url(row.id, "content") if ready else None,
        "media_url": asset_url(row.id, "media") if ready else None,
        "cover_url": asset_url(row.id, "cover") if ready and row.cover_key else None,
        "proxy_url": asset_url(row.id, "proxy") if ready and row.proxy_key else None,
        "frame_table_url": asset_url(row.id, "frame-table") if ready and row.frames_key else None,
        "info": row.info,
    }
    if fields is not None:
        wanted = set(fields) | {"id"}
        body = {k: v for k, v in body.items() if k in wanted}
    return body
