"""Assets after import: search, metadata updates, deletion (of one asset or a whole project),
the files clipcrowd serves for them, and tasks made from them.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, String, Text, cast, delete, func, select, update

from clipcrowd import ingest
from clipcrowd.domain.assets import ASSET_FIELD, INPUT_TYPES, LABELLING_STATUSES
from clipcrowd.domain.errors import ConflictState, NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id, parse_id
from clipcrowd.domain.models.projects import ProjectData
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.ingest import layout
from clipcrowd.ingest.params import check_parameters, played_rate_for
from clipcrowd.media import BadFrameRateError
from clipcrowd.media.rate import frames_at
from clipcrowd.services import asset_status, projects
from clipcrowd.services import tasks as task_service
from clipcrowd.services.asset_import import storage
from clipcrowd.services.asset_views import FIELDS, asset_url, present
from clipcrowd.services.paging import capped, csv_values, id_value, page, range_conditions
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database
from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import assets, jobs, pools
from clipcrowd.store.tables import projects as projects_table
from clipcrowd.store.tables import tasks as tasks_table

STATUSES = ("PENDING", "PROCESSING", "READY", "ERROR")
_MEDIA_TYPES = {".mp4": "video/mp4", ".m4a": "audio/mp4", ".mov": "video/quicktime", ".mkv": "video/x-matroska",
                ".webm": "video/webm", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
                ".wav": "audio/wav", ".mp3": "audio/mpeg", ".avi": "video/x-msvideo"}


def load(conn: Connection, asset_id: int) -> Any:
    row = conn.execute(select(assets).where(assets.c.id == asset_id)).one_or_none()
    if row is None:
        raise NotFound(f"asset {format_id(asset_id)} does not exist")
    return row


def get(db: Database, asset_id: int) -> dict[str, Any]:
    with db.read() as conn:
        return shown(conn, [load(conn, asset_id)])[0]


def shown(conn: Connection, rows: Sequence[Any], fields: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Rows as public objects, each with its labelling status (one query for them all, when asked for)."""
    wanted = fields is None or "labelling_status" in fields
    labels = asset_status.statuses(conn, [r.id for r in rows]) if wanted else {}
    return [present(r, fields, labels.get(r.id)) for r in rows]


