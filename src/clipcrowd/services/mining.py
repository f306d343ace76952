"""Mining runs on the server: a job with one shard per video asset, candidates read back de-duplicated.

A run is a ``mining.videos`` job over READY video assets of a project. Each shard mines one video
(:func:`clipcrowd.mining.pipeline.propose`), cuts its candidate clips into Storage under
``projects/<id>/mining/<run>/`` and reports the candidates (with their frame hashes) as the item's
result; a video that cannot be mined fails its item with the reason and the others go on. Reading
the candidates runs the cross-video de-duplication (:func:`clipcrowd.mining.dedupe.select`): it only
compares hashes, so it is cheap, and it always sees every finished video.

The request is checked at the edge (scorer, model, classes, labels, options): a bad one is a 400
naming the field and no job is made. ONNX models are files in ``<home>/models/`` named by file name.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select

from clipcrowd.domain.errors import ConflictState, NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.models.projects import ProjectData
from clipcrowd.ingest import layout
from clipcrowd.jobs import Handler, ShardPlan, ShardRun, register, submit
from clipcrowd.media import MediaError, Storage, cut_clip
from clipcrowd.mining.candidates import Candidate
from clipcrowd.mining.dedupe import select as dedupe
from clipcrowd.mining.errors import MiningError
from clipcrowd.mining.pipeline import MineOptions, Source, clip_name, propose
from clipcrowd.mining.scan import video_clock
from clipcrowd.mining.scorers import FrameScorer, make_scorer
from clipcrowd.services import projects
from clipcrowd.services.paging import id_value
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database
from clipcrowd.store.tables import assets, job_items, jobs, pools

KIND = "mining.videos"
BUILTIN = ("motion", "scene", "quality")
MAX_VIDEOS = 10_000
MAX_CLASSES = 100_000
_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
#: Which request field a MineOptions complaint is about.
_OPTION_FIELDS = {"--clip-seconds": "clip_seconds", "--sample-fps": "sample_fps", "--top-k": "top_k",
                  "--min-score": "min_score", "give at least one --label": "labels"}


def models_dir(settings: Settings) -> Path:
    return settings.home / "models"


def _number(body: Mapping[str, Any], name: str, default: Any, kind: type) -> Any:
    value = body.get(name, default)
    if value is None and name == "min_score":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or (kind is int and not isinstance(value, int)):
        raise ValidationFailed.field(name, f"must be {'an integer' if kind is int else 'a number'}")
    if not math.isfinite(value):
        raise ValidationFailed.field(name, "must be a finite number")
    return kind(value)


def _model_file(folder: Path, name: Any, field: str) -> Path:
    if not isinstance(name, str) or not _FILE.match(name):
        raise ValidationFailed.field(field, "must be a file name in the server's models folder (letters, digits, "
                                            "'.', '_', '-')")
    path = folder / name
    if not path.is_file():
        raise ValidationFailed.field(field, f"no file {name!r} in the server's models folder", "DOES_NOT_EXIST")
    return path


def _classes(body: Mapping[str, Any], folder: Path) -> tuple[str, ...] | Path | None:
    if "classes_file" in body:
        return _model_file(folder, body["classes_file"], "classes_file")
    names = body.get("classes")
    if names is None:
        return None
    if (not isinstance(names, list) or not names or len(names) > MAX_CLASSES
            or not all(isinstance(n, str) and n.strip() and len(n) <= 500 for n in names)):
        raise ValidationFailed.field("classes", "must be a non-empty list of class names (strings)")
    if len(set(names)) != len(names):
        raise ValidationFailed.field("classes", "class names must be unique")
    return tuple(names)


def build_scorer(request: Mapping[str, Any]) -> FrameScorer:
    """The scorer a checked request names (also what each shard does; a model file may have changed)."""
    spec = request["scorer"]
    if spec in BUILTIN:
        return make_scorer(spec)
    classes = request.get("classes") or Path(request["models_dir"]) / request["classes_file"]
    return make_scorer(f"onnx:{Path(request['models_dir']) / request['model']}",
                       tuple(classes) if isinstance(classes, list) else classes)


def check_request(db: Database, settings: Settings, body: Any) -> tuple[dict[str, Any], list[Any]]:
    """The job request and the assets to mine, or a ValidationFailed naming the field."""
    if not isinstance(body, Mapping):
        raise ValidationFailed.field("body", "must be a JSON object")
    project_id = id_value(str(body.get("project_id", "")), "project_id")
    spec = body.get("scorer", "motion")
    if not isinstance(spec, str):
        raise ValidationFailed.field("scorer", "must be a string")
    folder = models_dir(settings)
    request: dict[str, Any] = {"project_id": format_id(project_id), "scorer": spec}
    if spec.startswith("onnx:"):
        request.update(scorer="onnx", model=_model_file(folder, spec[5:], "scorer").name, models_dir=str(folder))
        classes = _classes(body, folder)
        if classes is None:
            raise ValidationFailed.field("classes", "an ONNX scorer needs classes (a list) or classes_file")
        if isinstance(classes, Path):
            request["classes_file"] = classes.name
        else:
            request["classes"] = list(classes)
    elif spec not in BUILTIN:
        raise ValidationFailed.field("scorer", f"one of {', '.join(BUILTIN)} or onnx:<model file name>")
    try:
        scorer = build_scorer(request)
    except MiningError as exc:
        raise ValidationFailed.field("classes" if "classes" in str(exc) else "scorer", str(exc)) from None
    labels = body.get("labels", list(scorer.classes[:1]))
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise ValidationFailed.field("labels", "must be a list of class names")
    for flag in ("one_per_video", "drop_unusable"):
        if not isinstance(body.get(flag, False), bool):
            raise ValidationFailed.field(flag, "must be true or false")
    try:
        scorer.check_labels(labels)
        options = MineOptions(labels=tuple(labels), clip_seconds=_number(body, "clip_seconds", 10.0, float),
                              sample_fps=_number(body, "sample_fps", 2.0, float), top_k=_number(body, "top_k", 1, int),
                              min_score=_number(body, "min_score", None, float),
                              one_per_video=body.get("one_per_video", False),
                              drop_unusable=body.get("drop_unusable", False))
    except MiningError as exc:
        field = next((f for prefix, f in _OPTION_FIELDS.items() if str(exc).startswith(prefix)), "labels")
        raise ValidationFailed.field(field, str(exc)) from None
    request.update(labels=list(options.labels), clip_seconds=options.clip_seconds, sample_fps=options.sample_fps,
                   top_k=options.top_k, min_score=options.min_score, one_per_video=options.one_per_video,
                   drop_unusable=options.drop_unusable)
    with db.read() as conn:
        projects.load(conn, project_id)
        query = select(assets.c.id, assets.c.status, assets.c.kind).where(assets.c.project_id == project_id)
        wanted = body.get("asset_ids")
        if wanted is not None:
            if not isinstance(wanted, list) or not wanted or len(wanted) > MAX_VIDEOS:
                raise ValidationFailed.field("asset_ids", f"must be a list of 1 to {MAX_VIDEOS} asset ids")
            ids = {id_value(str(a), "asset_ids") for a in wanted}
            rows = conn.execute(query.where(assets.c.id.in_(ids))).all()
            bad = ids - {r.id for r in rows if r.status == "READY" and r.kind == "VIDEO"}
            if bad:
                raise ValidationFailed.field("asset_ids", f"asset {format_id(min(bad))} is not a READY video of "
                                                          "this project")
        else:
            rows = conn.execute(query.where(assets.c.status == "READY", assets.c.kind == "VIDEO")
                                .order_by(assets.c.id).limit(MAX_VIDEOS + 1)).all()
            if not rows:
                raise ValidationFailed.field("project_id", "the project has no READY video assets to mine")
    return request, sorted(r.id for r in rows)


def start(db: Database, settings: Settings, body: Any) -> dict[str, Any]:
    """Check the request and submit the run's job (one shard per video); returns the run."""
    request, asset_ids = check_request(db, settings, body)
    request["asset_ids"] = [format_id(a) for a in asset_ids]
    with db.write() as conn:
        job_id = submit(conn, KIND, request, project_id=int(request["project_id"]))
    return get(db, job_id)


