"""Seeds 000 and 001 run with toloka-kit 1.2.3 (in its own virtualenv) against a live clipcrowd,
with a simulated crowd doing the work in between, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from clipcrowd.client import Client
from clipcrowd.media import probe
from clipcrowd.sim import SimReport, simulate
from tests.support import Live
from tests.warm_toloka import WarmToloka

pytestmark = pytest.mark.slow



@contextmanager
def crowd_on_open_pools(live: Live, reports: list[SimReport], **options: Any) -> Iterator[None]:
    """Whenever a pool opens, let a simulated crowd work on it (as real people would)."""
    stop, seen = threading.Event(), set()

    def watch() -> None:
        with Client(live.url, live.token) as client:
            while not stop.is_set():
                for pool in client.iterate("/api/v1/pools", status="OPEN"):
                    if pool["id"] not in seen:
                        seen.add(pool["id"])
                        reports.append(simulate(live.url, live.token, pool["id"], **options))
                stop.wait(0.2)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=60)


def run_seed(toloka_kit: WarmToloka, script: str, live: Live, cwd: Path,
             extra_env: Mapping[str, str] | None = None) -> dict[str, Any]:
    # The notebooks poll a pool once a minute until it closes; here every 0.3 s.
    env = {**os.environ, "CLIPCROWD_URL": live.url, "CLIPCROWD_TOKEN": live.token,
           "CLIPCROWD_SEED_POLL_MINUTES": "0.005", **(extra_env or {})}
    returncode, output, errors = toloka_kit.run(script, cwd, env, timeout=480)
    assert returncode == 0, output[-3000:] + errors[-3000:]
    line = next(x for x in output.splitlines() if x.startswith("SUMMARY "))
    summary: dict[str, Any] = json.loads(line[len("SUMMARY "):])
    summary["stdout"] = output
    return summary


def test_seed_000_video_collection(toloka_kit: WarmToloka, live: Live, tmp_path: Path) -> None:
    reports: list[SimReport] = []
    # Simulated people here submit at once, so the fast-submit rule restricts each after one video:
    # twelve of them are needed for three tasks with overlap three.
    with crowd_on_open_pools(live, reports, workers=12, timeout=400, idle_seconds=2):
        summary = run_seed(toloka_kit, "seed_000_video_collection.py", live, tmp_path)
    assert summary["created_tasks"] == 3
    assert summary["results"] == 9
    assert "Pool was closed." in summary["stdout"]
    with Client(live.url, live.token) as client:
        meta = client._call("GET", f"/api/v1/attachments/{summary['attachment_id']}")
        restricted = client.get_restrictions()
        pool = client.get_pool(summary["pool_id"])
    assert summary["video_bytes"] == meta["size"] > 0
    info = probe(tmp_path / "tmp_video_file")
    assert info.video is not None and info.video.frame_count > 0
    assert pool["last_close_reason"] == "COMPLETED"
    submitters = set(reports[0].submitted)
    assert len(submitters) == 9
    assert {r["user_id"] for r in restricted} == submitters
    assert {r["scope"] for r in restricted} == {"PROJECT"}


def _gender_from_url(values: Mapping[str, Any]) -> Mapping[str, Any]:
    return {"result": "female" if "_female_" in values["path"] else "male"}


def test_seed_001_audio_classification(toloka_kit: WarmToloka, live: Live, tmp_path: Path) -> None:
    reports: list[SimReport] = []
    truth: Callable[[Mapping[str, Any]], Mapping[str, Any]] = _gender_from_url
    with crowd_on_open_pools(live, reports, workers=30, accuracy=0.93, truth=truth, timeout=400, idle_seconds=2,
                             seed=1):
        summary = run_seed(toloka_kit, "seed_001_audio_classification.py", live, tmp_path,
                           {"CLIPCROWD_MEDIA_BASE": "https://media.example.org/emov-db"})
    assert summary["created_tasks"] == 120
    assert summary["answers"] == 300
    assert summary["labelled_tasks"] == 100
    assert summary["accuracy"] >= 0.9
    with Client(live.url, live.token) as client:
        accepted = client.get_assignments(summary["pool_id"], status="ACCEPTED")
    golden_per_suite = [sum(1 for t in a["tasks"] if t.get("known_solutions")) for a in accepted]
    assert max(golden_per_suite) == 1 and sum(golden_per_suite) > 0
