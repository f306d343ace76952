"""The built-in hooks: the five hook functions, posting to a clipcrowd server (the reference implementation).

- ``register_camera`` -> ``POST /cameras`` (the same camera for the same name, with its settings);
- ``assign_job_ids`` -> ``POST /camera-imports`` (idempotent on the files' hashes, so a run killed
  right after the call gets the same job back), then each row its shard in numeric shard order;
- ``post_video_content`` -> ``POST /camera-imports/{job}/content`` with the raw file and its SHA-1
  (the server answers ``duplicate`` for a file it already has);
- ``register_jobs`` -> ``PUT`` each shard's ``upload_url`` with its hash map.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from .client import Server, ServerError
from .errors import ConfigError
from .hookdata import camera_config
from .names import local_camera_id

log = logging.getLogger("clipcrowd.import")


class ServerHooks:
    """Hooks bound to one server session and one run's state (through ``importer.db``)."""

    def __init__(self, server: Server, *, project: str | None = None, pool: str | None = None) -> None:
        self.server = server
        self.project, self.pool = project, pool
        self.data: dict[str, Any] = {}
        self.importer: Any = None

    def bind(self, importer: Any) -> None:
        """Called by the run before any hook: the state is how a posted path finds its job and hash."""
        self.importer = importer

    def set_hook_data(self, data: dict[str, Any]) -> None:
        self.data.update({k: v for k, v in data.items() if k != "logger"})

    def register_camera(self, camera_name: str, host: str | None = None, port: int | None = None) -> dict[str, Any]:
        config = {k: v for k, v in camera_config(self.data, camera_name).items() if k != "name"}
        body = {"name": camera_name, "local_camera_id": local_camera_id(camera_name), **config}
        try:
            return dict(self.server.call("POST", "/api/v1/cameras", json=body))
        except ServerError as exc:
            if exc.status in (401, 403):  # no file of this run could be posted: stop, exit 1
                raise ConfigError(f"the server refused the token ({exc}): give -a/--token or CLIPCROWD_TOKEN") \
                    from None
            raise

    def assign_job_ids(self, importer: Any, db: Any, unscheduled: list[dict[str, Any]]) -> str | None:
        self.importer = importer
        if not unscheduled:
            return None
        cams = {r["camera"] for r in unscheduled}
        ends = [r["epoch_utc"] for r in unscheduled]
        request: dict[str, Any] = {
            "item_count": len(unscheduled),
            "item_average_size_bytes": int(sum(r.get("size") or 0 for r in unscheduled) / len(unscheduled)),
            "cameras": [{"name": c, "camera_id": importer.cameras.get(c, {}).get("camera_id")} for c in sorted(cams)],
            "earliest_date": min(ends), "latest_date": max(_end(r) for r in unscheduled),
            "idempotency_key": hashlib.sha1("\n".join(sorted(r["key"] for r in unscheduled)).encode()).hexdigest(),
        }
        if self.project:
            request["project_id"] = self.project
        if self.pool:
            request["pool_id"] = self.pool
        if "shard_size" in self.data:
            request["shard_size"] = self.data["shard_size"]
        job = self.server.call("POST", "/api/v1/camera-imports", json=request)
        shards = sorted(job["shard_map"].values(), key=lambda s: int(s["shard_id"]))  # numeric, not string, order
        rows = iter(unscheduled)
        for shard in shards:
            for _ in range(int(shard["item_count"])):
                row = next(rows, None)
                if row is None:
                    break
                row.update(job_id=job["job_id"], shard_id=shard["shard_id"], upload_url=shard.get("upload_url"))
                db[row["key"]] = row
        db.sync()
        return str(job["job_id"])

    def post_video_content(self, camera_name: str, camera_id: str, filepath: str, timestamp: str,
                           location: tuple[Any, Any] | None = None, host: str | None = None,
                           port: int | None = None) -> bool:
        row = self.importer.db.find_file(filepath) if self.importer is not None else None
        if row is None or not row.get("job_id"):
            raise LookupError(f"{filepath} has no job: assign_job_ids did not schedule it")
        params = {"shard_id": row.get("shard_id") or "0", "camera_id": camera_id,
                  "local_camera_id": local_camera_id(camera_name), "hash": row["key"],
                  "timestamp": row["epoch_utc"], "filename": filepath.replace("\\", "/").rsplit("/", 1)[-1]}
        if location and location[0] is not None:
            params.update(lat=str(location[0]), lng=str(location[1]))
        answer = self.server.call("POST", f"/api/v1/camera-imports/{row['job_id']}/content", params=params,
                                  body_factory=lambda: open(filepath, "rb"),  # noqa: SIM115 - closed by Server.call
                                  headers={"Content-Type": "application/octet-stream"})
        if answer.get("status") == "duplicate":
            log.info("%s: the server already had it (job %s)", filepath, row["job_id"])
        return answer.get("status") in ("created", "duplicate")

    def register_jobs(self, importer: Any, db: Any, jobs: Iterable[tuple[str, str]]) -> bool:
        for job_id, shard_id in sorted(jobs, key=lambda js: (js[0], int(js[1]))):
            rows = [r for r in db.values() if str(r.get("job_id")) == job_id and str(r.get("shard_id")) == shard_id]
            hash_map = {r["key"]: {"original_filename": r["filename"],
                                   "size_MB": round((r.get("size") or 0) / 2**20, 3)} for r in rows}
            self.server.call("PUT", f"/api/v1/camera-imports/{job_id}/shards/{shard_id}",
                             json={"job_id": job_id, "shard_id": shard_id, "item_count": len(hash_map),
                                   "hash_map": hash_map})
        return True


def _end(row: dict[str, Any]) -> str:
    """The row's UTC start plus its duration, in the same ISO form."""
    from datetime import datetime, timedelta

    start = datetime.fromisoformat(row["epoch_utc"])
    return (start + timedelta(seconds=float(row.get("duration") or 0))).isoformat(timespec="milliseconds")
