"""Camera-folder imports on the server: cameras, import jobs with shards, and the files they receive.

A job is created from the importer's request (``item_count``, cameras, time window) and split into
shards of at most :data:`SHARD_CAPACITY` files. Each file is then posted with its job, shard and
SHA-1: the server checks the hash, stores the content once, makes it an asset of the job's project
and adds it as an item of its shard; a shard whose files have all arrived is released to the job
workers, which extract each file's motion events (:mod:`clipcrowd.services.camera_motion`). A file sent
twice to one job (a resumed run) is answered ``duplicate`` and nothing is stored again.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from clipcrowd.domain.errors import ConflictState, NotFound, PayloadTooLarge, ValidationFailed
from clipcrowd.domain.ids import format_id, parse_id
from clipcrowd.domain.models.projects import ProjectData
from clipcrowd.domain.timeutil import parse_time, utcnow
from clipcrowd.ingest import layout
from clipcrowd.ingest.camera.errors import ConfigError
from clipcrowd.ingest.camera.hookdata import check_values
from clipcrowd.ingest.camera.names import local_camera_id
from clipcrowd.jobs import JOB_FINAL, JobRequestError, ShardPlan, add_items, ready, submit
from clipcrowd.services import asset_import, job_executor
from clipcrowd.services.camera_motion import KIND
from clipcrowd.services.paging import page, range_conditions
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database
from clipcrowd.store.tables import assets, camera_files, cameras, job_items, job_shards, jobs, pools, projects

#: Files per shard (the last shard holds the remainder), as the importer's job shape has it.
SHARD_CAPACITY = 2048
MAX_ITEMS = 10_000_000
MAX_CAMERAS = 10_000
NAME_MAX = 500
_INTERFACE = {"jobs": {"JOB_0": {"mlTask": "CLASSIFICATION", "content": {
    "input": "checkbox", "categories": {"OBJECT": {"name": "object"}}}}}}


def _text(value: Any, path: str, limit: int = NAME_MAX) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ValidationFailed.field(path, f"must be a non-empty string of at most {limit} characters")
    return value


def register_camera(db: Database, body: Any) -> dict[str, Any]:
    """``{name, local_camera_id?, ...settings}`` -> the camera (the same one for the same name)."""
    if not isinstance(body, Mapping):
        raise ValidationFailed.field("body", "must be an object {name, ...}")
    name = _text(body.get("name"), "name")
    local = body.get("local_camera_id") or local_camera_id(name)
    local = _text(local, "local_camera_id", 64)
    settings = {k: v for k, v in body.items() if k not in ("name", "local_camera_id")}
    if len(str(settings)) > 10_000:
        raise ValidationFailed.field("body", "camera settings are limited to 10000 characters")
    try:
        check_values(settings)  # sizes and rates reach the motion worker: bounded here
    except ConfigError as exc:
        key = next((k for k in settings if k in str(exc)), "body")
        raise ValidationFailed.field(key, str(exc).removeprefix("hook data ")) from None
    with db.write() as conn:
        row = conn.execute(select(cameras).where(cameras.c.name == name)).one_or_none()
        if row is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(cameras).values(name=name, local_camera_id=local, created=utcnow(),
                                                        data=settings))
            except IntegrityError:
                pass  # registered by a concurrent call: read it back
            row = conn.execute(select(cameras).where(cameras.c.name == name)).one()
        elif settings and settings != row.data:
            conn.execute(update(cameras).where(cameras.c.id == row.id).values(data={**row.data, **settings}))
            row = conn.execute(select(cameras).where(cameras.c.id == row.id)).one()
    return present_camera(row)


def present_camera(row: Any) -> dict[str, Any]:
    return {"camera_id": format_id(row.id), "name": row.name, "local_camera_id": row.local_camera_id,
            "settings": row.data}


def _camera_project(db: Database) -> int:
    """The project videos go to when the import names none (made once, found by title afterwards)."""
    title = "Camera imports"
    with db.read() as conn:
        for row in conn.execute(select(projects.c.id, projects.c.data).order_by(projects.c.id)):
            data = ProjectData.of(row.data)
            if data.public_name == title and data.input_type == "VIDEO":
                return int(row.id)
    made = asset_import.create_project(db, {"title": title, "input_type": "VIDEO", "json_interface": _INTERFACE})
    return int(parse_id(made["id"]) or 0)


def _request(db: Database, body: Any) -> dict[str, Any]:
    if not isinstance(body, Mapping):
        raise ValidationFailed.field("body", "must be an object {item_count, cameras, earliest_date, latest_date}")
    count = body.get("item_count")
    if isinstance(count, bool) or not isinstance(count, int) or not 0 < count <= MAX_ITEMS:
        raise ValidationFailed.field("item_count", f"must be an integer in 1..{MAX_ITEMS}")
    size = body.get("item_average_size_bytes", 0)
    if isinstance(size, bool) or not isinstance(size, int | float) or size < 0:
        raise ValidationFailed.field("item_average_size_bytes", "must be a number >= 0")
    cams = body.get("cameras")
    if not isinstance(cams, list) or not cams or len(cams) > MAX_CAMERAS:
        raise ValidationFailed.field("cameras", f"must be a non-empty list of at most {MAX_CAMERAS} {{name}} objects")
    for i, cam in enumerate(cams):
        if not isinstance(cam, Mapping):
            raise ValidationFailed.field(f"cameras[{i}]", "must be an object {name, camera_id?}")
        _text(cam.get("name"), f"cameras[{i}].name")
    earliest = parse_time(body.get("earliest_date"), "earliest_date")
    latest = parse_time(body.get("latest_date"), "latest_date")
    if earliest is None or latest is None:
        raise ValidationFailed.field("earliest_date" if earliest is None else "latest_date", "is required")
    if earliest > latest:
        raise ValidationFailed.field("earliest_date", "is after latest_date")
    shard = body.get("shard_size", SHARD_CAPACITY)
    if isinstance(shard, bool) or not isinstance(shard, int) or not 1 <= shard <= SHARD_CAPACITY:
        raise ValidationFailed.field("shard_size", f"must be an integer in 1..{SHARD_CAPACITY}")
    out = {k: body[k] for k in ("device_id", "item_count", "item_average_size_bytes", "cameras",
                                "earliest_date", "latest_date", "idempotency_key", "shard_size") if k in body}
    for key in ("project_id", "pool_id"):
        if body.get(key) is not None:
            number = parse_id(str(body[key]))
            if number is None:
                raise ValidationFailed.field(key, f"{body[key]!r} is not an id")
            out[key] = format_id(number)
    with db.read() as conn:
        if "pool_id" in out:
            pool = conn.execute(select(pools).where(pools.c.id == parse_id(out["pool_id"]))).one_or_none()
            if pool is None:
                raise ValidationFailed.field("pool_id", f"pool {out['pool_id']} does not exist", "DOES_NOT_EXIST")
        if "project_id" in out:
            project = conn.execute(select(projects).where(projects.c.id == parse_id(out["project_id"]))).one_or_none()
            if project is None:
                raise ValidationFailed.field("project_id", f"project {out['project_id']} does not exist",
                                             "DOES_NOT_EXIST")
            if ProjectData.of(project.data).input_type != "VIDEO":
                raise ValidationFailed.field("project_id", "must be a VIDEO project (made with an input_type)")
    if "project_id" not in out:
        out["project_id"] = format_id(_camera_project(db))
    return out


def shard_sizes(count: int, capacity: int = SHARD_CAPACITY) -> list[int]:
    """4099 items -> [2048, 2048, 3]."""
    return [min(capacity, count - start) for start in range(0, count, capacity)]


def create_job(db: Database, body: Any) -> dict[str, Any]:
    """Create an import job (or return the one made with the same ``idempotency_key``).

    Its shards start ``missing``: each is released to the workers once all its files have arrived.
    """
    request = _request(db, body)
    key = request.get("idempotency_key")
    if key is not None:
        key = _text(key, "idempotency_key", 200)
    sizes = shard_sizes(request["item_count"], request.get("shard_size", SHARD_CAPACITY))
    plans = [ShardPlan((), status="missing", item_count=n) for n in sizes]
    with db.write() as conn:
        job_id = submit(conn, KIND, request, shards=plans, project_id=parse_id(request["project_id"]),
                        idempotency_key=key)
        return _present(conn, _job_row(conn, job_id))


def _job_row(conn: Any, job_id: int) -> Any:
    row = conn.execute(select(jobs).where(jobs.c.id == job_id, jobs.c.kind == KIND)).one_or_none()
    if row is None:
        raise NotFound(f"camera import job {format_id(job_id)} does not exist")
    return row


def _capacities(conn: Any, job_id: int) -> dict[int, int]:
    """Planned files of each shard."""
    rows = conn.execute(select(job_shards.c.shard_id, job_shards.c.item_count).where(job_shards.c.job_id == job_id))
    return {int(r.shard_id): int(r.item_count) for r in rows}


def _present(conn: Any, row: Any) -> dict[str, Any]:
    """The job object of the jobs API, with each shard's upload URL."""
    body = job_executor.present(conn, [row])[0]
    for shard_id, shard in body["shard_map"].items():
        shard["upload_url"] = f"/api/v1/camera-imports/{body['job_id']}/shards/{shard_id}"
    return body


