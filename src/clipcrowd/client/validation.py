"""Validating candidate clips with people: a yes/no pool over the clips of a mining run.

Each kept clip of a candidates folder becomes a video asset of the pool's project (uploaded,
then processed by the server like any import) and one task asking "does it show <label>?" with
``overlap`` answers. Golden clips (known answers) are optional. :func:`pool_votes` reads the votes
back for k-of-n confirmation (:mod:`clipcrowd.export.kinetics`).

>>> from clipcrowd.client import Client                                           # doctest: +SKIP
>>> from clipcrowd.client.validation import send_candidates                       # doctest: +SKIP
>>> send_candidates(Client(url, token), pool_id, "candidates/")                   # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from clipcrowd.client.errors import ApiError, raise_for_error
from clipcrowd.client.requester import Client
from clipcrowd.mining.validation import ANSWER, MEDIA_FIELD, NO, OVERLAP, YES, validation_project

__all__ = ["ANSWER", "MEDIA_FIELD", "NO", "OVERLAP", "YES", "download", "mining_candidates", "pool_votes",
           "project_videos", "read_candidates", "send_candidates", "start_mining", "upload_clips", "validate_run",
           "validation_project"]

_IMPORT_BATCH = 100


def read_candidates(folder: str | Path) -> list[dict[str, Any]]:
    """The kept candidates of a mining output folder, each with an existing clip file inside it."""
    root = Path(folder)
    try:
        body = json.loads((root / "candidates.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{root}: not a mining output folder (candidates.json: {exc})") from None
    rows = body.get("candidates") if isinstance(body, dict) else None
    if not isinstance(rows, list):
        raise ValueError(f"{root}/candidates.json has no candidates list")
    for row in rows:
        clip = (root / str(row.get("clip_path", ""))).resolve()
        if not str(row.get("clip_path")) or root.resolve() not in clip.parents or not clip.is_file():
            raise ValueError(f"{root}: clip {row.get('clip_path')!r} is missing")
    return rows


def _external_id(clip: Path) -> str:
    digest = hashlib.sha256()
    with clip.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", clip.stem)[:200]
    return f"clip-{digest.hexdigest()[:16]}-{stem}"


def upload_clips(client: Client, project_id: str, clips: list[Path], *, timeout: float = 600.0) -> dict[Path, str]:
    """Each clip as a READY video asset of the project (re-sending a clip reuses its asset); clip -> asset id."""
    ids = {clip: _external_id(clip) for clip in clips}
    existing = _assets(client, project_id, list(ids.values()))
    missing = [c for c in clips if ids[c] not in existing]
    for start in range(0, len(missing), _IMPORT_BATCH):
        items = []
        for clip in missing[start:start + _IMPORT_BATCH]:
            with clip.open("rb") as fh:
                response = client.http.post("/api/v1/assets/uploads", params={"project_id": project_id,
                                                                              "name": clip.name}, content=fh)
            raise_for_error(response)
            items.append({"external_id": ids[clip], "content": response.json()["ref"]})
        client._call("POST", "/api/v1/assets", json={"project_id": project_id, "assets": items})
    deadline = time.monotonic() + timeout
    while True:
        found = _assets(client, project_id, list(ids.values()))
        failed = [a for a in found.values() if a["status"] == "ERROR"]
        if failed:
            raise ValueError(f"clip asset {failed[0]['external_id']} could not be processed: {failed[0].get('error')}")
        if len(found) == len(ids) and all(a["status"] == "READY" for a in found.values()):
            return {clip: found[ids[clip]]["id"] for clip in clips}
        if time.monotonic() > deadline:
            raise TimeoutError(f"clip assets still processing after {timeout} s")
        time.sleep(0.2)


def _assets(client: Client, project_id: str, external_ids: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(external_ids), _IMPORT_BATCH):
        wanted = ",".join(external_ids[start:start + _IMPORT_BATCH])
        for asset in client.iterate("/api/v1/assets", project_id=project_id, external_id=wanted, limit=1000):
            found[asset["external_id"]] = asset
    return found


def send_candidates(client: Client, pool_id: str, folder: str | Path, *, overlap: int = OVERLAP,
                    golden: Mapping[str, bool] | None = None, timeout: float = 600.0) -> list[dict[str, Any]]:
    """Make one "does it show <label>?" task per kept clip of ``folder``; returns the created tasks.

    ``golden`` maps clip paths (as in ``candidates.csv``) to their known answer: those clips become
    golden tasks (shown to every worker the pool's mixer asks it to, checked by its quality rules).
    """
    if not 1 <= overlap <= 100:
        raise ValueError(f"overlap must be in [1, 100], got {overlap}")
    root = Path(folder)
    rows = read_candidates(root)
    if not rows:
        return []
    pool = client.get_pool(pool_id)
    assets = upload_clips(client, pool["project_id"], [root / r["clip_path"] for r in rows], timeout=timeout)
    tasks = []
    for row in rows:
        values = {MEDIA_FIELD: f"/api/v1/assets/{assets[root / row['clip_path']]}/media", "label": row["label"],
                  "video": row["video"], "time_start": float(row["time_start"]), "time_end": float(row["time_end"]),
                  "score": float(row["score"]), "clip": row["clip_path"]}
        task: dict[str, Any] = {"pool_id": pool_id, "input_values": values}
        if golden and row["clip_path"] in golden:
            task["known_solutions"] = [{"output_values": {ANSWER: YES if golden[row["clip_path"]] else NO}}]
            task["infinite_overlap"] = True
        else:
            task["overlap"] = overlap
        tasks.append(task)
    made = client.create_tasks(tasks, allow_defaults=True)
    if made.get("validation_errors"):
        first = next(iter(made["validation_errors"].values()))
        raise ApiError(400, first.get("code", "VALIDATION_ERROR"), first.get("message", "a task was refused"))
    return [made["items"][str(i)] for i in range(len(tasks))]


def pool_votes(client: Client, pool_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(tasks, votes)``: the pool's non-golden tasks and one ``{task, worker, label}`` per counted answer
    (submitted or accepted, in submission order; rejected assignments do not count)."""
    tasks = [t for t in client.get_tasks(pool_id) if not t.get("known_solutions")]
    real = {t["id"] for t in tasks}
    votes = []
    assignments = client.get_assignments(pool_id, status="SUBMITTED") + client.get_assignments(pool_id,
                                                                                                 status="ACCEPTED")
    for a in sorted(assignments, key=lambda a: (a.get("submitted", ""), a["id"])):
        for task, solution in zip(a["tasks"], a.get("solutions", []), strict=False):
            if task["id"] in real:
                votes.append({"task": task["id"], "worker": a["user_id"],
                              "label": solution["output_values"].get(ANSWER)})
    return tasks, votes


def download(client: Client, path: str, target: Path) -> None:
    """Stream the file at API ``path`` (an asset's content, a mining clip) to ``target``, never held in memory."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with client.http.stream("GET", path) as response:
        if response.status_code >= 400:
            response.read()
            raise_for_error(response)
        with target.open("wb") as fh:
            for chunk in response.iter_bytes():
                fh.write(chunk)


def project_videos(client: Client, project_id: str, folder: Path) -> list[tuple[str, Path]]:
    """Download the READY video assets of a project into ``folder``: ``(external id, file)`` pairs."""
    out = []
    for asset in client.iterate("/api/v1/assets", project_id=project_id, kind="VIDEO", status="READY", limit=1000):
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", asset["external_id"])[:150]
        target = folder / f"{asset['id']}-{name}"
        download(client, f"/api/v1/assets/{asset['id']}/content", target)
        out.append((asset["external_id"], target))
    if not out:
        raise ValueError(f"project {project_id} has no READY video assets to mine")
    return out


def start_mining(client: Client, project_id: str, **options: Any) -> dict[str, Any]:
    """Start a mining run on the server over the project's READY videos (``POST /mining/runs``).

    ``options``: ``scorer`` (``motion``, ``scene``, ``quality`` or ``onnx:<file in the server's
    models folder>``), ``classes`` or ``classes_file``, ``labels``, ``clip_seconds``, ``sample_fps``,
    ``top_k``, ``min_score``, ``one_per_video``, ``asset_ids``.
    """
    return client._call("POST", "/api/v1/mining/runs", json={"project_id": project_id, **options})


def mining_candidates(client: Client, run_id: str) -> dict[str, Any]:
    """A run's kept candidates (``items``), ``dropped`` ones with why, ``failed`` videos and ``pending`` count."""
    return client._call("GET", f"/api/v1/mining/runs/{run_id}/candidates")


def validate_run(client: Client, run_id: str, pool_id: str, *, overlap: int = OVERLAP) -> dict[str, Any]:
    """Send a finished run's kept clips to a clip-validation pool: one task per clip."""
    return client._call("POST", f"/api/v1/mining/runs/{run_id}/validation",
                        json={"pool_id": pool_id, "overlap": overlap})
