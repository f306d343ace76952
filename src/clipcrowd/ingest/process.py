"""The ``asset.process`` job: fetch, check, probe, store the frame table, cover, proxy and frames.

Runs in a worker process (see :mod:`clipcrowd.jobs`), never in a request. It is idempotent: it
starts by clearing the asset's folder, writes every output under it, and only then marks the
asset READY; any failure clears the folder again and marks the asset ERROR with the reason, so
storage never holds half an asset. Uploaded originals stay (they are shared by the project's assets).
"""

from __future__ import annotations

import io
import logging
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from sqlalchemy import select, update

from clipcrowd.domain.timeutil import utcnow
from clipcrowd.media import (
    FrameSpec,
    MediaError,
    MediaInfo,
    NotDecodableError,
    NoVideoStreamError,
    Storage,
    cover,
    encode_image,
    frame_table,
    images_to_video,
    make_proxy,
    needs_proxy,
    probe,
    sample_frames,
)
from clipcrowd.store.db import Database
from clipcrowd.store.tables import assets, projects

from . import defaults, layout
from .fetch import fetch
from .params import PARAMS, fill, played_frames, played_rate

log = logging.getLogger("clipcrowd.ingest")
KIND = "asset.process"
_IMAGE_FORMATS = ("image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "gif", "tiff_pipe")


class _Work:
    """One run over one asset: where temporary files go and how to name them in messages."""

    def __init__(self, row: Any, storage: Storage, tmp: Path, context: Mapping[str, Any]) -> None:
        self.row, self.storage, self.tmp, self.context = row, storage, tmp, context
        self.names: dict[str, str] = {}
        self.result: dict[str, Any] = {}

    def key(self, name: str) -> str:
        return layout.asset_key(self.row.project_id, self.row.id, name)

    def scrub(self, message: str) -> str:
        """A message about temporary paths, rewritten to name what the requester sent."""
        for path, name in sorted(self.names.items(), key=lambda kv: -len(kv[0])):
            message = message.replace(path, name)
        return message.replace(str(self.tmp) + "/", "")

    def local(self, ref: Mapping[str, str], stem: str) -> Path:
        """The source ``ref`` (an upload or a URL) as a file on this machine."""
        if "upload" in ref:
            key = f"{layout.uploads_prefix(self.row.project_id)}/{ref['upload']}"
            path = self.storage.local_path(key)
            display = PurePosixPath(ref["upload"]).name
            if path is None:
                path = self.tmp / f"{stem}{PurePosixPath(key).suffix}"
                with self.storage.open(key) as src, path.open("wb") as out:
                    shutil.copyfileobj(src, out)
            self.names[str(path)] = f"upload {display}"
            return path
        url = ref["url"]
        path = self.tmp / f"{stem}{PurePosixPath(urlsplit(url).path).suffix[:8]}"
        fetch(url, path, max_bytes=int(self.context["max_bytes"]),
              timeout=float(self.context.get("fetch_timeout", defaults.FETCH_TIMEOUT)))
        self.names[str(path)] = url
        return path

    def put(self, name: str, data: bytes) -> str:
        key = self.key(name)
        self.storage.put(key, io.BytesIO(data))
        return key

    def put_file(self, name: str, path: Path) -> str:
        key = self.key(name)
        with path.open("rb") as src:
            self.storage.put(key, src)
        return key


def _check_kind(info: MediaInfo, kind: str, label: str) -> None:
    is_image = info.format_name in _IMAGE_FORMATS or (info.video is not None and info.video.frame_count == 1
                                                      and not info.audio and info.duration is None)
    if kind in ("VIDEO", "FRAME"):
        info.require_video()
        if is_image:
            raise NotDecodableError(f"{label} is an image ({info.format_name}), not a video")
    elif kind == "IMAGE":
        if info.video is None or not is_image:
            raise NotDecodableError(f"{label} is not an image (it decodes as {info.format_name})")
    elif kind == "AUDIO" and not info.audio:
        raise NoVideoStreamError(f"{label} has no audio stream")


def _original(work: _Work) -> tuple[Path, str]:
    """The media file to process, and its storage key."""
    source = work.row.source
    if "images" in source:
        images = [work.local(ref, f"image_{i:05d}") for i, ref in enumerate(source["images"])]
        rate = played_rate_hint(work.row.json_metadata)
        video = images_to_video(images, work.tmp / "images.mp4", fps=rate)
        return video, work.put_file("original.mp4", video)
    path = work.local(source, "original")
    if "upload" in source:
        return path, f"{layout.uploads_prefix(work.row.project_id)}/{source['upload']}"
    return path, work.put_file(f"original{path.suffix}", path)


def played_rate_hint(meta: Mapping[str, Any]) -> Any:
    fps = (meta.get(PARAMS) or {}).get("framesPlayedPerSecond")
    return fps if fps is not None else defaults.IMAGE_LIST_FPS


def _video_outputs(work: _Work, path: Path, info: MediaInfo) -> None:
    video = info.require_video()
    table = frame_table(path)
    buffer = io.BytesIO()
    np.save(buffer, table)
    work.result["frames_key"] = work.put("frames.npy", buffer.getvalue())
    params = dict(work.row.json_metadata.get(PARAMS) or {})
    rate = played_rate(params, video)
    count = played_frames(video, rate)
    if work.row.kind == "FRAME":
        if count > defaults.MAX_SPLIT_FRAMES:
            raise MediaError(f"splitting gives {count} frames; the limit is {defaults.MAX_SPLIT_FRAMES}")
        content = []
        for i, sample in enumerate(sample_frames(path, rate, spec=FrameSpec(), policy="exact")):
            work.put(layout.frame_name(i), encode_image(sample.image, "jpeg", defaults.FRAME_QSCALE))
            content.append({"index": sample.time.index, "pts": sample.time.pts, "time": sample.time.seconds})
        work.result["json_content"] = content
        count = len(content)
    meta = dict(work.row.json_metadata)
    meta[PARAMS] = fill(params, video, count, work.row.kind)
    work.result["json_metadata"] = meta


def _process(work: _Work) -> None:
    path, content_key = _original(work)
    label = work.names.get(str(path), "the file")
    info = probe(path)
    _check_kind(info, work.row.kind, label)
    work.result["content_key"] = content_key
    if work.row.kind in ("VIDEO", "FRAME"):
        _video_outputs(work, path, info)
    if info.video is not None:
        work.result["cover_key"] = work.put("cover.jpg", cover(path))
    if work.row.kind != "IMAGE" and needs_proxy(info):
        work.result["proxy_key"] = work.put_file("proxy.mp4", make_proxy(path, work.tmp / "proxy.mp4"))
    work.result["info"] = describe(info)


def describe(info: MediaInfo) -> dict[str, Any]:
    """The probe facts an asset shows (JSON-safe)."""
    out: dict[str, Any] = {"format": info.format_name, "size": info.size,
                           "duration": float(info.duration) if info.duration is not None else None}
    if info.video is not None:
        v = info.video
        out.update(width=v.display_size[0], height=v.display_size[1], codec=v.codec, rotation=v.rotation,
                   frame_count=v.frame_count, vfr=v.vfr, time_base=str(v.time_base),
                   native_rate=str(v.native_rate) if v.native_rate else None,
                   average_rate=float(v.average_rate) if v.average_rate else None,
                   video_duration=float(v.duration))
    out["audio"] = [{"codec": a.codec, "sample_rate": a.sample_rate, "channels": a.channels} for a in info.audio]
    return out


def _set(db: Database, asset_id: int, **values: Any) -> int:
    with db.write() as conn:
        return int(conn.execute(update(assets).where(assets.c.id == asset_id)
                                .values(updated=utcnow(), **values)).rowcount)


def run_job(db: Database, payload: dict[str, Any], context: dict[str, Any]) -> None:
    """Process asset ``payload["asset_id"]`` (one item of an ``asset.process`` job)."""
    asset_id = int(payload["asset_id"])
    with db.read() as conn:
        row = conn.execute(select(assets).where(assets.c.id == asset_id)).one_or_none()
        project = None if row is None else conn.execute(
            select(projects.c.id).where(projects.c.id == row.project_id)).one_or_none()
    if row is None or project is None or row.status == "READY":
        return  # deleted meanwhile, or done by an earlier run
    storage = Storage(str(context["storage_url"]))
    prefix = layout.asset_prefix(row.project_id, row.id)
    storage.delete_prefix(prefix)
    _set(db, asset_id, status="PROCESSING", error=None)
    with tempfile.TemporaryDirectory(prefix="clipcrowd-ingest-") as tmp:
        work = _Work(row, storage, Path(tmp), context)
        try:
            _process(work)
        except MediaError as exc:
            storage.delete_prefix(prefix)
            _set(db, asset_id, status="ERROR", error=work.scrub(str(exc)))
            return
        except Exception as exc:
            storage.delete_prefix(prefix)
            log.exception("asset %s failed", asset_id)
            _set(db, asset_id, status="ERROR", error=f"internal error while processing: {type(exc).__name__}")
            return
    if _set(db, asset_id, status="READY", error=None, **work.result) == 0:
        storage.delete_prefix(prefix)  # the asset was deleted while it was processed
