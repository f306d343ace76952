"""Asset import use cases: projects from a JSON interface, uploads, and import calls.

An import call checks every item before anything is written; valid items become PENDING assets
and one ``asset.process`` job (one item per asset) in the same transaction, invalid ones are
reported per item (their index, external id and the path of the fault) and do not stop the others.
Processing runs on the job runner (:mod:`clipcrowd.jobs`); the caller wakes the executor after the call.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from clipcrowd import ingest
from clipcrowd.compat.kili_interface import project_from_interface
from clipcrowd.domain.assets import INPUT_TYPES, check_input_type
from clipcrowd.domain.errors import ClipcrowdError, PayloadTooLarge, ValidationFailed
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.models.projects import ProjectData
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.ingest import defaults as ingest_defaults
from clipcrowd.ingest import layout
from clipcrowd.jobs import Handler, ShardRun, register, split, submit
from clipcrowd.media import Storage
from clipcrowd.services import projects
from clipcrowd.services.asset_views import present
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database
from clipcrowd.store.tables import assets

_SAFE_NAME = 100


@register(ingest.PROCESS_KIND)
class ProcessAssets(Handler):
    """Probe, cover, proxy and frames for the assets of one import call (an item per asset).

    Shards are small: each asset is minutes of CPU, and small shards spread them over workers.
    """

    shard_size = 4

    def plan(self, request: Mapping[str, Any]) -> list[Any]:
        return split((str(a) for a in request["asset_ids"]), self.shard_size)

    def run_shard(self, shard: ShardRun) -> None:
        for key in shard.pending():
            shard.check()
            asset_id = int(key)
            ingest.process_asset(shard.db, {"asset_id": asset_id}, shard.context)
            with shard.db.read() as conn:
                row = conn.execute(select(assets.c.status, assets.c.error).where(assets.c.id == asset_id)).first()
            result = {"asset_id": format_id(asset_id)}
            if row is None:
                shard.skipped(key, "the asset was deleted")
            elif row.status == "READY":
                shard.done(key, {**result, "status": row.status})
            else:
                shard.failed(key, row.error or f"the asset ended {row.status}", {**result, "status": row.status})


def storage(settings: Settings) -> Storage:
    return Storage(settings.resolved_storage_url)


def create_project(db: Database, body: Any) -> dict[str, Any]:
    """A project from ``{title, description, input_type, json_interface}`` (Kili's create_project)."""
    if not isinstance(body, Mapping):
        raise ValidationFailed.field("body", "must be a JSON object")
    interface = body.get("json_interface", body.get("jsonInterface"))
    project = project_from_interface(body.get("input_type"), interface, title=body.get("title"),
                                            description=body.get("description"))
    return projects.create(db, project)


def input_type(db: Database, project_id: int) -> str:
    with db.read() as conn:
        row = projects.load(conn, project_id)
    kind = ProjectData.of(row.data).input_type
    if kind is None:
        raise ValidationFailed.field(
            "project_id", f"project {format_id(project_id)} has no input_type; set one of {list(INPUT_TYPES)}")
    return check_input_type(kind, "project.input_type")


async def upload(db: Database, settings: Settings, project_id: int, name: str,
                 chunks: AsyncIterator[bytes]) -> dict[str, Any]:
    """Stream an uploaded file into the project's uploads (content-addressed); refuse it whole if too big."""
    input_type(db, project_id)
    cap = settings.max_upload_bytes
    # the key keeps the sender's file name (made safe) so errors can name the file as sent
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", PurePosixPath(os.path.basename(name or "")).name)[-_SAFE_NAME:]
    suffix = "/" + (safe.lstrip(".") or "upload")
    spool = settings.home / "tmp"
    spool.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=spool, prefix="asset-upload-")
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > cap:
                    raise PayloadTooLarge(f"{name}: the file is larger than the limit of {cap} bytes",
                                          {"file": {"code": "TOO_LARGE", "message": f"limit {cap} bytes"}})
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationFailed.field("file", f"{name or 'the file'} is empty (0 bytes)", "EMPTY")
        store = storage(settings)

        def _put() -> str:
            with open(tmp, "rb") as src:
                return store.put_content(src, prefix=layout.uploads_prefix(project_id), suffix=suffix)

        key = await asyncio.to_thread(_put)
    finally:
        Path(tmp).unlink(missing_ok=True)
    ref = key[len(layout.uploads_prefix(project_id)) + 1:]
    return {"ref": f"{ingest.UPLOAD_PREFIX}{ref}", "name": name, "size": size, "sha256": digest.hexdigest()}


def _fault(exc: ClipcrowdError, external_id: Any) -> dict[str, Any]:
    body = exc.body()
    if isinstance(external_id, str):
        body["external_id"] = external_id
        body["message"] = f"asset {external_id!r}: {exc.message}"
    return body


def import_assets(db: Database, settings: Settings, project_id: int, items: Any) -> dict[str, Any]:
    """Add ``items`` to the project; returns ``{items: {index: asset}, validation_errors: {index: error}}``.

    Raises VALIDATION_ERROR (naming every item) only when no item at all could be imported.
    """
    kind = input_type(db, project_id)
    if not isinstance(items, list) or not items:
        raise ValidationFailed.field("assets", "must be a non-empty list of assets")
    if len(items) > min(settings.max_batch_items, ingest_defaults.MAX_BATCH_ASSETS):
        raise ValidationFailed.field("assets", f"at most {ingest_defaults.MAX_BATCH_ASSETS} assets in one call")
    store = storage(settings)
    prefix = layout.uploads_prefix(project_id)

    def exists(name: str) -> bool:
        try:
            return store.exists(f"{prefix}/{name}")
        except ValueError:
            return False

    checked: dict[int, ingest.Item] = {}
    errors: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}
    for i, raw in enumerate(items):
        ext = raw.get("external_id") if isinstance(raw, Mapping) else None
        try:
            item = ingest.check_item(raw, i, kind, exists)
            if item.external_id in seen:
                first = seen[item.external_id]
                raise ValidationFailed.field(f"assets[{i}].external_id",
                                             f"{item.external_id!r} is repeated (also assets[{first}])", "DUPLICATE")
            seen[item.external_id] = i
            checked[i] = item
        except ValidationFailed as exc:
            errors[str(i)] = _fault(exc, ext)
    created: dict[str, dict[str, Any]] = {}
    asset_ids: list[int] = []
    now = utcnow()
    with db.write() as conn:
        for i, item in checked.items():
            try:
                with conn.begin_nested():
                    asset_id = conn.execute(insert(assets).values(
                        project_id=project_id, external_id=item.external_id, kind=item.kind, status="PENDING",
                        created=now, updated=now, source=item.source, json_metadata=item.json_metadata,
                    ).returning(assets.c.id)).scalar_one()
            except IntegrityError:
                taken = ValidationFailed.field(f"assets[{i}].external_id",
                                               f"{item.external_id!r} already exists in this project", "DUPLICATE")
                errors[str(i)] = _fault(taken, item.external_id)
                continue
            new = conn.execute(select(assets).where(assets.c.id == asset_id)).one()
            created[str(i)] = present(new, labelling_status="TODO")  # no task can point at it yet
            asset_ids.append(asset_id)
        if created:
            job_id = submit(conn, ingest.PROCESS_KIND, {"project_id": format_id(project_id), "asset_ids": asset_ids},
                            project_id=project_id)
    if not created:
        payload = {k: v for e in errors.values() for k, v in (e.get("payload") or {}).items()}
        raise ValidationFailed("; ".join(e["message"] for e in errors.values()), payload)
    return {"items": created, "validation_errors": errors, "job_id": format_id(job_id)}
