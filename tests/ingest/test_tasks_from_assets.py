"""Image and audio projects, tasks whose input points at a served asset, and who may fetch it."""

from __future__ import annotations

import httpx

from tests.factories import pool_body
from tests.ingest.conftest import Web, stored_files, wait_for
from tests.ingest.test_bad_input import INTERFACE
from tests.support import Live


def _import(http: httpx.Client, input_type: str, items: list[dict]) -> tuple[str, dict[str, dict]]:
    project = http.post("/api/v1/projects/from-interface", json={
        "title": input_type, "input_type": input_type, "json_interface": INTERFACE}).json()
    imported = http.post("/api/v1/assets", json={"project_id": project["id"], "assets": items})
    assert imported.status_code == 201
    job_id = imported.json()["job_id"]

    def settled() -> dict[str, dict] | None:
        if http.get(f"/api/v1/jobs/{job_id}").json()["status"] not in ("complete", "complete_with_errors"):
            return None
        rows = http.get("/api/v1/assets", params={"project_id": project["id"]}).json()["items"]
        return {r["external_id"]: r for r in rows} if all(r["status"] in ("READY", "ERROR") for r in rows) else None

    return project["id"], wait_for(settled)


def test_image_and_audio_projects_check_what_arrived(ingest_live: Live, web: Web) -> None:
    with httpx.Client(base_url=ingest_live.url, headers=ingest_live.headers) as http:
        _, images = _import(http, "IMAGE", [
            {"external_id": "img", "content": web.url("vid2_frame/video2-img000001.jpg")},
            {"external_id": "video_in_image_project", "content": web.url("short_video.mp4")}])
        assert images["img"]["status"] == "READY" and images["img"]["kind"] == "IMAGE"
        assert images["img"]["info"]["width"] == 64 and images["img"]["proxy_url"] is None
        assert "is not an image" in images["video_in_image_project"]["error"]
        _, sounds = _import(http, "AUDIO", [
            {"external_id": "tone", "content": web.url("tone.m4a")},
            {"external_id": "text", "content": web.url("notes.mp4")}])
        assert sounds["tone"]["status"] == "READY" and sounds["tone"]["info"]["audio"][0]["codec"] == "aac"
        assert sounds["tone"]["cover_url"] is None
        assert "not a media file" in sounds["text"]["error"]
        _, videos = _import(http, "VIDEO", [{"external_id": "still", "content": web.url("vid2_frame/wider.jpg")}])
        assert "is an image (jpeg_pipe), not a video" in videos["still"]["error"]
        failed = http.get("/api/v1/jobs", params={"kind": "asset.process", "status": "complete_with_errors"}).json()
        assert len(failed["items"]) == 3  # each of the three calls had one asset that could not be used
        bad = http.get(f"/api/v1/jobs/{failed['items'][-1]['job_id']}/items", params={"status": "failed"}).json()
        assert [i["result"]["asset_id"] for i in bad["items"]] == [videos["still"]["id"]]
        assert "is an image (jpeg_pipe), not a video" in bad["items"][0]["error"]


def test_tasks_point_at_served_assets(ingest_live: Live, web: Web) -> None:
    with httpx.Client(base_url=ingest_live.url, headers=ingest_live.headers) as http:
        project_id, assets = _import(http, "VIDEO", [
            {"external_id": "v1", "content": web.url("short_video.mp4")},
            {"external_id": "v2", "content": web.url("short_video.mkv")}])
        pool = http.post("/api/v1/pools", json=pool_body(project_id)).json()
        made = http.post("/api/v1/assets/tasks", json={"pool_id": pool["id"], "overlap": 2})
        assert made.status_code == 201, made.text
        tasks = sorted(made.json()["items"].values(), key=lambda t: t["id"])
        assert [t["input_values"]["asset"] for t in tasks] == [assets["v1"]["media_url"], assets["v2"]["media_url"]]
        assert assets["v2"]["media_url"].endswith("/media") and assets["v2"]["proxy_url"]
        worker = http.post("/api/v1/workers", json={"login": "w1"}).json()
        as_worker = httpx.get(ingest_live.url + tasks[1]["input_values"]["asset"],
                              headers={"Authorization": f"Bearer {worker['token']}", "Range": "bytes=0-1023"})
        assert as_worker.status_code == 206 and len(as_worker.content) == 1024
        assert httpx.get(ingest_live.url + tasks[0]["input_values"]["asset"]).status_code == 401
        # a project with pools keeps its answers: it is archived, not deleted
        refused = http.delete(f"/api/v1/projects/{project_id}")
        assert refused.status_code == 409 and "archive it instead" in refused.json()["message"]
        assert stored_files(ingest_live, project_id)
        # one asset can go, with its files
        http.delete(f"/api/v1/assets/{assets['v2']['id']}").raise_for_status()
        assert stored_files(ingest_live, f"{project_id}/assets/{assets['v2']['id']}") == []
        assert http.get(f"/api/v1/assets/{assets['v2']['id']}").status_code == 404
        jobs = http.get("/api/v1/jobs", params={"project_id": project_id}).json()["items"]
        assert [(j["kind"], j["status"]) for j in jobs] == [("asset.process", "complete")]  # one job per import call
        assert jobs[0]["counts"] == {"expected": 2, "received": 2, "processed": 2, "failed": 0, "skipped": 0,
                                     "pending": 0}
        done = http.get(f"/api/v1/jobs/{jobs[0]['job_id']}/items", params={"status": "done"}).json()["items"]
        assert sorted(i["result"]["asset_id"] for i in done) == sorted([assets["v1"]["id"], assets["v2"]["id"]])