def get_job(db: Database, job_id: int) -> dict[str, Any]:
    with db.read() as conn:
        return _present(conn, _job_row(conn, job_id))


def cancel_job(db: Database, job_id: int) -> dict[str, Any]:
    """Stop an import (`job_executor.stop`): files still to come are refused, shards not started never run."""
    with db.write() as conn:
        job_executor.stop(conn, _job_row(conn, job_id))
        return _present(conn, _job_row(conn, job_id))


def find_jobs(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    conditions = [jobs.c.kind == KIND, *range_conditions(jobs, query, ("id", "created"))]
    with db.read() as conn:
        return page(conn, jobs, conditions, query, lambda c, rows: [_present(c, r) for r in rows],
                    limit_default=settings.page_limit_default, limit_max=settings.page_limit_max)


def _release_if_full(conn: Any, job_id: int, shard: int) -> None:
    """A shard whose files have all arrived goes to the workers (motion events of each file)."""
    row = conn.execute(select(job_shards.c.received, job_shards.c.item_count).where(
        job_shards.c.job_id == job_id, job_shards.c.shard_id == shard)).one()
    if row.received >= row.item_count:
        ready(conn, job_id, shard)


def register_shard(db: Database, job_id: int, shard: int, body: Any) -> dict[str, Any]:
    """``{item_count, hash_map: {sha1: {original_filename, size_MB}}}``: what the shard will hold."""
    if not isinstance(body, Mapping) or not isinstance(body.get("hash_map"), Mapping):
        raise ValidationFailed.field("hash_map", "is required: {sha1: {original_filename, size_MB}}")
    hash_map, count = body["hash_map"], body.get("item_count")
    if count != len(hash_map):
        raise ValidationFailed.field("item_count", f"is {count!r} but hash_map holds {len(hash_map)} items")
    with db.write() as conn:
        _job_row(conn, job_id)
        row = conn.execute(select(job_shards).where(job_shards.c.job_id == job_id,
                                                    job_shards.c.shard_id == shard)).one_or_none()
        if row is None:
            raise NotFound(f"job {format_id(job_id)} has no shard {shard}")
        payload = dict(row.payload or {})
        if count > row.item_count:
            raise ValidationFailed.field("item_count", f"shard {shard} holds at most {row.item_count} items")
        digest = hashlib.sha1("\n".join(sorted(map(str, hash_map))).encode()).hexdigest()
        known = payload.get("registered")
        if known is not None and known != digest:
            raise ConflictState(f"shard {shard} of job {format_id(job_id)} was registered with other contents")
        conn.execute(update(job_shards).where(job_shards.c.id == row.id)
                     .values(payload={**payload, "registered": digest}))
        return _present(conn, _job_row(conn, job_id))


async def receive(db: Database, settings: Settings, job_id: int, query: Mapping[str, str],
                  chunks: AsyncIterator[bytes]) -> dict[str, Any]:
    """Store one posted file (query: shard_id, camera_id, hash, timestamp, filename)."""
    sha1 = (query.get("hash") or "").lower()
    if len(sha1) != 40 or any(c not in "0123456789abcdef" for c in sha1):
        raise ValidationFailed.field("hash", "must be the file's SHA-1 as 40 hex digits")
    shard_raw = query.get("shard_id") or "0"
    if not shard_raw.isdigit():
        raise ValidationFailed.field("shard_id", "must be a shard number")
    shard = int(shard_raw)
    camera = parse_id(query.get("camera_id") or "")
    if camera is None:
        raise ValidationFailed.field("camera_id", "is required (from POST /cameras)")
    start = parse_time(query.get("timestamp"), "timestamp")
    if start is None:
        raise ValidationFailed.field("timestamp", "is required: the file's UTC start time")
    filename = PurePosixPath((query.get("filename") or f"{sha1}.mp4").replace("\\", "/")).name[-200:]
    with db.read() as conn:
        job = _job_row(conn, job_id)
        if shard not in _capacities(conn, job_id):
            raise ValidationFailed.field("shard_id", f"job {format_id(job_id)} has no shard {shard}")
        if job.status in JOB_FINAL:
            raise ConflictState(f"job {format_id(job_id)} is {job.status}: it takes no more files")
        cam = conn.execute(select(cameras).where(cameras.c.id == camera)).one_or_none()
        if cam is None:
            raise ValidationFailed.field("camera_id", f"camera {query.get('camera_id')} does not exist",
                                         "DOES_NOT_EXIST")
        known = conn.execute(select(camera_files).where(camera_files.c.job_id == job_id,
                                                        camera_files.c.sha1 == sha1)).one_or_none()
    if known is not None:
        async for _ in chunks:  # drain the body so the connection stays usable
            pass
        return {"status": "duplicate", "file_id": format_id(known.id),
                "asset_id": format_id(known.asset_id) if known.asset_id else None}
    ref = await _spool(settings, job.project_id, filename, sha1, chunks)
    return _record(db, settings, job, shard, cam, sha1, start, filename, ref)


async def _spool(settings: Settings, project_id: int, filename: str, sha1: str,
                 chunks: AsyncIterator[bytes]) -> str:
    spool = settings.home / "tmp"
    spool.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=spool, prefix="camera-upload-")
    digest, size = hashlib.sha1(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > settings.max_upload_bytes:
                    raise PayloadTooLarge(f"{filename}: larger than the limit of {settings.max_upload_bytes} bytes")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationFailed.field("body", f"{filename} is empty (0 bytes)", "EMPTY")
        if digest.hexdigest() != sha1:
            raise ValidationFailed.field("hash", f"the body's SHA-1 is {digest.hexdigest()}, not {sha1}", "MISMATCH")
        store = asset_import.storage(settings)
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in filename) or "file.mp4"

        def _put() -> str:
            with open(tmp, "rb") as src:
                return store.put_content(src, prefix=layout.uploads_prefix(project_id), suffix="/" + safe)

        key = await asyncio.to_thread(_put)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return "upload:" + key[len(layout.uploads_prefix(project_id)) + 1:]