def find(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    """A page of assets: ``project_id``, ``external_id`` (comma list), ``external_id_contains``,
    ``status``, ``labelling_status``, ``kind`` (comma lists), ``fields`` (comma list), ``id_gt`` and
    friends, ``sort``, ``limit``."""
    conditions = range_conditions(assets, query, ("id", "created"))
    if "project_id" in query:
        conditions.append(assets.c.project_id == id_value(query["project_id"], "project_id"))
    exact = csv_values(query.get("external_id"), "external_id")
    if exact:
        conditions.append(one_of(assets.c.external_id, exact, String()))
    if query.get("external_id_contains"):
        needle = query["external_id_contains"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(assets.c.external_id.like(f"%{needle}%", escape="\\"))
    for name, allowed, value in (("status", STATUSES, assets.c.status), ("kind", INPUT_TYPES, assets.c.kind),
                                 ("labelling_status", LABELLING_STATUSES, asset_status.labelling_status())):
        wanted = csv_values(query.get(name), name)
        if wanted:
            bad = [w for w in wanted if w not in allowed]
            if bad:
                raise ValidationFailed.field(name, f"unknown {name} {bad[0]!r}; one of {list(allowed)}")
            conditions.append(value.in_(wanted))
    fields = csv_values(query.get("fields"), "fields")
    if fields:
        unknown = [f for f in fields if f not in FIELDS]
        if unknown:
            raise ValidationFailed.field("fields", f"unknown field {unknown[0]!r}; one of {list(FIELDS)}")
    with db.read() as conn:
        return page(conn, assets, conditions, query, lambda c, rows: shown(c, rows, fields),
                    limit_default=settings.page_limit_default, limit_max=settings.page_limit_max)


def _stored_rates(info: Mapping[str, Any]) -> tuple[Fraction | None, Fraction | None, Fraction]:
    """Base rate, average rate and duration of a probed video, back as Fractions from the stored JSON."""
    native = Fraction(info["native_rate"]) if info.get("native_rate") else None
    average = Fraction(info["average_rate"]).limit_denominator(1_001_000) if info.get("average_rate") else None
    return native, average, Fraction(info["video_duration"]).limit_denominator(1_000_000)


def _new_metadata(row: Any, meta: Any, where: str) -> dict[str, Any]:
    """``meta`` replaces the metadata; processingParameters are kept, and merged with any given."""
    if not isinstance(meta, Mapping):
        raise ValidationFailed.field(where, "must be an object")
    check_parameters(meta, where)
    kept = dict(row.json_metadata.get(ingest.PARAMS) or {})
    given = dict(meta.get(ingest.PARAMS) or {})
    params = {**kept, **given}
    info = row.info or {}
    fps = given.get("framesPlayedPerSecond")
    if fps is not None and row.kind == "VIDEO" and info.get("video_duration") is not None:
        native, average, duration = _stored_rates(info)
        try:
            rate = played_rate_for({"framesPlayedPerSecond": fps}, native, average)
        except BadFrameRateError as exc:
            raise ValidationFailed.field(f"{where}.{ingest.PARAMS}.framesPlayedPerSecond", str(exc)) from None
        if "numberOfFrames" not in given:
            params["shouldKeepNativeFrameRate"] = rate is None
            params["numberOfFrames"] = frames_at(rate, duration=duration, frame_count=info["frame_count"])
    out = dict(meta)
    if params:
        out[ingest.PARAMS] = params
    return out


#: Processing parameters that move an asset's frame grid: labels made on the old grid would be misplaced.
GRID_KEYS = ("framesPlayedPerSecond", "shouldKeepNativeFrameRate", "shouldUseNativeVideo", "startTime")


def _keep_grid_of_labelled(conn: Connection, row: Any, meta: Mapping[str, Any], where: str) -> None:
    """Refuse (409) a frame-grid change on an asset that a task made from it already has answers for."""
    old = row.json_metadata.get(ingest.PARAMS) or {}
    new = meta.get(ingest.PARAMS) or {}
    moved = [k for k in GRID_KEYS if k in new and new.get(k) != old.get(k)]
    if not moved:
        return
    pattern = f"%{asset_url(row.id, '')}%"
    answered = conn.execute(select(tasks_table.c.id).where(
        cast(tasks_table.c.data, Text).like(pattern), tasks_table.c.answered_count > 0).limit(1)).first()
    if answered is not None:
        raise ConflictState(f"{where}.{ingest.PARAMS}.{moved[0]}: asset {format_id(row.id)} already has labels on "
                            "its frame grid; changing it would misplace them", {
                                f"{where}.{ingest.PARAMS}.{moved[0]}": {"code": "LABELLED", "message": "has labels"}})


def update_metadata(db: Database, asset_id: int, body: Any) -> dict[str, Any]:
    if not isinstance(body, Mapping) or "json_metadata" not in body:
        raise ValidationFailed.field("json_metadata", "is required")
    with db.write() as conn:
        row = load(conn, asset_id)
        meta = _new_metadata(row, body["json_metadata"], "json_metadata")
        _keep_grid_of_labelled(conn, row, meta, "json_metadata")
        conn.execute(update(assets).where(assets.c.id == asset_id).values(json_metadata=meta, updated=utcnow()))
        return shown(conn, [load(conn, asset_id)])[0]


def update_many(db: Database, body: Any) -> dict[str, Any]:
    """``{project_id, items: [{external_id | id, json_metadata}]}``: all checked first, then all written."""
    if not isinstance(body, Mapping):
        raise ValidationFailed.field("body", "must be an object with project_id and items")
    project_id = parse_id(body.get("project_id"))
    if project_id is None:
        raise ValidationFailed.field("project_id", "is required")
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise ValidationFailed.field("items", "must be a non-empty list")
    with db.write() as conn:
        projects.load(conn, project_id)
        changes = []
        for i, item in enumerate(items):
            where = f"items[{i}]"
            if not isinstance(item, Mapping):
                raise ValidationFailed.field(where, "must be an object")
            if "id" in item:
                query = select(assets).where(assets.c.id == id_value(str(item["id"]), f"{where}.id"))
            elif isinstance(item.get("external_id"), str):
                query = select(assets).where(assets.c.external_id == item["external_id"])
            else:
                raise ValidationFailed.field(where, "needs an id or an external_id")
            row = conn.execute(query.where(assets.c.project_id == project_id)).one_or_none()
            if row is None:
                raise ValidationFailed.field(where, f"no asset {item.get('id', item.get('external_id'))!r} "
                                                    "in this project", "DOES_NOT_EXIST")
            meta = _new_metadata(row, item.get("json_metadata"), f"{where}.json_metadata")
            _keep_grid_of_labelled(conn, row, meta, f"{where}.json_metadata")
            changes.append((row.id, meta))
        now = utcnow()
        for asset_id, meta in changes:
            conn.execute(update(assets).where(assets.c.id == asset_id).values(json_metadata=meta, updated=now))
        rows = conn.execute(select(assets).where(one_of(assets.c.id, [c[0] for c in changes]))).all()
        return {"items": shown(conn, sorted(rows, key=lambda r: r.id))}


def delete_asset(db: Database, settings: Settings, asset_id: int) -> None:
    with db.write() as conn:
        row = load(conn, asset_id)
        conn.execute(delete(assets).where(assets.c.id == asset_id))
    storage(settings).delete_prefix(layout.asset_prefix(row.project_id, asset_id))


def delete_project(db: Database, settings: Settings, project_id: int) -> dict[str, Any]:
    """Delete a project with its assets, jobs and stored files; a project with pools is refused."""
    with db.write() as conn:
        projects.load(conn, project_id)
        if conn.execute(select(pools.c.id).where(pools.c.project_id == project_id).limit(1)).first() is not None:
            raise ConflictState(f"project {format_id(project_id)} has pools (tasks and answers): archive it instead")
        count = conn.execute(select(func.count()).select_from(assets).where(assets.c.project_id == project_id)).scalar()
        conn.execute(delete(jobs).where(jobs.c.project_id == project_id))
        conn.execute(delete(assets).where(assets.c.project_id == project_id))
        conn.execute(delete(projects_table).where(projects_table.c.id == project_id))
    files = storage(settings).delete_prefix(layout.project_prefix(project_id))
    return {"id": format_id(project_id), "deleted_assets": int(count or 0), "deleted_files": files}


def media_file(db: Database, settings: Settings, asset_id: int, part: str) -> tuple[Any, str]:
    """``(path or file object, media type)`` of an asset's ``content``, ``media``, ``proxy``, ``cover``
    or ``frames/<n>``; only READY assets have media."""
    with db.read() as conn:
        row = load(conn, asset_id)
    if row.status != "READY":
        raise ConflictState(f"asset {format_id(asset_id)} is {row.status}: it has no media yet")
    key = {"content": row.content_key, "media": row.proxy_key or row.content_key, "proxy": row.proxy_key,
           "cover": row.cover_key}.get(part)
    if part.startswith("frames/"):
        index = parse_id(part.split("/", 1)[1])
        if row.kind != "FRAME" or index is None or index >= len(row.json_content or []):
            raise NotFound(f"asset {format_id(asset_id)} has no frame {part.split('/', 1)[1]!r}")
        key = layout.asset_key(row.project_id, row.id, layout.frame_name(index))
    if key is None:
        raise NotFound(f"asset {format_id(asset_id)} has no {part}")
    store = storage(settings)
    media_type = _MEDIA_TYPES.get(Path(key).suffix.lower(), "application/octet-stream")
    local = store.local_path(key)
    if local is not None:
        if not local.exists():
            raise NotFound(f"the {part} of asset {format_id(asset_id)} is missing from storage")
        return local, media_type
    return store.open(key), media_type


def frame_table(db: Database, settings: Settings, asset_id: int) -> dict[str, Any]:
    """Frame N's pts is ``pts[N]`` (in ``time_base`` units): the table every frame index refers to."""
    with db.read() as conn:
        row = load(conn, asset_id)
    if row.status != "READY" or row.frames_key is None:
        raise NotFound(f"asset {format_id(asset_id)} has no frame table")
    with storage(settings).open(row.frames_key) as src:
        table = np.load(io.BytesIO(src.read()))
    return {"asset_id": format_id(asset_id), "time_base": (row.info or {}).get("time_base"),
            "frame_count": len(table), "pts": [int(v) for v in table]}


def tasks_from_assets(db: Database, body: Any) -> dict[str, Any]:
    """``{pool_id, asset_ids?, overlap?}``: one task per READY asset of the pool's project (all when no ids)."""
    if not isinstance(body, Mapping):
        raise ValidationFailed.field("body", "must be an object with pool_id")
    pool_id = parse_id(body.get("pool_id"))
    if pool_id is None:
        raise ValidationFailed.field("pool_id", "is required")
    with db.read() as conn:
        pool = conn.execute(select(pools).where(pools.c.id == pool_id)).one_or_none()
        if pool is None:
            raise ValidationFailed.field("pool_id", f"pool {body.get('pool_id')} does not exist", "DOES_NOT_EXIST")
        project = projects.load(conn, pool.project_id)
        query = select(assets).where(assets.c.project_id == pool.project_id, assets.c.status == "READY")
        wanted = body.get("asset_ids")
        if wanted is not None:
            if not isinstance(wanted, list):
                raise ValidationFailed.field("asset_ids", "must be a list of asset ids")
            ids = [id_value(str(a), "asset_ids") for a in capped(wanted, "asset_ids")]
            query = query.where(one_of(assets.c.id, ids))
        rows = conn.execute(query.order_by(assets.c.id)).all()
    if wanted is not None and len(rows) != len(set(wanted)):
        raise ValidationFailed.field("asset_ids", "every asset must exist, be READY and belong to the pool's project")
    if not rows:
        raise ValidationFailed.field("asset_ids", "there are no READY assets to make tasks from")
    spec = ProjectData.of(project.data).task_spec.input_spec
    field = ASSET_FIELD if ASSET_FIELD in spec else next(
        (n for n, f in spec.items() if f.get("type") == "url"), None)
    if field is None:
        raise ValidationFailed.field("pool_id", "the project's input_spec has no url field to point at an asset")
    extra = {"overlap": body["overlap"]} if "overlap" in body else {}
    items = [{"pool_id": format_id(pool_id), "input_values": {field: asset_url(r.id, "media")}, **extra}
             for r in rows]
    batch = task_service.prepare(db, items, allow_defaults=True, skip_invalid=False)
    return task_service.create_sync(db, batch, open_pool=False)
