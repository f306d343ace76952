"""One import run: scan, hash, probe, then the hooks in the legacy importer's order.

1. ``set_hook_data({"logger": ..., **file_json, **inline_json})``
2. walk, match names, read times, hash (fast path on size/mtime/inode), probe
3. ``register_camera(name, host=, port=)`` for each camera with new files, then
   ``set_hook_data({"registered_cameras": [...]})``
4. ``assign_job_ids(importer, db, unscheduled)`` once per ``job_max_items`` chunk
5. ``post_video_content(camera_name, camera_id, filepath, timestamp, location=(lat, lng), host=, port=)``
   per pending file, each outcome written to the state before the next post
6. ``register_jobs(importer, db, {(job_id, shard_id), ...})``

Every state change is committed as it happens, so a run killed at any point (even ``kill -9``)
restarts where it stopped: rows already scheduled keep their job and shard, rows left
``uploading`` are posted again (the server keys uploads on ``(job, sha1)``, so nothing doubles).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from clipcrowd.media import MediaError, probe

from . import clock, hookdata, hooks, scan
from .errors import ConfigError, FileError, ImportStop
from .lock import hold
from .names import DEFAULT_REGEX, NamePattern, local_camera_id, printable
from .state import DONE, PROBLEMS, Shelf, State, path_of

log = logging.getLogger("clipcrowd.import")
STATE_NAME = ".clipcrowd-import.sqlite"
#: Files hashed and probed per round (and committed together).
BATCH = 256


@dataclass
class Options:
    """Everything a run is told; attribute names follow the legacy importer where it had one."""

    folder: Path
    hooks_module: str | None = None
    host: str | None = None
    port: int | None = None
    regex: str = DEFAULT_REGEX
    hook_data_json: str | None = None
    hook_data_json_file: Path | None = None
    storage: Path | None = None
    camera_name_suffix: str = ""
    csv: bool = False
    ext: str | None = None
    recursive: bool = True
    follow_symlinks: bool = False
    force: bool = False
    only_camera: str | None = None
    retry_failed: bool = False
    dry_run: bool = False
    strict: bool = False
    tz: str = "UTC"
    tz_ambiguous: str | None = None
    epoch_unit: str = "auto"
    datetime_format: str = "%Y%m%d%H%M%S"
    timestamp_style: str = "utc"
    missing_epoch: str = "skip"
    workers: int = 2
    max_failures: int | None = None
    fail_fast: bool = False
    settle_seconds: float = 0.0
    job_max_items: int | None = None
    legacy_merge: bool = False
    allow_unprobed: bool = False
    # built-in hooks
    server: str | None = None
    token: str | None = None
    project: str | None = None
    pool: str | None = None
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def namespace(self) -> argparse.Namespace:
        """The options under the legacy importer's attribute names (``importer.args``)."""
        return argparse.Namespace(
            folder=str(self.folder), hooks_module=self.hooks_module, host=self.host, port=self.port,
            regex=self.regex, hook_data_json=self.hook_data_json,
            hook_data_json_file=str(self.hook_data_json_file) if self.hook_data_json_file else None,
            storage=str(self.storage) if self.storage else None, camera_name_suffix=self.camera_name_suffix,
            csv=self.csv, verbose=False, quiet=False, server=self.server, project=self.project, pool=self.pool)


@dataclass
class Report:
    """What a run did; ``exit_code`` follows the command's contract."""

    job_ids: list[str] = field(default_factory=list)
    posted: int = 0
    failed: int = 0
    problems: dict[str, int] = field(default_factory=dict)
    nothing_to_do: bool = False

    @property
    def exit_code(self) -> int:
        return 2 if self.failed or any(self.problems.values()) else 0


