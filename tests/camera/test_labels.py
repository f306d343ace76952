"""Labels of a camera import: crowd answers (one task per event in a pool) and direct writes, downloaded
by ``clipcrowd labels`` as JSON, CSV and XML."""

from __future__ import annotations

import csv
import json
import os
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from clipcrowd.cli import app
from tests.camera.support import REGEX, all_events, last_job, run_import, wait_job
from tests.factories import pool_body
from tests.mining.scenes import Mover, write_scene
from tests.support import Live

EPOCH = 1_700_000_000


def _project(http: httpx.Client) -> str:
    view = {"view": {"type": "view.list", "items": [
        {"type": "view.video", "url": {"type": "data.input", "path": "clip"}},
        {"type": "view.image", "url": {"type": "data.input", "path": "cover"}},
        {"type": "field.radio-group", "data": {"type": "data.output", "path": "result"},
         "options": [{"label": "Car", "value": "car"}, {"label": "Person", "value": "person"}]}]}}
    body = {"public_name": "What moved?", "task_spec": {
        "input_spec": {"clip": {"type": "url"}, "cover": {"type": "url"}},
        "output_spec": {"result": {"type": "string", "allowed_values": ["car", "person"]}},
        "view_spec": {"type": "tb", "config": json.dumps(view), "lock": {"core": "1.0.0"}, "inferDataSpec": False}}}
    made = http.post("/api/v1/projects", json=body)
    assert made.status_code in (200, 201), made.text
    return str(made.json()["id"])


def _labels(live: Live, *args: str, cwd: Path) -> Any:
    """``clipcrowd labels`` in this process (the import ran as a real process; this one need not)."""
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(app, ["labels", *args, "--server", live.url], env={"CLIPCROWD_TOKEN": live.token})
    finally:
        os.chdir(previous)


def test_crowd_and_direct_labels_download_in_three_formats(live: Live, tmp_path: Path) -> None:
    folder = tmp_path / "footage"
    for camera, seed in (("north", 1), ("south", 2)):
        (folder / camera).mkdir(parents=True)
        write_scene(folder / camera / f"{camera}-{EPOCH}.mp4", 3, [Mover(0.8, 2.2)], seed=seed)
    with httpx.Client(base_url=live.url, headers=live.headers) as http:
        pool = http.post("/api/v1/pools", json=pool_body(_project(http))).json()
        done = run_import(str(folder), "-r", REGEX, "--server", live.url, "-a", live.token, "--pool", pool["id"],
                          "-s", str(tmp_path / "state.sqlite"))
        assert done.returncode == 0, done.stderr
        job_id = last_job(done.stdout)
        wait_job(live.url, live.headers, job_id)
        events = all_events(live.url, live.headers, job_id=job_id)
        assert len(events) == 2 and events[0]["start"] == events[1]["start"]  # two cameras, the same millisecond
        assert all(e["task_id"] and e["clip_url"] for e in events)
        clip = http.get(events[0]["clip_url"])
        assert clip.status_code == 200 and clip.content[4:8] == b"ftyp"
        task = http.get(f"/api/v1/tasks/{events[0]['task_id']}").json()
        assert task["input_values"] == {"clip": events[0]["clip_url"], "cover": events[0]["cover_url"]}

        assert http.post(f"/api/v1/pools/{pool['id']}/open").status_code in (200, 202)
        for login in ("ann", "bob", "cat"):
            person = http.post("/api/v1/workers", json={"login": login}).json()
            auth = {"Authorization": f"Bearer {person['token']}"}
            while (suite := http.post(f"/api/v1/worker/pools/{pool['id']}/next", headers=auth)).status_code == 200:
                answers = [{"output_values": {"result": "person" if login == "cat" else "car"}}
                           for _ in suite.json()["tasks"]]
                http.post(f"/api/v1/worker/assignments/{suite.json()['id']}/submit", headers=auth,
                          json={"solutions": answers}).raise_for_status()
        op = http.post("/api/v1/aggregated-solutions/aggregate-by-pool",
                       json={"pool_id": pool["id"], "method": "mv", "include_submitted": True}).json()
        deadline = time.monotonic() + 60
        while http.get(f"/api/v1/operations/{op['id']}").json()["status"] not in ("SUCCESS", "FAIL"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert http.get(f"/api/v1/operations/{op['id']}").json()["status"] == "SUCCESS"

        target = events[0]["id"]
        for bad, field in (({"labels": "car"}, "labels"), ({"labels": [""]}, "labels[0]"),
                           ({"labels": ["x" * 201]}, "labels[0]"), ({"labels": ["a"] * 101}, "labels"), ({}, "labels")):
            refused = http.put(f"/api/v1/events/{target}/labels", json=bad)
            assert refused.status_code == 400 and field in refused.json()["payload"], (bad, refused.text)
        assert http.put("/api/v1/events/999999/labels", json={"labels": ["a"]}).status_code == 404
        written = http.put(f"/api/v1/events/{target}/labels", json={"labels": ["bicycle", "_ml_motion"]}).json()
        assert written["labels"] == ["_ml_motion", "bicycle", "car"]
        assert written["label_sources"] == {"direct": ["bicycle", "_ml_motion"], "crowd": ["car"]}
        assert http.get(f"/api/v1/events/{events[1]['id']}").json()["labels"] == ["car"]

    out = tmp_path / "out"
    out.mkdir()
    as_json = _labels(live, job_id, "labels.json", cwd=out)
    assert as_json.exit_code == 0, as_json.output
    doc = json.loads((out / "labels.json").read_text(encoding="utf-8"))
    assert doc["job_id"] == job_id and doc["earliest_date"].endswith("-0000")
    (key,) = doc["labels"]
    assert key.endswith("-0000") and len(key) == len("2023-11-14T22:13:20.800-0000")
    assert sorted(doc["labels"][key]["cameras"]) == ["north", "south"]
    assert doc["labels"][key]["labels"] == ["bicycle", "car"]  # internal labels dropped by default
    assert _labels(live, job_id, "-o", "x.json", "y.json", cwd=out).exit_code == 1  # output given twice

    assert _labels(live, job_id, "-c", cwd=out).exit_code == 0
    with (out / f"{job_id}_results.csv").open(encoding="utf-8", newline="") as src:
        rows = list(csv.DictReader(src))
    assert {(r["camera_name"], r["label"]) for r in rows} == {("north", "bicycle"), ("north", "car"), ("south", "car")}
    assert all(r["timestamp"] == key and r["job_id"] == job_id for r in rows)

    assert _labels(live, job_id, "-x", "--include-internal", "-w", '["car", "_ml_motion"]', cwd=out).exit_code == 0
    root = ET.parse(out / f"{job_id}_results.xml").getroot()
    assert root.tag == "job" and root.get("id") == job_id
    cams = {c.get("name"): sorted(label.text or "" for label in c) for c in root.find("event") or []}
    assert cams == {"north": ["_ml_motion", "car"], "south": ["car"]}

    listing = _labels(live, cwd=out)
    assert listing.exit_code == 0 and job_id in json.loads((out / "job_list.json").read_text())
    shutil.rmtree(out)
