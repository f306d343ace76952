"""Motion events as the API shows them: listing (keyset pages), one event, its cover and clip, labels.

An event's ``labels`` are the union of the labels written to it directly (``PUT .../labels``:
machine labellers, corrections) and the labels its crowd task was given by the pool's latest
aggregation run, so a reader never needs to know which came from where (``label_sources`` says).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from clipcrowd.domain.errors import NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id, parse_id
from clipcrowd.domain.timeutil import format_time, parse_time
from clipcrowd.media import Storage
from clipcrowd.services import label_runs
from clipcrowd.services.paging import page, range_conditions
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database
from clipcrowd.store.tables import camera_events, cameras

#: Bounds on labels written directly.
MAX_LABELS = 100
MAX_LABEL_CHARS = 200


def _crowd(conn: Any, task_ids: Sequence[int]) -> dict[int, list[str]]:
    """Labels of each task from its newest aggregation result (one per field)."""
    out: dict[int, dict[str, tuple[Any, list[str]]]] = {}
    if not task_ids:
        return {}
    for row in label_runs.latest(conn, task_ids=task_ids):
        value = row.label
        values = value if isinstance(value, list) else [value]
        out.setdefault(int(row.task_id), {})[row.field] = (row.created, [str(v) for v in values if v is not None])
    return {task: sorted({v for _, vs in fields.values() for v in vs}) for task, fields in out.items()}


def present(conn: Any, rows: Sequence[Any]) -> list[dict[str, Any]]:
    names = {int(r.id): r.name for r in conn.execute(
        select(cameras.c.id, cameras.c.name).where(cameras.c.id.in_({int(r.camera_id) for r in rows})))}
    crowd = _crowd(conn, [int(r.task_id) for r in rows if r.task_id is not None])
    out = []
    for r in rows:
        direct = [str(v) for v in r.labels]
        from_crowd = crowd.get(int(r.task_id), []) if r.task_id is not None else []
        ident = format_id(r.id)
        data = {k: v for k, v in r.data.items() if not k.endswith("_key")}
        out.append({
            "id": ident, "job_id": format_id(r.job_id), "camera": {"name": names.get(int(r.camera_id)),
                                                                   "camera_id": format_id(r.camera_id)},
            "asset_id": format_id(r.asset_id) if r.asset_id is not None else None,
            "start": format_time(r.start), "end": format_time(r.end), **data,
            "cover_url": f"/api/v1/events/{ident}/cover" if "cover_key" in r.data else None,
            "clip_url": f"/api/v1/events/{ident}/clip" if "clip_key" in r.data else None,
            "task_id": format_id(r.task_id) if r.task_id is not None else None,
            "labels": sorted(set(direct) | set(from_crowd)),
            "label_sources": {"direct": direct, "crowd": from_crowd},
        })
    return out


def find(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    conditions = range_conditions(camera_events, query, ("id",))
    if "job_id" in query:
        job = parse_id(query["job_id"])
        if job is None:
            raise ValidationFailed.field("job_id", f"{query['job_id']!r} is not an id")
        conditions.append(camera_events.c.job_id == job)
    if "camera" in query:
        name = query["camera"]
        if not name or len(name) > 500:
            raise ValidationFailed.field("camera", "must be a camera name (or camera_id)")
        wanted = select(cameras.c.id).where(cameras.c.name == name)
        number = parse_id(name)
        conditions.append(camera_events.c.camera_id.in_(wanted) if number is None else
                          (camera_events.c.camera_id.in_(wanted)) | (camera_events.c.camera_id == number))
    for key, method in (("start_gte", "__ge__"), ("start_lt", "__lt__"), ("start_gt", "__gt__"),
                        ("start_lte", "__le__")):
        if key in query:
            conditions.append(getattr(camera_events.c.start, method)(parse_time(query[key], key)))
    with db.read() as conn:
        return page(conn, camera_events, conditions, query, present, limit_default=settings.page_limit_default,
                    limit_max=min(settings.page_limit_max, 10_000), sortable=("id",))


def _row(conn: Any, event_id: int) -> Any:
    row = conn.execute(select(camera_events).where(camera_events.c.id == event_id)).one_or_none()
    if row is None:
        raise NotFound(f"event {format_id(event_id)} does not exist")
    return row


def get(db: Database, event_id: int) -> dict[str, Any]:
    with db.read() as conn:
        return present(conn, [_row(conn, event_id)])[0]


def media(db: Database, settings: Settings, event_id: int, part: str) -> tuple[Any, str]:
    """``(path or file object, media type)`` of an event's ``cover`` or ``clip``."""
    with db.read() as conn:
        row = _row(conn, event_id)
    key = row.data.get(f"{part}_key")
    if key is None:
        raise NotFound(f"event {format_id(event_id)} has no {part}")
    store = Storage(settings.resolved_storage_url)
    local = store.local_path(key)
    kind = "image/jpeg" if part == "cover" else "video/mp4"
    if local is not None:
        if not Path(local).exists():
            raise NotFound(f"the {part} of event {format_id(event_id)} is missing from storage")
        return local, kind
    return store.open(key), kind


def check_labels(body: Any) -> list[str]:
    if not isinstance(body, Mapping) or "labels" not in body:
        raise ValidationFailed.field("labels", "is required: {\"labels\": [\"...\"]}")
    labels = body["labels"]
    if not isinstance(labels, list) or len(labels) > MAX_LABELS:
        raise ValidationFailed.field("labels", f"must be a list of at most {MAX_LABELS} strings")
    out: list[str] = []
    for i, label in enumerate(labels):
        if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL_CHARS:
            raise ValidationFailed.field(f"labels[{i}]", f"must be a non-empty string of at most {MAX_LABEL_CHARS} "
                                                         "characters")
        if any(ord(c) < 32 and c not in "\t" for c in label):
            raise ValidationFailed.field(f"labels[{i}]", "must not hold control characters")
        if label not in out:
            out.append(label)
    return out


def put_labels(db: Database, event_id: int, body: Any) -> dict[str, Any]:
    """Replace the event's direct labels (crowd labels are untouched and still shown)."""
    labels = check_labels(body)
    with db.write() as conn:
        _row(conn, event_id)
        conn.execute(update(camera_events).where(camera_events.c.id == event_id).values(labels=labels))
        return present(conn, [_row(conn, event_id)])[0]
