"""A Kinetics-style dataset from a clip-validation pool: accepted clips, their CSV, and every vote.

A clip is accepted when at least ``k`` of its first ``n`` answers say yes (k-of-n confirmation,
:class:`clipcrowd.aggregation.KOfN`; Kinetics used 3 of 5), rejected when even the missing answers
could not get it there, pending otherwise. The folder written:

``<split>.csv``
    ``label,youtube_id,time_start,time_end,split`` for the accepted clips, the source video's id in
    place of the YouTube id (the layout of the Kinetics annotation files);
``<split>/<label>/<video>_<start ms>_<end ms>.mp4``
    the accepted clips;
``votes.json``
    every clip (accepted, rejected, pending) with its status, yes/no counts and each worker's vote.

The folder is written whole or not at all.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from clipcrowd.aggregation import KOfN
from clipcrowd.client.requester import Client
from clipcrowd.client.validation import ANSWER, NO, OVERLAP, YES, download, pool_votes
from clipcrowd.mining.outdir import atomic_folder

COLUMNS = ("label", "youtube_id", "time_start", "time_end", "split")
CONFIRMATIONS = 3
_SPLIT = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
#: Task media a clip may come from: a clip asset (its original file is fetched) or a mining run's clip.
_ASSET = re.compile(r"^/api/v1/assets/(\d{1,20})/(media|content)$")
_RUN_CLIP = re.compile(r"^/api/v1/mining/runs/\d{1,20}/clips/[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


@dataclass
class Verdict:
    """One validated clip: what it is, the people's votes and the k-of-n outcome."""

    task_id: str
    label: str
    video: str
    time_start: float
    time_end: float
    score: float | None
    media: str
    status: str
    yes: int
    no: int
    votes: list[dict[str, Any]] = field(default_factory=list)
    clip_path: str = ""


def verdicts(tasks: Sequence[dict[str, Any]], votes: Sequence[dict[str, Any]], *, k: int = CONFIRMATIONS,
             n: int = OVERLAP) -> list[Verdict]:
    """k-of-n outcome per task (``pending`` for a task nobody answered yet), votes in answer order."""
    frame = pd.DataFrame(list(votes), columns=["task", "worker", "label"])
    status: dict[str, str] = {}
    if len(frame):
        rule = KOfN(k=k, n=n, label=YES).fit(frame)
        status = {str(t): str(s) for t, s in rule.status_.items()}
    by_task: dict[str, list[dict[str, Any]]] = {}
    for vote in votes:
        by_task.setdefault(vote["task"], []).append(vote)
    out = []
    for task in tasks:
        values = task["input_values"]
        given = by_task.get(task["id"], [])
        counted = given[:n]
        out.append(Verdict(
            task_id=task["id"], label=str(values["label"]), video=str(values["video"]),
            time_start=float(values["time_start"]), time_end=float(values["time_end"]),
            score=None if values.get("score") is None else float(values["score"]),
            media=str(values.get("asset", "")), status=status.get(task["id"], "pending"),
            yes=sum(v["label"] == YES for v in counted), no=sum(v["label"] == NO for v in counted),
            votes=[{"worker": v["worker"], ANSWER: v["label"]} for v in given],
        ))
    return out


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:150] or "_"


def _source(media: str) -> str:
    """The API path of a clip's file, from the task's media URL (nothing outside the server is fetched)."""
    asset = _ASSET.match(media)
    if asset is not None:
        return f"/api/v1/assets/{asset.group(1)}/content"
    if _RUN_CLIP.match(media):
        return media
    raise ValueError(f"task media {media!r} is neither a clip asset nor a mining run's clip")


def export_kinetics(client: Client, pool_id: str, out: str | Path, *, split: str = "train",
                    k: int = CONFIRMATIONS, n: int = OVERLAP) -> list[Verdict]:
    """Write the Kinetics-style folder for ``pool_id`` into ``out``; returns every clip's verdict."""
    if not _SPLIT.match(split):
        raise ValueError(f"split must be 1-40 letters, digits, '_' or '-', got {split!r}")
    if not 1 <= k <= n <= 100:
        raise ValueError(f"need 1 <= k <= n <= 100, got k={k}, n={n}")
    tasks, votes = pool_votes(client, pool_id)
    found = verdicts(tasks, votes, k=k, n=n)
    with atomic_folder(out) as tmp:
        rows = []
        for v in sorted(found, key=lambda v: (v.label, v.video, v.time_start)):
            if v.status != "accepted":
                continue
            name = f"{_safe(v.video)}_{round(v.time_start * 1000):09d}_{round(v.time_end * 1000):09d}.mp4"
            v.clip_path = f"{split}/{_safe(v.label)}/{name}"
            download(client, _source(v.media), tmp / v.clip_path)
            rows.append({"label": v.label, "youtube_id": v.video, "time_start": round(v.time_start, 3),
                         "time_end": round(v.time_end, 3), "split": split})
        with (tmp / f"{split}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        body = {"pool_id": pool_id, "rule": {"k": k, "n": n, "confirming_answer": YES},
                "clips": [asdict(v) for v in found]}
        (tmp / "votes.json").write_text(json.dumps(body, indent=1), encoding="utf-8")
    return found
