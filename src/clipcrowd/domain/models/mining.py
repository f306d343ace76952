"""Mining runs: which videos to score with which scorer, and where the candidates go to be checked."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .base import Id, Incoming, Public


class MiningRunCreate(Incoming):
    """`POST /mining/runs`: the service checks ranges and the scorer's classes (400 naming the field)."""

    project_id: Id | int
    scorer: str = Field("motion", description="motion, scene, quality, or onnx:<model file name>")
    classes: list[str] | None = None
    classes_file: str | None = None
    labels: list[str] | None = Field(None, description="classes to mine (default: the scorer's first)")
    clip_seconds: float | None = None
    sample_fps: float | None = None
    top_k: int | None = None
    min_score: float | None = None
    one_per_video: bool = False
    drop_unusable: bool = False
    asset_ids: list[Id | int] | None = None


class MiningValidation(Incoming):
    """`POST /mining/runs/{id}/validation`: one "does it show <label>?" task per kept clip."""

    pool_id: Id | int
    overlap: int | None = Field(None, ge=1, le=100)


class MiningRunPublic(Public):
    id: Id
    job_id: Id
    kind: str
    status: str
    request: dict[str, Any] | None = None
    shard_map: dict[str, dict[str, Any]] = Field(default_factory=dict)
    counts: dict[str, int] = Field(default_factory=dict)


class MiningCandidates(Public):
    """Kept candidates (best first, each with `clip_url`), dropped ones with why, failed videos with why."""

    run_id: Id
    status: str
    items: list[dict[str, Any]]
    dropped: list[dict[str, Any]]
    failed: list[dict[str, Any]]
    pending: int