class Run:
    """A run over one folder and one state store (the caller holds the lock)."""

    def __init__(self, opts: Options, state: State, module: Any, console: Console) -> None:
        self.opts = opts
        self.state = state
        self.module = module
        self.console = console
        self.pattern = NamePattern(opts.regex, opts.camera_name_suffix)
        self.tz = clock.zone(opts.tz)
        self.data = hookdata.load(opts.hook_data_json, opts.hook_data_json_file, legacy_merge=opts.legacy_merge)
        self.importer = hooks.Importer(opts.namespace(), module, Shelf(state))
        if callable(getattr(module, "bind", None)):
            module.bind(self.importer)
        self.report = Report()
        self.run_problems: dict[str, int] = {}

    def hook(self, name: str) -> Callable[..., Any] | None:
        fn = getattr(self.module, name, None)
        return fn if callable(fn) else None

    # scanning ---------------------------------------------------------------------------------
    def _side(self, path: str, state: str, message: str, **extra: Any) -> None:
        log.warning("%s: %s", path, message)
        if state != "duplicate":  # a duplicate is reported, not a failure
            self.run_problems[state] = self.run_problems.get(state, 0) + 1
        self.state.put({"key": f"path:{path}", "filename": path, "state": state, "last_error": message,
                        "discovered_on": self._now(), **extra})

    def _now(self) -> str:
        return clock.format_timestamp(self.opts.now(), "utc")

    def _when(self, path: str, epoch: str | None, wall: str | None) -> datetime:
        if epoch:
            return clock.from_epoch(epoch, self.opts.epoch_unit, now=self.opts.now())
        if wall:
            return clock.from_wall_clock(wall, self.opts.datetime_format, self.tz, self.opts.tz_ambiguous,
                                         now=self.opts.now())
        how = self.opts.missing_epoch
        if how in ("mtime", "ctime"):
            log.warning("%s: no time in the name; using its %s", path, how)
            info = os.stat(path)
            return clock.check_plausible(clock.from_file_time(info.st_mtime if how == "mtime" else info.st_ctime),
                                         self.opts.now())
        if how == "container":
            created = probe(path).creation_time
            if created is None:
                raise FileError("no time in the name and no creation_time in the container", "bad_timestamp")
            return clock.check_plausible(created.replace(tzinfo=created.tzinfo or UTC), self.opts.now())
        raise FileError("no time in the name (--missing-epoch skip)", "bad_timestamp")

    def _examine(self, item: tuple[str, Any]) -> tuple[str, Any]:
        """Hash and probe one matched file (runs in the worker pool): ('ok', facts) or (state, message)."""
        path, key = item
        try:
            info = os.stat(path)
            if self.opts.settle_seconds and time.time() - info.st_mtime < self.opts.settle_seconds:
                return "settling", f"modified less than {self.opts.settle_seconds:g} s ago; still being copied?"
            if key is None or key[1:] != (info.st_size, info.st_mtime_ns, info.st_ino):
                key = (scan.sha1_file(path), info.st_size, info.st_mtime_ns, info.st_ino)
            try:
                media = probe(path)
                duration = float(media.duration) if media.duration is not None else 0.0
                probe_json = {"format": media.format_name, "duration": duration,
                              "video": None if media.video is None else {
                                  "codec": media.video.codec, "width": media.video.width,
                                  "height": media.video.height, "fps": float(media.video.average_rate or 0)}}
            except MediaError as exc:
                if not self.opts.allow_unprobed:
                    return "unreadable", str(exc).replace(path, os.path.basename(path))
                duration, probe_json = 0.0, None
            return "ok", (key, info, duration, probe_json)
        except OSError as exc:
            return "unreadable", exc.strerror or str(exc)

    def scan(self) -> set[str]:
        """Walk, match and record every file, :data:`BATCH` at a time; returns the cameras seen.

        Memory stays bounded however many files there are: one batch is hashed and probed in the
        worker pool at a time, and what was seen in this run is kept in a temporary table.
        """
        opts = self.opts
        seen_cameras: set[str] = set()
        self.state.conn.execute("CREATE TEMP TABLE IF NOT EXISTS run_seen (key TEXT PRIMARY KEY, path TEXT)")
        self.state.conn.execute("DELETE FROM run_seen")
        batch: list[tuple[str, Any, datetime, Any]] = []
        with ThreadPoolExecutor(max_workers=max(1, opts.workers)) as pool:
            for path in scan.walk(opts.folder, scan.parse_exts(opts.ext), recursive=opts.recursive,
                                  follow_symlinks=opts.follow_symlinks):
                if opts.storage and os.path.abspath(path) == os.path.abspath(opts.storage):
                    continue
                facts = self.pattern.match(path)
                if facts is None:
                    if opts.strict:
                        raise ConfigError(f"{path} does not match --regex (--strict)")
                    self._side(path, "skipped_nomatch", "the name does not match --regex")
                    continue
                log.debug("%s matched in its %s form", path, facts.form)
                seen_cameras.add(facts.camera)
                try:
                    when = self._when(path, facts.epoch, facts.datetime)
                except FileError as exc:
                    self._side(path, exc.state, str(exc), camera=facts.camera)
                    continue
                batch.append((path, facts, when, self.state.cached(path)))
                if len(batch) >= BATCH:
                    self._examine_batch(pool, batch)
                    batch = []
            if batch:
                self._examine_batch(pool, batch)
        hookdata.unknown_cameras(self.data, seen_cameras)
        return seen_cameras

    def _examine_batch(self, pool: ThreadPoolExecutor, batch: list[tuple[str, Any, datetime, Any]]) -> None:
        results = pool.map(self._examine, [(path, cached) for path, _, _, cached in batch])
        with self.state.batch():
            for (path, facts, when, _), (verdict, found) in zip(batch, results, strict=True):
                if verdict != "ok":
                    self._side(path, verdict, found, camera=facts.camera)
                else:
                    self._record(path, facts, when, found)

    def _record(self, path: str, facts: Any, when: datetime, found: Any) -> None:
        (key, size, mtime_ns, inode), _info, duration, probe_json = found
        self.state.remember(path, size, mtime_ns, inode, key)
        first = self.state.conn.execute("SELECT path FROM run_seen WHERE key = ?", (key,)).fetchone()
        if first is not None:
            log.warning("%s has the same content as %s: marked duplicate", path, first[0])
            self._side(path, "duplicate", f"same content as {first[0]}", camera=facts.camera)
            return
        self.state.conn.execute("INSERT INTO run_seen VALUES (?, ?)", (key, printable(path)))
        row = self.state.get(key)
        timestamp = clock.format_timestamp(when, self.opts.timestamp_style)
        ext = os.path.splitext(path)[1]
        if row is not None:
            changes: dict[str, Any] = {}
            if row["filename"] != printable(path):
                log.info("%s was %s: same content, path updated", path, row["filename"])
                changes.update(filename=path, raw_path=os.fsencode(path).hex())
            if self.opts.force and row["state"] in DONE and self.opts.only_camera in (None, row["camera"]):
                changes.update(state="discovered", job_id=None, shard_id=None, upload_url=None)
            if changes:
                self.state.update(key, **changes)
            return
        self.state.put({
            "key": key, "filename": path, "raw_path": os.fsencode(path).hex(),
            "given_name": f"{facts.camera}.{timestamp}.{key}{ext}", "camera": facts.camera, "timestamp": timestamp,
            "lat": facts.lat, "lng": facts.lng, "duration": duration, "size": size, "mtime_ns": mtime_ns,
            "discovered_on": self._now(), "state": "discovered", "attempts": 0,
            "epoch_utc": when.astimezone(UTC).isoformat(timespec="milliseconds"),
            "probe_json": None if probe_json is None else json.dumps(probe_json)})

    # hooks ------------------------------------------------------------------------------------
    def register_cameras(self, pending: list[dict[str, Any]]) -> dict[str, str]:
        ids: dict[str, str] = {}
        register = self.hook("register_camera")
        assert register is not None
        for name in sorted({r["camera"] for r in pending}):
            try:
                answer = register(name, host=self.opts.host, port=self.opts.port)
                camera_id = answer.get("camera_id") if isinstance(answer, dict) else None
                if not camera_id:
                    raise ValueError(f"register_camera returned no camera_id ({answer!r})")
            except ImportStop:
                raise
            except Exception as exc:  # a hook's failure fails that camera's files; the run goes on
                log.error("camera %s: %s", name, exc)
                for row in pending:
                    if row["camera"] == name:
                        self._failed(row, f"register_camera: {type(exc).__name__}: {exc}")
                continue
            ids[name] = str(camera_id)
            config = {**hookdata.camera_config(self.data, name), **answer, "local_camera_id": local_camera_id(name)}
            self.importer.cameras[name] = config
        setter = self.hook("set_hook_data")
        if setter is not None:
            try:
                setter({"registered_cameras": list(self.importer.cameras.values())})
            except Exception as exc:
                raise ConfigError(f"set_hook_data: {type(exc).__name__}: {exc}") from None
        return ids

    def _failed(self, row: dict[str, Any], message: str) -> None:
        self.report.failed += 1
        self.state.update(row["key"], state="failed", attempts=(row.get("attempts") or 0) + 1,
                          last_error=message[-2000:])

    def assign(self, pending: list[dict[str, Any]]) -> None:
        unscheduled = [r for r in pending if not r.get("job_id")]
        if not unscheduled:
            return
        size = self.opts.job_max_items or len(unscheduled)
        assign = self.hook("assign_job_ids")
        for i in range(0, len(unscheduled), size):
            chunk = unscheduled[i:i + size]
            try:
                job_id = assign(self.importer, self.importer.db, chunk) if assign is not None else None
            except Exception as exc:  # the chunk cannot be scheduled: its files fail, the run goes on
                log.error("assign_job_ids: %s: %s", type(exc).__name__, exc)
                for row in chunk:
                    self._failed(row, f"assign_job_ids: {type(exc).__name__}: {exc}")
                continue
            if not job_id:
                job_id = f"local-{uuid.uuid4().hex[:12]}"
            for row in chunk:
                fresh = self.state.get(row["key"]) or row
                self.state.update(row["key"], job_id=fresh.get("job_id") or str(job_id), shard_id=fresh.get("shard_id"),
                                  upload_url=fresh.get("upload_url"), state="scheduled")
            self.state.set_meta("last_job", str(job_id))

    def post_all(self, ids: dict[str, str], progress: Progress) -> set[tuple[str, str]]:
        post = self.hook("post_video_content")
        assert post is not None
        jobs: set[tuple[str, str]] = set()
        rows = [r for r in self.state.pending(self.opts.retry_failed) if r["camera"] in ids]
        task = progress.add_task("posting", total=len(rows))
        for row in rows:
            path = path_of(row)
            if not os.path.exists(path):
                self.state.update(row["key"], state="missing", last_error="the file vanished before it was posted")
                self.run_problems["missing"] = self.run_problems.get("missing", 0) + 1
                progress.advance(task)
                continue
            info = os.stat(path)
            moved = info.st_size != row["size"] or (row.get("mtime_ns") and info.st_mtime_ns != row["mtime_ns"])
            if moved and scan.sha1_file(path) != row["key"]:
                self._failed(row, "the content changed after the scan; it is imported as a new file next run")
                progress.advance(task)
                continue
            self.state.update(row["key"], state="uploading")
            try:
                ok = post(row["camera"], ids[row["camera"]], path, row["timestamp"],
                          location=(row.get("lat"), row.get("lng")), host=self.opts.host, port=self.opts.port)
                error = None if ok else "post_video_content returned a false value"
            except Exception as exc:  # one file's failure is recorded; the run goes on
                ok, error = False, f"{type(exc).__name__}: {exc} | " + " / ".join(
                    traceback.format_exception(exc)[-3:]).replace("\n", " ")[-1000:]
            progress.advance(task)
            if ok:
                self.report.posted += 1
                self.state.update(row["key"], state="uploaded", uploaded_on=self._now(), last_error=None,
                                  attempts=(row.get("attempts") or 0) + 1)
                if row.get("job_id"):
                    jobs.add((str(row["job_id"]), str(row.get("shard_id") or "0")))
                continue
            self._failed(row, error or "failed")
            if self.opts.fail_fast or (self.opts.max_failures and self.report.failed >= self.opts.max_failures):
                log.error("stopping after %d failure(s)", self.report.failed)
                break
        return jobs

    def execute(self) -> Report:
        opts = self.opts
        setter = self.hook("set_hook_data")
        if setter is not None and not opts.dry_run:
            try:
                setter({"logger": log, **self.data})
            except Exception as exc:
                raise ConfigError(f"set_hook_data: {type(exc).__name__}: {exc}") from None
        progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            console=self.console, transient=False, disable=not self.console.is_terminal)
        with progress:
            self.scan()
            pending = self.state.pending(opts.retry_failed)
            self.report.problems = dict(self.run_problems)
            if opts.dry_run:
                self.console.print(f"dry run: {len(pending)} file(s) would be posted; {self.state.counts()}")
                return self.report
            if not pending:
                log.info("nothing to do")
                self.console.print("nothing to do")
                self.report.nothing_to_do = True
                last = self.state.meta("last_job")
                self.report.job_ids = [last] if last else []
                return self.report
            ids = self.register_cameras(pending)
            self.assign([r for r in self.state.pending(opts.retry_failed) if r["camera"] in ids])
            jobs = self.post_all(ids, progress)
        register = self.hook("register_jobs")
        if register is not None and jobs:
            try:
                registered = register(self.importer, self.importer.db, jobs)
            except Exception as exc:  # the files are posted; the job's registration is what failed
                log.error("register_jobs: %s: %s", type(exc).__name__, exc)
                registered = False
            if not registered:
                log.error("register_jobs did not confirm the jobs")
                self.run_problems["register_jobs"] = 1
        self.report.problems = dict(self.run_problems)
        seen: list[str] = []
        for row in self.state.rows("key NOT LIKE 'path:%' AND job_id IS NOT NULL"):
            if row["job_id"] not in seen and row["state"] in (*DONE, "failed", "scheduled", "uploading"):
                seen.append(row["job_id"])
        touched = [j for j, _ in sorted(jobs, key=lambda js: (js[0], int(js[1]) if js[1].isdigit() else 0))]
        self.report.job_ids = list(dict.fromkeys(touched)) or seen[-1:]
        return self.report


