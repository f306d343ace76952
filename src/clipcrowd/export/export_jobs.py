"""Big exports as a job: the file is written once by a job worker into storage, then downloaded.

A streamed download holds a request (and the client) for as long as the pool takes to read; for a
million tasks that is minutes per download. `POST /api/v1/pools/{id}/exports {"format": "csv"}`
submits an `export.pool` job instead (one shard, one item: the pool); its worker writes the same
bytes the streamed download sends (`export.downloads.pool_results`) to
`exports/<job id>.<format>` in the media storage — under a temporary key first, moved into place
when complete, so a half-written file is never served — and `GET …/exports/{job id}/file` streams
the finished file. Small exports keep streaming directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import select

from clipcrowd.domain.errors import ConflictState, NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id
from clipcrowd.export import downloads
from clipcrowd.jobs import Handler, ShardPlan, ShardRun, register, submit
from clipcrowd.media.storage import Storage
from clipcrowd.services import pools
from clipcrowd.store.db import Database
from clipcrowd.store.tables import jobs

JOB_KIND = "export.pool"
CHUNK = 1 << 20  # bytes read from the stored file per piece of the response


def key(job_id: int, fmt: str) -> str:
    return f"exports/{format_id(job_id)}.{fmt}"


class _Reader:
    """The export's byte stream as a file object, for `Storage.put` (which reads in chunks)."""

    def __init__(self, pieces: Iterator[bytes]):
        self.pieces, self.rest = pieces, b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.rest) < size:
            piece = next(self.pieces, None)
            if piece is None:
                break
            self.rest += piece
        if size < 0:
            out, self.rest = self.rest, b""
        else:
            out, self.rest = self.rest[:size], self.rest[size:]
        return out


@register(JOB_KIND)
class ExportPool(Handler):
    """Writes one pool's export; running it again writes the same file again (idempotent)."""

    def plan(self, request: Any) -> list[ShardPlan]:
        return [ShardPlan([str(request["pool_id"])])]

    def run_shard(self, shard: ShardRun) -> None:
        for item in shard.pending():
            fmt = str(shard.request["format"])
            body = downloads.pool_results(shard.db, int(item), fmt).body
            reader: IO[bytes] = _Reader(body)  # type: ignore[assignment]
            size = Storage(shard.context["storage_url"]).put(key(shard.job_id, fmt), reader)
            shard.done(item, {"bytes": size, "format": fmt})


def start(db: Database, pool_id: int, body: Any) -> int:
    """Check `{format}` and the pool, then submit the job; returns its id (the caller wakes the executor)."""
    fmt = body.get("format") if isinstance(body, dict) else None
    if fmt not in downloads.MEDIA_TYPES:
        raise ValidationFailed.field("format", f"unknown format {fmt!r}; one of {sorted(downloads.MEDIA_TYPES)}")
    with db.write() as conn:
        pools.load(conn, pool_id)  # NotFound: 404
        return submit(conn, JOB_KIND, {"pool_id": format_id(pool_id), "format": fmt})


def finished_file(db: Database, storage_url: str, pool_id: int, job_id: int) -> downloads.Download:
    """The finished export of this pool's job as a download (404: no such export of this pool;
    409: not finished yet, or failed)."""
    with db.read() as conn:
        row = conn.execute(select(jobs.c.kind, jobs.c.payload, jobs.c.status).where(jobs.c.id == job_id)).one_or_none()
    request = (row.payload or {}) if row is not None else {}
    if row is None or row.kind != JOB_KIND or request.get("pool_id") != format_id(pool_id):
        raise NotFound(f"export {format_id(job_id)} of pool {format_id(pool_id)} does not exist")
    if row.status != "complete":
        raise ConflictState(f"export {format_id(job_id)} is {row.status}: the file is ready when it is complete")
    fmt = str(request["format"])
    storage = Storage(storage_url)

    def pieces() -> Iterator[bytes]:
        with storage.open(key(job_id, fmt)) as stored:
            while piece := stored.read(CHUNK):
                yield piece

    return downloads.Download(downloads.MEDIA_TYPES[fmt], f"pool-{pool_id}.{fmt}", pieces())