def _record(db: Database, settings: Settings, job: Any, shard: int, cam: Any, sha1: str, start: datetime,
            filename: str, ref: str) -> dict[str, Any]:
    external = f"{cam.name}/{sha1}{PurePosixPath(filename).suffix}"[:500]
    try:
        made = asset_import.import_assets(db, settings, job.project_id, [{"content": ref, "external_id": external}])
        asset_id = int(next(iter(made["items"].values()))["id"])  # our own public id: its digits
    except ValidationFailed:  # the same content came in through an earlier job: its asset is reused
        with db.read() as conn:
            asset_id = conn.execute(select(assets.c.id).where(assets.c.project_id == job.project_id,
                                                              assets.c.external_id == external)).scalar_one()
    with db.write() as conn:
        try:
            with conn.begin_nested():
                file_id = int(conn.execute(insert(camera_files).values(
                    job_id=job.id, shard_id=shard, sha1=sha1, camera_id=cam.id, asset_id=asset_id,
                    filename=filename, start=start, status="received", created=utcnow(),
                ).returning(camera_files.c.id)).scalar_one())
                known = conn.execute(select(job_items.c.id).where(job_items.c.job_id == job.id,
                                                                  job_items.c.key == sha1)).first()
                if known is None:
                    add_items(conn, job.id, shard, [sha1])
        except IntegrityError:  # the same file raced in on another connection
            return {"status": "duplicate", "asset_id": format_id(asset_id)}
        except JobRequestError:
            raise ConflictState(f"shard {shard} of job {format_id(job.id)} is not receiving files "
                                "(it is complete, or all its files have arrived)") from None
        _release_if_full(conn, job.id, shard)
    return {"status": "created", "file_id": format_id(file_id), "asset_id": format_id(asset_id)}
