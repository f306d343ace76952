"""Assets (media imported into a project), the jobs that process them, and workers' attachments."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .base import Id, Incoming, Public, Time


class AssetItem(Incoming):
    """One item to import: a file or URL (`content`) or an image list (`json_content`)."""

    external_id: str
    content: str | None = Field(None, description="an http(s) URL or `upload:<ref>` from POST /assets/uploads")
    json_content: list[str] | None = Field(None, description="image URLs or uploads, made into one video")
    json_metadata: dict[str, Any] | None = Field(None, description="kept as given; `processingParameters` apply")


class AssetImport(Incoming):
    project_id: Id | int
    assets: list[Any] = Field(description="AssetItem objects; each is checked on its own and refused by index")


class AssetMetadata(Incoming):
    """`PATCH /assets/{id}`: the new metadata (processingParameters are kept and merged)."""

    json_metadata: dict[str, Any]


class AssetMetadataItem(Incoming):
    id: Id | int | None = None
    external_id: str | None = None
    json_metadata: dict[str, Any] | None = None


class AssetMetadataBatch(Incoming):
    project_id: Id | int
    items: list[Any] = Field(description="AssetMetadataItem objects, by id or external_id")


class TasksFromAssets(Incoming):
    pool_id: Id | int
    asset_ids: list[Id | int] | None = Field(None, description="all READY assets of the project when absent")
    overlap: int | None = None


class AssetPublic(Public):
    id: Id
    project_id: Id | None = None
    external_id: str | None = None
    kind: str | None = None
    status: str | None = Field(None, description="the media processing state: PENDING, PROCESSING, READY or ERROR")
    labelling_status: str | None = Field(
        None, description="the crowd's progress on the tasks pointing at it: TODO, ONGOING, TO_REVIEW, LABELED "
                          "or REVIEWED (Kili's asset status; docs/ingest.md)")
    error: str | None = None
    created: Time | None = None
    updated: Time | None = None
    json_metadata: dict[str, Any] | None = None
    json_content: Any = None
    content_url: str | None = None
    media_url: str | None = None
    cover_url: str | None = None
    proxy_url: str | None = None
    frame_table_url: str | None = None
    info: dict[str, Any] | None = None


class AssetImportResult(Public):
    items: dict[str, AssetPublic]
    validation_errors: dict[str, Any]


class AssetList(Public):
    items: list[AssetPublic]


class Upload(Public):
    ref: str = Field(description="`upload:<ref>`: give it as an item's content")
    name: str
    size: int
    sha256: str


class FrameTable(Public):
    asset_id: Id
    time_base: str | None = None
    frame_count: int
    pts: list[int]


class ProjectDeleted(Public):
    id: Id
    deleted_assets: int
    deleted_files: int


class JobPublic(Public):
    """A job: seed 003's job object (`job_id`, `request`, `shard_map`, `status`) plus `kind` and `counts`."""

    job_id: Id
    kind: str
    status: str
    request: dict[str, Any] | None = None
    shard_map: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description='{"0": {job_id, shard_id, item_count, status, ...}, ...}')
    counts: dict[str, int] = Field(default_factory=dict)
    project_id: Id | None = None
    operation_id: str | None = None
    error: str | None = None
    created_at: Time | None = None
    updated_at: Time | None = None
    started_at: Time | None = None
    finished_at: Time | None = None


class JobItemPublic(Public):
    """One item of a job's shard (a file, an asset, a video): its status and result or error."""

    id: Id
    job_id: Id
    shard_id: str
    key: str
    status: str
    result: Any = None
    error: str | None = None
    updated_at: Time | None = None


class AttachmentPublic(Public):
    id: Id
    attachment_type: str
    name: str
    media_type: str
    size: int | None = None
    sha256: str | None = None
    created: Time | None = None
    duration: float | None = Field(None, description="seconds of audio/video; null for other files")
    owner: dict[str, Any] | None = None
    details: dict[str, Any] | None = None