def _job(db: Database, run_id: int) -> Any:
    with db.read() as conn:
        row = conn.execute(select(jobs).where(jobs.c.id == run_id, jobs.c.kind == KIND)).one_or_none()
    if row is None:
        raise NotFound(f"mining run {format_id(run_id)} does not exist")
    return row


def get(db: Database, run_id: int) -> dict[str, Any]:
    """The run as its job shows it (status, counts, shard map, request)."""
    from clipcrowd.services import job_executor  # it imports this module to know the kind

    _job(db, run_id)
    body = job_executor.get(db, run_id)
    return {"id": format_id(run_id), **body}


def clip_key(project_id: int, run_id: int, name: str) -> str:
    return f"{layout.project_prefix(project_id)}/mining/{format_id(run_id)}/{name}"


def candidates(db: Database, run_id: int) -> dict[str, Any]:
    """Kept candidates (best first, with a clip URL), dropped ones with why, failed videos with why."""
    row = _job(db, run_id)
    request = row.payload
    with db.read() as conn:
        items = conn.execute(select(job_items.c.key, job_items.c.status, job_items.c.result, job_items.c.error)
                             .where(job_items.c.job_id == run_id).order_by(job_items.c.id)).all()
    found: list[Candidate] = []
    failed = []
    for item in items:
        if item.status == "done":
            found.extend(Candidate.from_state(c) for c in (item.result or {}).get("candidates", []))
        elif item.status == "failed":
            failed.append({"asset_id": item.key, "error": item.error})
    kept = dedupe(found, sample_fps=float(request["sample_fps"]), one_per_video=bool(request["one_per_video"]))
    base = f"/api/v1/mining/runs/{format_id(run_id)}/clips/"

    def public(c: Candidate) -> dict[str, Any]:
        body = c.row()
        body["asset_id"] = body.pop("source", None)
        body["clip_url"] = base + str(c.clip_path) if c.clip_path else None
        return body

    status = get(db, run_id)["status"]
    return {"run_id": format_id(run_id), "status": status, "items": [public(c) for c in kept],
            "dropped": [public(c) for c in found if c.dropped], "failed": failed,
            "pending": sum(1 for i in items if i.status == "pending")}


