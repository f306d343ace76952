"""Camera-folder imports and motion events: the bodies the importer sends and what it reads back.

The importer's values are checked by `services.cameras` and `services.camera_events` (400 naming the
field); these models document them for the served spec and keep unknown fields as sent.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .assets import JobPublic
from .base import Id, Incoming, Public, Time


class CameraRegistration(Incoming):
    name: Any = Field(description="the camera's name (the file name's `camera` group plus any suffix)")
    local_camera_id: Any = Field(None, description="a stable id of the camera on the importing machine")
    settings: Any = Field(None, description="per-camera hook data: plan, extraction and cover sizes, fps")


class CameraPublic(Public):
    camera_id: Id
    name: str
    local_camera_id: str
    settings: dict[str, Any] | None = None


class CameraImportCreate(Incoming):
    """A new import job: how many files, of which cameras, over which dates, in shards of which size."""

    device_id: Any = None
    item_count: Any = Field(None, description="files the run will post (1 or more)")
    item_average_size_bytes: Any = None
    cameras: Any = Field(None, description="camera names of the run")
    earliest_date: Any = Field(None, description="UTC time of the earliest file")
    latest_date: Any = Field(None, description="UTC time of the latest file")
    shard_size: Any = None
    project_id: Any = Field(None, description="where the videos become assets (default: a new project)")
    pool_id: Any = Field(None, description="each motion event becomes a labelling task there")


class ShardRegistration(Incoming):
    hash_map: Any = Field(description="{sha1: file name} of the shard's files")
    item_count: Any = None


class CameraImportPublic(JobPublic):
    """A `camera.import` job: the job object of `GET /api/v1/jobs/{id}` (the canonical one, presented
    by the same code), each shard carrying the `upload_url` its files are registered at."""


class ShardPublic(Public):
    status: str | None = None


class ContentReceived(Public):
    status: str = Field(description="created, or duplicate for a file the job already has")
    file_id: Id | None = None
    asset_id: Id | None = None


class EventLabels(Incoming):
    labels: list[Any] = Field(description="the event's direct labels (replacing earlier direct ones)")


class EventPublic(Public):
    """A motion event: absolute UTC `start`/`end`, camera, asset, metadata, and its labels by source."""

    id: Id
    job_id: Id
    camera: dict[str, Any]
    asset_id: Id | None = None
    start: Time
    end: Time
    labels: list[str]
    label_sources: dict[str, list[str]]
