"""Files workers upload as answers: streamed to storage under their SHA-256, with a size cap.

The upload is spooled to a temporary file while it is hashed and counted, so a file over the cap
or a broken connection leaves nothing behind, and two uploads of the same bytes share one blob.
A recording is stored playable: a browser's WebM (no duration, no index) is stream-copied into one
that has both (:func:`clipcrowd.media.make_seekable`), and every audio or video upload keeps its
duration, so the worker's preview and the review desk show its length and can seek.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from clipcrowd.domain.errors import AccessDenied, ConflictState, NotFound, PayloadTooLarge, ValidationFailed
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.models.projects import ProjectData
from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.media import MediaError, make_seekable
from clipcrowd.services import lifecycle, served_types, upload_check
from clipcrowd.services.pools import load as load_pool
from clipcrowd.services.projects import load as load_project
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database
from clipcrowd.store.tables import attachments

_CHUNK_LIMIT_NAME = 255


def seconds(duration_us: int | None) -> float | None:
    return None if duration_us is None else round(duration_us / 1_000_000, 3)


def present(row: Any) -> dict[str, Any]:
    return {
        "id": format_id(row.id), "attachment_type": "ASSIGNMENT_ATTACHMENT", "name": row.name,
        "media_type": row.media_type, "size": row.size, "sha256": row.sha256, "created": format_time(row.created),
        "duration": seconds(row.duration_us),
        "owner": {"type": "REQUESTER"},
        "details": {"user_id": format_id(row.worker_id), "assignment_id": format_id(row.assignment_id),
                    "pool_id": format_id(row.pool_id)},
    }


def blob_path(settings: Settings, sha256: str) -> Path:
    return settings.media_dir / "attachments" / sha256[:2] / sha256


async def receive(
    db: Database, settings: Settings, worker_id: int, assignment_id: int, *, name: str, media_type: str,
    declared_size: str | None, chunks: AsyncIterator[bytes],
) -> dict[str, Any]:
    """Store an uploaded file for an ACTIVE assignment of this worker; refuse it whole if too big."""
    name = os.path.basename(name)[:_CHUNK_LIMIT_NAME] or "upload"
    cap = settings.max_upload_bytes
    if declared_size and declared_size.isascii() and declared_size.isdigit() and int(declared_size) > cap:
        raise PayloadTooLarge(f"the file is {int(declared_size)} bytes; the limit is {cap} bytes")
    with db.read() as conn:
        row = lifecycle.load(conn, assignment_id)
        project = load_project(conn, load_pool(conn, row.pool_id).project_id)
    accepts = upload_check.accepted_kinds(ProjectData.of(project.data).task_spec.view_spec)
    if row.worker_id != worker_id:
        raise AccessDenied(f"assignment {format_id(assignment_id)} is not yours")
    if row.status != "ACTIVE":
        raise ConflictState(f"assignment {format_id(assignment_id)} is {row.status}: uploads need an ACTIVE one")
    spool_dir = settings.media_dir / "tmp"
    spool_dir.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, tmp_name = tempfile.mkstemp(dir=spool_dir, prefix="upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > cap:
                    raise PayloadTooLarge(f"the file is larger than the limit of {cap} bytes")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationFailed.field("file", "the uploaded file is empty")
        # decoded, not trusted by name: a refused file changes nothing and the assignment stays open
        await asyncio.to_thread(upload_check.check, Path(tmp_name), name=name, media_type=media_type,
                                accepts=accepts)
        detected = await asyncio.to_thread(served_types.detect, Path(tmp_name))  # never the declared type
        duration_us, sha = None, digest.hexdigest()
        if detected.startswith(("video/", "audio/")):
            duration_us, rewritten = await asyncio.to_thread(_playable, Path(tmp_name), spool_dir, cap)
            if rewritten:
                size, sha = await asyncio.to_thread(_hash, Path(tmp_name))
        target = blob_path(settings, sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            os.unlink(tmp_name)
        else:
            os.replace(tmp_name, target)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    with db.write() as conn:
        new_id = conn.execute(insert(attachments).values(
            worker_id=worker_id, assignment_id=assignment_id, pool_id=row.pool_id, name=name,
            media_type=detected, size=size, sha256=sha,
            storage_key=f"attachments/{sha[:2]}/{sha}", created=utcnow(), duration_us=duration_us,
        ).returning(attachments.c.id)).scalar_one()
        return present(conn.execute(select(attachments).where(attachments.c.id == new_id)).one())


def _playable(path: Path, spool_dir: Path, cap: int) -> tuple[int | None, bool]:
    """Rewrite `path` in place as a seekable copy where needed: its duration (µs), whether rewritten.
    The copy's index adds bytes; where that would take the file past the upload limit `cap`, the file is
    kept as the worker sent it (it was within the limit), so a stored file never exceeds the limit."""
    fd, fixed_name = tempfile.mkstemp(dir=spool_dir, prefix="remux-", suffix=".webm")
    os.close(fd)
    fixed = Path(fixed_name)
    try:
        try:
            done = make_seekable(path, fixed)
        except MediaError:
            done = None  # it decoded for the check; a file FFmpeg cannot copy is kept as it came
        rewritten = done is not None and done.remuxed and fixed.stat().st_size <= cap
        if rewritten:
            os.replace(fixed, path)
    finally:
        fixed.unlink(missing_ok=True)
    if done is None:
        return None, False
    return (round(done.duration * 1_000_000) if done.duration is not None else None), rewritten


def _hash(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def load(db: Database, attachment_id: int) -> Any:
    with db.read() as conn:
        row = conn.execute(select(attachments).where(attachments.c.id == attachment_id)).one_or_none()
    if row is None:
        raise NotFound(f"attachment {attachment_id} does not exist")
    return row


def get(db: Database, attachment_id: int) -> dict[str, Any]:
    return present(load(db, attachment_id))


def local_file(db: Database, settings: Settings, attachment_id: int) -> tuple[Any, Path]:
    """The row and the stored file; serve it with `served_types.served_type(row.media_type)`."""
    row = load(db, attachment_id)
    path = settings.media_dir / row.storage_key
    if not path.exists():
        raise NotFound(f"the file of attachment {attachment_id} is missing from storage")
    return row, path


def own_file(db: Database, settings: Settings, worker_id: int, attachment_id: int) -> tuple[Any, Path]:
    """Like :func:`local_file`, for the worker who uploaded it (her preview plays the stored copy)."""
    row, path = local_file(db, settings, attachment_id)
    if row.worker_id != worker_id:
        raise NotFound(f"attachment {attachment_id} does not exist")  # another's file is not even named
    return row, path