def send_to_pool(db: Database, run_id: int, body: Any) -> dict[str, Any]:
    """``{pool_id, overlap?}``: one "does it show <label>?" task per kept clip, in a clip-validation pool."""
    from clipcrowd.mining.validation import MEDIA_FIELD, OVERLAP
    from clipcrowd.services import tasks as task_service

    if not isinstance(body, Mapping):
        raise ValidationFailed.field("body", "must be an object with pool_id")
    pool_id = id_value(str(body.get("pool_id", "")), "pool_id")
    overlap = body.get("overlap", OVERLAP)
    if isinstance(overlap, bool) or not isinstance(overlap, int) or not 1 <= overlap <= 100:
        raise ValidationFailed.field("overlap", "must be an integer from 1 to 100")
    with db.read() as conn:
        pool = conn.execute(select(pools).where(pools.c.id == pool_id)).one_or_none()
        if pool is None:
            raise ValidationFailed.field("pool_id", f"pool {format_id(pool_id)} does not exist", "DOES_NOT_EXIST")
        project = projects.load(conn, pool.project_id)
    if "clip" not in ProjectData.of(project.data).task_spec.input_spec:
        raise ValidationFailed.field("pool_id", "the pool's project is not a clip-validation project")
    found = candidates(db, run_id)
    if found["pending"]:
        raise ConflictState(f"mining run {format_id(run_id)} has {found['pending']} videos still to mine")
    if not found["items"]:
        raise ValidationFailed.field("run_id", "the run has no kept candidate to validate")
    items = [{"pool_id": format_id(pool_id), "overlap": overlap,
              "input_values": {MEDIA_FIELD: c["clip_url"], "label": c["label"], "video": c["video"],
                               "time_start": c["time_start"], "time_end": c["time_end"], "score": c["score"],
                               "clip": c["clip_path"]}} for c in found["items"]]
    batch = task_service.prepare(db, items, allow_defaults=True, skip_invalid=False)
    return task_service.create_sync(db, batch, open_pool=False)


def clip_file(db: Database, settings: Settings, run_id: int, name: str) -> Any:
    """A clip of the run: a local path or an open file (a name not made by the run does not exist)."""
    row = _job(db, run_id)
    if not _FILE.match(name) or not name.endswith(".mp4"):
        raise NotFound(f"mining run {format_id(run_id)} has no clip {name!r}")
    store = Storage(settings.resolved_storage_url)
    key = clip_key(row.project_id, run_id, name)
    if not store.exists(key):
        raise NotFound(f"mining run {format_id(run_id)} has no clip {name!r}")
    return store.local_path(key) or store.open(key)


