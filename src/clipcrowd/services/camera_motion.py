"""Motion-event extraction for the files a camera import receives: the ``camera.import`` job kind.

The file's stored content is decoded once (:func:`clipcrowd.mining.detect_motion`); each event is
stored with absolute UTC times (file start + offset), its metadata and a cover at the camera's
cover size. With a pool on the import, each event also gets a frame-exact clip and one labelling
task whose inputs are the clip and the cover. Idempotent: events are keyed by (file, offset), a
task is made only for an event that has none, so a re-run after a crash repeats nothing.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from clipcrowd.domain.ids import format_id
from clipcrowd.domain.models.projects import ProjectData
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.ingest import layout
from clipcrowd.jobs import Handler, ShardRun, register
from clipcrowd.media import MediaError, Storage, cut_clip
from clipcrowd.mining.motion import MotionParams, detect_motion
from clipcrowd.services import tasks as task_service
from clipcrowd.store.db import Database
from clipcrowd.store.tables import assets, camera_events, camera_files, cameras, jobs, pools, projects

log = logging.getLogger("clipcrowd.cameras")
#: The job kind of a camera import run.
KIND = "camera.import"
#: Clip margin around an event, so a labeller sees what came just before and after.
CLIP_MARGIN_SECONDS = 0.5


def event_key(project_id: int, file_id: int, offset_ms: int, name: str) -> str:
    return f"{layout.project_prefix(project_id)}/camera-events/{format_id(file_id)}/{offset_ms:010d}/{name}"


def params_for(settings: dict[str, Any]) -> MotionParams:
    """Motion parameters from a camera's registered settings: its cover size, and its ``fps`` as the
    analysis rate (frames a second the motion detector needs; B-frames are skipped above twice that)."""
    width = settings.get("img_x_size_cover")
    height = settings.get("img_y_size_cover")
    if not width and not height:
        width = 320
    rate = settings.get("fps")
    params = MotionParams(cover_width=width, cover_height=height)
    if isinstance(rate, int | float) and rate > 0:
        return dataclasses.replace(params, analysis_rate=float(rate))
    return params


def _source(storage: Storage, project_id: int, asset: Any, tmp: Path) -> Path:
    ref = asset.source["upload"]
    key = f"{layout.uploads_prefix(project_id)}/{ref}"
    local = storage.local_path(key)
    if local is not None:
        return local
    path = tmp / ("source" + Path(ref).suffix)
    with storage.open(key) as src, path.open("wb") as out:
        while chunk := src.read(1 << 20):
            out.write(chunk)
    return path


def _pool_fields(conn: Any, pool_id: int) -> tuple[str | None, str | None]:
    """The task inputs that get the clip and the cover: url fields, a cover/image-named one for the cover."""
    pool = conn.execute(select(pools).where(pools.c.id == pool_id)).one()
    project = conn.execute(select(projects).where(projects.c.id == pool.project_id)).one()
    spec = ProjectData.of(project.data).task_spec.input_spec
    urls = [n for n, f in spec.items() if isinstance(f, dict) and f.get("type") == "url"]
    cover = next((n for n in urls if "cover" in n.lower() or "image" in n.lower()), None)
    clip = next((n for n in urls if n != cover), None)
    return clip, cover


def extract(db: Database, storage: Storage, row: Any) -> int:
    """Store the motion events of one received file (``camera_files`` row); returns how many it has."""
    with db.read() as conn:
        job = conn.execute(select(jobs).where(jobs.c.id == row.job_id)).one()
        asset = conn.execute(select(assets).where(assets.c.id == row.asset_id)).one()
        camera = conn.execute(select(cameras).where(cameras.c.id == row.camera_id)).one()
    pool_raw = job.payload.get("pool_id")
    pool_id = int(pool_raw) if pool_raw else None
    found = 0
    with tempfile.TemporaryDirectory(prefix="clipcrowd-motion-") as tmp:
        source = Path(tmp)
        try:
            source = _source(storage, asset.project_id, asset, Path(tmp))
            for event in detect_motion(source, params_for(camera.data)):
                found += 1
                _store(db, storage, row, asset, event, pool_id, source, Path(tmp))
        except MediaError as exc:  # not a decodable video: said in the file's own name
            raise MediaError(str(exc).replace(str(source), row.filename)) from None
    return found


@register(KIND)
class CameraImport(Handler):
    """A camera import run: one item per received file (its SHA-1); each item's work is its motion events.

    Shards are planned by :func:`clipcrowd.services.cameras.create_job` (``missing`` until their
    files arrive), so :meth:`plan` is never asked.
    """

    def run_shard(self, shard: ShardRun) -> None:
        storage = Storage(str(shard.context["storage_url"]))
        job_id = int(shard.job_id)
        for key in shard.pending():
            shard.check()
            with shard.db.read() as conn:
                row = conn.execute(select(camera_files).where(camera_files.c.job_id == job_id,
                                                              camera_files.c.sha1 == key)).one_or_none()
            if row is None or row.asset_id is None:
                shard.failed(key, "the file was not received (or its asset was deleted)")
                continue
            try:
                found = extract(shard.db, storage, row)
            except MediaError as exc:
                _finish(shard.db, row.id, "failed", str(exc)[:2000])
                shard.failed(key, str(exc)[:2000])
                continue
            _finish(shard.db, row.id, "done", None)
            log.info("file %s: %d motion event(s)", row.id, found)
            shard.done(key, {"file_id": format_id(row.id), "events": found})


def _finish(db: Database, file_id: int, status: str, error: str | None) -> None:
    with db.write() as conn:
        conn.execute(update(camera_files).where(camera_files.c.id == file_id).values(status=status, error=error))


def _store(db: Database, storage: Storage, row: Any, asset: Any, event: Any, pool_id: int | None,
           source: Path, tmp: Path) -> None:
    offset = event.start_ms
    with db.read() as conn:
        known = conn.execute(select(camera_events).where(camera_events.c.file_id == row.id,
                                                         camera_events.c.offset_ms == offset)).one_or_none()
    data = event.metadata()
    if known is None:
        if event.cover is not None:
            data["cover_key"] = event_key(asset.project_id, row.id, offset, "cover.jpg")
            storage.put(data["cover_key"], io.BytesIO(event.cover))
        if pool_id is not None:
            clip = tmp / f"clip-{offset}.mp4"
            start = max(0.0, float(event.start.exact) - CLIP_MARGIN_SECONDS)
            cut_clip(source, clip, start, float(event.end.exact) + CLIP_MARGIN_SECONDS, mode="reencode")
            data["clip_key"] = event_key(asset.project_id, row.id, offset, "clip.mp4")
            with clip.open("rb") as src:
                storage.put(data["clip_key"], src)
        with db.write() as conn:
            event_id = int(conn.execute(insert(camera_events).values(
                job_id=row.job_id, file_id=row.id, camera_id=row.camera_id, asset_id=row.asset_id,
                start=row.start + timedelta(milliseconds=event.start_ms),
                end=row.start + timedelta(milliseconds=event.end_ms), offset_ms=offset, data=data, labels=[],
                created=utcnow()).returning(camera_events.c.id)).scalar_one())
        known_task = None
    else:
        event_id, known_task = int(known.id), known.task_id
    if pool_id is not None and known_task is None:
        _make_task(db, pool_id, event_id)


def _make_task(db: Database, pool_id: int, event_id: int) -> None:
    with db.read() as conn:
        clip_field, cover_field = _pool_fields(conn, pool_id)
    ident = format_id(event_id)
    values = {}
    if clip_field:
        values[clip_field] = f"/api/v1/events/{ident}/clip"
    if cover_field:
        values[cover_field] = f"/api/v1/events/{ident}/cover"
    batch = task_service.prepare(db, [{"pool_id": format_id(pool_id), "input_values": values}],
                                 allow_defaults=True, skip_invalid=False)
    made = task_service.create_sync(db, batch, open_pool=False)
    task = next(iter(made.get("items", {}).values()), None)
    if task is None:
        raise RuntimeError(f"no task was made for event {ident}: {made.get('validation_errors')}")
    with db.write() as conn:
        conn.execute(update(camera_events).where(camera_events.c.id == event_id)
                     .values(task_id=int(task["id"])))
