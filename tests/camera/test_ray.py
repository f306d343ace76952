"""The same camera import with CLIPCROWD_EXECUTOR=ray (a local Ray instance) gives the same events."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from clipcrowd.mining.motion import MotionParams, detect_motion
from clipcrowd.store.db import Database
from clipcrowd.store.tables import job_shards
from tests.camera.support import REGEX, all_events, camera_folder, last_job, run_import, wait_job
from tests.support import live_server

ROOT = Path(__file__).resolve().parents[2]



def test_an_import_on_ray_gives_the_events_of_a_local_run(local_ray: None, db: Database, tmp_path: Path) -> None:
    clips = camera_folder(tmp_path / "footage", cameras=2, files=2, seconds=4)
    with live_server(db, tmp_path, executor="ray") as live:
        done = run_import(str(tmp_path / "footage"), "-r", REGEX, "--server", live.url, "-a", live.token,
                          "-s", str(tmp_path / "state.sqlite"))
        assert done.returncode == 0, done.stderr
        job_id = last_job(done.stdout)
        assert wait_job(live.url, live.headers, job_id, timeout=300)["status"] == "complete"
        events = all_events(live.url, live.headers, job_id=job_id)
    with db.read() as conn:
        workers = {r.claimed_by for r in conn.execute(select(job_shards.c.claimed_by))}
    assert workers and not any(w.endswith(f":{os.getpid()}") for w in workers)  # run by Ray's workers
    expected = []
    for clip in clips:  # the same function the local executor runs, in this process
        base = datetime.fromtimestamp(clip.epoch, UTC).replace(tzinfo=None)
        for event in detect_motion(clip.path, MotionParams(cover_width=None)):
            expected.append((clip.camera, (base + timedelta(milliseconds=event.start_ms)).isoformat(
                timespec="milliseconds"), event.direction, event.color_hex))
    found = [(e["camera"]["name"], e["start"], e["direction"], e["color"]) for e in events]
    assert sorted(found) == sorted(expected) and len(found) >= len(clips)