@register(KIND)
class MineVideos(Handler):
    """One shard per video asset (its only item): mine it, cut its clips into Storage, report the candidates.

    Running a shard again rewrites the same clip keys and reports the same candidates: idempotent.
    """

    def plan(self, request: Mapping[str, Any]) -> list[ShardPlan]:
        return [ShardPlan([str(a)]) for a in request["asset_ids"]]

    def run_shard(self, shard: ShardRun) -> None:
        request = shard.request
        store = Storage(shard.context["storage_url"])
        scorer = build_scorer(request)
        options = _options(request)
        for key in shard.pending():
            shard.check()
            with shard.db.read() as conn:
                asset = conn.execute(select(assets).where(assets.c.id == int(key))).one_or_none()
            if asset is None or asset.content_key is None:
                shard.skipped(key, "the asset was deleted or has no media")
                continue
            with tempfile.TemporaryDirectory(prefix="clipcrowd-mining-") as tmp:
                try:
                    path = _local(store, asset.content_key, Path(tmp))
                    found = propose(Source(asset.external_id, path), scorer, options)
                    first = video_clock(path)[0]
                    for cand in found:
                        name = clip_name(cand)
                        clip = Path(tmp) / name
                        made = cut_clip(path, clip, first + cand.time_start, first + cand.time_end)
                        with clip.open("rb") as fh:
                            store.put(clip_key(asset.project_id, shard.job_id, name), fh)
                        cand.clip_path, cand.cut = name, "copy" if made.copied else "reencode"
                        cand.source = format_id(asset.id)
                except (MediaError, MiningError) as exc:
                    shard.failed(key, f"{asset.external_id}: {exc}")
                    continue
            shard.done(key, {"asset_id": key, "candidates": [c.state() for c in found]})


def _local(store: Storage, key: str, tmp: Path) -> Path:
    local = store.local_path(key)
    if local is not None:
        return local
    target = tmp / Path(key).name
    with store.open(key) as src, target.open("wb") as out:
        while chunk := src.read(1 << 20):
            out.write(chunk)
    return target


FILES_KIND = "mining.files"


def files_request(sources: list[Source], scorer: str, classes: str | None, options: MineOptions) -> dict[str, Any]:
    """The request of a ``mining.files`` job (the CLI's local run): plain JSON, files by absolute path."""
    return {"scorer": scorer, "classes": classes, "labels": list(options.labels),
            "clip_seconds": options.clip_seconds, "sample_fps": options.sample_fps, "top_k": options.top_k,
            "min_score": options.min_score, "one_per_video": options.one_per_video,
            "drop_unusable": options.drop_unusable,
            "files": {str(s.path.resolve()): s.video for s in sources}}


def _options(request: Mapping[str, Any]) -> MineOptions:
    return MineOptions(labels=tuple(request["labels"]), clip_seconds=request["clip_seconds"],
                       sample_fps=request["sample_fps"], top_k=request["top_k"], min_score=request["min_score"],
                       one_per_video=request["one_per_video"], drop_unusable=request.get("drop_unusable", False))


def files_results(db: Database, job_id: int) -> tuple[list[Candidate], list[dict[str, Any]]]:
    """A finished ``mining.files`` job's candidates (with their frame hashes) and failed videos."""
    with db.read() as conn:
        items = conn.execute(select(job_items.c.key, job_items.c.status, job_items.c.result, job_items.c.error)
                             .where(job_items.c.job_id == job_id).order_by(job_items.c.id)).all()
    found: list[Candidate] = []
    failed: list[dict[str, Any]] = []
    for item in items:
        result = item.result or {}
        if item.status == "done":
            found.extend(Candidate.from_state(c) for c in result.get("candidates", []))
        else:
            failed.append({"video": result.get("video", item.key), "source": item.key,
                           "error": item.error or f"the video ended {item.status}"})
    return found, failed


@register(FILES_KIND)
class MineFiles(Handler):
    """One shard per local video file (``clipcrowd mine`` on files and folders): the candidates with
    their frame hashes are the item's result; de-duplication and cutting happen once every video is in."""

    def plan(self, request: Mapping[str, Any]) -> list[ShardPlan]:
        return [ShardPlan([path], {"video": video}) for path, video in request["files"].items()]

    def run_shard(self, shard: ShardRun) -> None:
        request = shard.request
        scorer = make_scorer(request["scorer"], request["classes"])
        options = _options(request)
        for key in shard.pending():
            shard.check()
            video = str(request["files"].get(key, Path(key).stem))
            try:
                found = propose(Source(video, Path(key)), scorer, options)
            except (MediaError, MiningError) as exc:
                shard.failed(key, str(exc), {"video": video})
                continue
            shard.done(key, {"video": video, "candidates": [c.state() for c in found]})