def default_storage(folder: Path) -> Path:
    """``<folder>/.clipcrowd-import.sqlite``, or under ``$XDG_STATE_HOME`` when the folder is read-only."""
    if os.access(folder, os.W_OK):
        return folder / STATE_NAME
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "clipcrowd"
    return base / (local_camera_id(str(folder.resolve()))[:16] + ".sqlite")


def check_style(state: State, style: str) -> None:
    """One timestamp style per store: given names made in another style would never match again."""
    known = state.meta("timestamp_style")
    if known is None:
        state.set_meta("timestamp_style", style)
    elif known != style:
        raise ConfigError(f"this state store was made with --timestamp-style {known}; refusing {style} "
                          "(given names would change); use another --storage")


def run(opts: Options, module: Any, console: Console) -> Report:
    """Lock the store and run (exit 3 when another run holds the lock)."""
    if not opts.folder.is_dir():
        raise ConfigError(f"{opts.folder} is not a directory")
    storage = opts.storage or default_storage(opts.folder)
    opts.storage = storage
    storage.parent.mkdir(parents=True, exist_ok=True)
    with hold(storage):
        state = State(storage)
        try:
            if opts.csv:
                state.write_csv(sys.stdout)
                return Report()
            check_style(state, opts.timestamp_style)
            return Run(opts, state, module, console).execute()
        finally:
            state.close()


def iter_problems(report: Report) -> Iterator[str]:
    for state in PROBLEMS:
        if report.problems.get(state):
            yield f"{report.problems[state]} {state}"
