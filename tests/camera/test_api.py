"""The camera routes refuse bad input with a 4xx naming the field, and change nothing when they do."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx

from clipcrowd.domain.models.assets import JobPublic
from clipcrowd.domain.models.cameras import CameraImportPublic
from clipcrowd.jobs import ShardPlan, submit
from clipcrowd.services import task_upload_jobs
from tests.camera.support import run_import, wait_job
from tests.mining.scenes import Mover, write_scene
from tests.support import Live

WINDOW = {"earliest_date": "2023-11-14T22:13:20.000", "latest_date": "2023-11-14T22:14:20.000"}


def _fault(response: httpx.Response, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert {"code", "message", "payload"} <= set(body)
    if field is not None:
        assert field in (body["payload"] or {}), body


def test_bad_input_is_refused_with_the_field_named(live: Live, tmp_path: Path) -> None:
    with httpx.Client(base_url=live.url, headers=live.headers) as http:
        _fault(http.post("/api/v1/cameras", json={}), 400, "name")
        _fault(http.post("/api/v1/cameras", json={"name": "x" * 501}), 400, "name")
        _fault(http.post("/api/v1/cameras", content=b"{oops"), 400, "body")
        _fault(http.post("/api/v1/cameras", json={"name": "c", "img_x_size_cover": 10**9}), 400, "img_x_size_cover")
        _fault(http.post("/api/v1/cameras", json={"name": "c", "img_y_size_cover": "big"}), 400, "img_y_size_cover")
        _fault(http.post("/api/v1/cameras", json={"name": "c", "plan": "gold"}), 400, "plan")
        camera = http.post("/api/v1/cameras", json={"name": "gate", "plan": "pro"}).json()
        assert http.post("/api/v1/cameras", json={"name": "gate"}).json()["camera_id"] == camera["camera_id"]
        cams = [{"name": "gate"}]
        for body, field in (({**WINDOW, "item_count": 0, "cameras": cams}, "item_count"),
                            ({**WINDOW, "item_count": True, "cameras": cams}, "item_count"),
                            ({**WINDOW, "item_count": 1, "cameras": []}, "cameras"),
                            ({**WINDOW, "item_count": 1, "cameras": [{"nom": 1}]}, "cameras[0].name"),
                            ({"earliest_date": WINDOW["latest_date"], "latest_date": WINDOW["earliest_date"],
                              "item_count": 1, "cameras": cams}, "earliest_date"),
                            ({"earliest_date": "yesterday", "latest_date": WINDOW["latest_date"], "item_count": 1,
                              "cameras": cams}, "earliest_date"),
                            ({**WINDOW, "item_count": 1, "cameras": cams, "pool_id": "999"}, "pool_id"),
                            ({**WINDOW, "item_count": 1, "cameras": cams, "shard_size": 5000}, "shard_size")):
            _fault(http.post("/api/v1/camera-imports", json=body), 400, field)
        assert http.get("/api/v1/camera-imports").json()["items"] == []  # nothing half-made

        job = http.put("/api/v1/camera-imports", json={**WINDOW, "item_count": 4099, "cameras": cams,
                                                        "idempotency_key": "k1"}).json()
        assert [s["item_count"] for s in job["shard_map"].values()] == [2048, 2048, 3]
        assert job["status"] == "shards_missing"
        again = http.post("/api/v1/camera-imports", json={**WINDOW, "item_count": 4099, "cameras": cams,
                                                           "idempotency_key": "k1"}).json()
        assert again["job_id"] == job["job_id"]
        shard = f"/api/v1/camera-imports/{job['job_id']}/shards/2"
        hashes = {f"{i:040x}": {"original_filename": f"f{i}.mp4", "size_MB": 1} for i in range(3)}
        _fault(http.put(shard, json={"item_count": 2, "hash_map": hashes}), 400, "item_count")
        assert http.put(shard, json={"item_count": 3, "hash_map": hashes}).status_code == 200
        assert http.put(shard, json={"item_count": 3, "hash_map": hashes}).status_code == 200  # idempotent
        other = {f"{i + 7:040x}": v for i, v in enumerate(hashes.values())}
        _fault(http.put(shard, json={"item_count": 3, "hash_map": other}), 409)
        _fault(http.put(f"/api/v1/camera-imports/{job['job_id']}/shards/9", json={"item_count": 0, "hash_map": {}}),
               404)
        content = f"/api/v1/camera-imports/{job['job_id']}/content"
        good = {"hash": "a" * 40, "camera_id": camera["camera_id"], "timestamp": WINDOW["earliest_date"]}
        for params, field in (({**good, "hash": "xyz"}, "hash"), ({**good, "camera_id": "nope"}, "camera_id"),
                              ({**good, "camera_id": "999"}, "camera_id"), ({**good, "timestamp": "soon"}, "timestamp"),
                              ({**good, "shard_id": "77"}, "shard_id")):
            _fault(http.post(content, params=params, content=b"data"), 400, field)
        _fault(http.post(content, params=good, content=b""), 400, "body")
        _fault(http.get("/api/v1/camera-imports/abc"), 404)

        _fault(http.get("/api/v1/events", params={"job_id": "x"}), 400, "job_id")
        _fault(http.get("/api/v1/events", params={"start_gte": "noon"}), 400, "start_gte")
        _fault(http.get("/api/v1/events", params={"limit": "0"}), 400, "limit")
        _fault(http.get("/api/v1/events/abc"), 404)
        _fault(http.get("/api/v1/events/5/thumbnail"), 404)
        assert http.get("/api/v1/events").json() == {"items": [], "has_more": False}

        # a finished job takes no more files
        path = write_scene(tmp_path / "gate.mp4", 2, [Mover(0.5, 1.5)])
        data = path.read_bytes()
        small = http.post("/api/v1/camera-imports", json={**WINDOW, "item_count": 1, "cameras": cams}).json()
        url = f"/api/v1/camera-imports/{small['job_id']}/content"
        sha1 = hashlib.sha1(data).hexdigest()
        posted = http.post(url, params={**good, "hash": sha1}, content=data)
        assert posted.status_code == 201 and posted.json()["status"] == "created"
        assert http.post(url, params={**good, "hash": sha1}, content=data).json()["status"] == "duplicate"
        done = wait_job(live.url, live.headers, small["job_id"])
        assert done["status"] == "complete"
        assert done["counts"] == {"expected": 1, "received": 1, "processed": 1, "failed": 0, "skipped": 0,
                                  "pending": 0}
        (item,) = http.get(f"/api/v1/jobs/{small['job_id']}/items").json()["items"]
        assert item["key"] == sha1 and item["status"] == "done" and item["result"]["events"] == 1
        late = data + b"\0"
        _fault(http.post(url, params={**good, "hash": hashlib.sha1(late).hexdigest()}, content=late), 409)
    unauth = httpx.get(f"{live.url}/api/v1/events")
    assert unauth.status_code == 401
    refused = run_import(str(tmp_path), "-r", r".*/(?P<camera>\w+?)\.mp4", "--missing-epoch", "mtime",
                         "--server", live.url, "-a", "not-a-token", "-s", str(tmp_path / "s.sqlite"))
    assert refused.returncode == 1 and "refused the token" in refused.stderr


def test_a_camera_import_is_the_jobs_object_plus_upload_urls(live: Live) -> None:
    """`/camera-imports/{id}` presents the job as `/jobs/{id}` does (one presenter, one schema), adds each
    shard's upload URL, and knows camera imports only."""

    with httpx.Client(base_url=live.url, headers=live.headers) as http:
        http.post("/api/v1/cameras", json={"name": "gate"})
        made = http.post("/api/v1/camera-imports", json={**WINDOW, "item_count": 3, "cameras": [{"name": "gate"}]})
        job_id = made.json()["job_id"]
        camera, job = (http.get(f"/api/v1/{where}/{job_id}").json() for where in ("camera-imports", "jobs"))
        assert {k: v for k, v in camera.items() if k != "shard_map"} == {k: v for k, v in job.items()
                                                                         if k != "shard_map"}
        for shard_id, shard in camera["shard_map"].items():
            assert shard.pop("upload_url") == f"/api/v1/camera-imports/{job_id}/shards/{shard_id}"
        assert camera["shard_map"] == job["shard_map"]
        with live.db.write() as conn:
            other = submit(conn, task_upload_jobs.JOB_KIND, {"file": "uploads/tasks/x", "pool_id": 1},
                           shards=[ShardPlan(["uploads/tasks/x"], status="missing")])  # never claimed
        assert http.get(f"/api/v1/jobs/{other}").status_code == 200
        _fault(http.get(f"/api/v1/camera-imports/{other}"), 404)
    assert set(JobPublic.model_fields) <= set(CameraImportPublic.model_fields)  # the served schema says so too
