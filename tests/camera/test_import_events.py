"""Camera folders end to end: import through the server, motion events on worker processes, F1 on known movers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.camera.support import REGEX, all_events, camera_folder, last_job, run_import, wait_job
from tests.mining.scenes import match
from tests.support import Live


def _iso(epoch: int, offset: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None) + timedelta(seconds=offset)


def _secs(pair: tuple[datetime, datetime], base: datetime) -> tuple[float, float]:
    return (pair[0] - base).total_seconds(), (pair[1] - base).total_seconds()


def test_three_cameras_give_their_motion_events(live: Live, tmp_path: Path) -> None:
    clips = camera_folder(tmp_path / "footage")
    done = run_import(str(tmp_path / "footage"), "-r", REGEX, "--server", live.url, "-a", live.token,
                      "-s", str(tmp_path / "state.sqlite"))
    assert done.returncode == 0, done.stderr
    job_id = last_job(done.stdout)
    job = wait_job(live.url, live.headers, job_id)
    assert job["status"] == "complete" and job["counts"]["processed"] == len(clips)
    assert job["shard_map"]["0"]["item_count"] == len(clips)
    assert sorted(c["name"] for c in job["request"]["cameras"]) == ["cam0", "cam1", "cam2"]
    events = all_events(live.url, live.headers, job_id=job_id)
    tp = fp = fn = 0
    for camera in ("cam0", "cam1", "cam2"):
        truth = [(_iso(c.epoch, m.start), _iso(c.epoch, m.end)) for c in clips if c.camera == camera for m in c.movers]
        found = [(datetime.fromisoformat(e["start"]), datetime.fromisoformat(e["end"])) for e in events
                 if e["camera"]["name"] == camera]
        base = min(t[0] for t in truth)
        pairs = match([_secs(f, base) for f in found], [_secs(t, base) for t in truth])
        for i, j in pairs:
            assert abs((found[i][0] - truth[j][0]).total_seconds()) <= 0.5
            assert abs((found[i][1] - truth[j][1]).total_seconds()) <= 0.5
        tp += len(pairs)
        fp += len(found) - len(pairs)
        fn += len(truth) - len(pairs)
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= 0.9, (tp, fp, fn)
    one = events[0]
    assert set(one) >= {"energy", "bbox", "direction", "color", "start", "end", "camera", "asset_id", "labels"}
    cover = httpx.get(live.url + one["cover_url"], headers=live.headers)
    assert cover.status_code == 200 and cover.content[:2] == b"\xff\xd8"
    cam0 = all_events(live.url, live.headers, camera="cam0")
    assert cam0 and {e["camera"]["name"] for e in cam0} == {"cam0"}
    window = all_events(live.url, live.headers, job_id=job_id, start_gte=events[1]["start"],
                        start_lt=events[-1]["start"])
    assert all(events[1]["start"] <= e["start"] < events[-1]["start"] for e in window)
    assert len(window) < len(events)

    again = run_import(str(tmp_path / "footage"), "-r", REGEX, "--server", live.url, "-a", live.token,
                       "-s", str(tmp_path / "state.sqlite"))
    assert again.returncode == 0, again.stderr
    assert "nothing to do" in again.stderr
    assert last_job(again.stdout) == job_id
