"""Mining runs over REST on a live server: start one over a project's videos, read its candidates,
fetch a clip, send the clips to a validation pool; bad requests are 400s naming the field."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import av
import httpx
import pytest

from clipcrowd.client import Client, WorkerClient
from clipcrowd.client.validation import mining_candidates, start_mining, upload_clips, validate_run, validation_project
from clipcrowd.jobs import run_pending
from clipcrowd.services import workers
from clipcrowd.services.job_executor import context
from tests.factories import pool_body
from tests.ingest.conftest import wait_for
from tests.ingest.test_bad_input import INTERFACE
from tests.support import Live
from tests.test_cli import invoke, one_line_error

from . import _media as gen
from .conftest import Corpus

pytestmark = pytest.mark.slow


def _project_with_videos(live: Live, corpus: Corpus, tmp_path: Path) -> tuple[str, dict[str, str]]:
    """A VIDEO project holding the corpus videos plus one shorter than the clips asked for."""
    short = tmp_path / "short.mp4"
    gen.write_video(short, [gen.Segment(2, 61, True)])
    files = [*sorted(corpus.folder.glob("*.mp4")), short]
    with Client(live.url, live.token) as client:
        project = client._call("POST", "/api/v1/projects/from-interface",
                               json={"title": "videos", "input_type": "VIDEO", "json_interface": INTERFACE})
        assets = upload_clips(client, project["id"], files, timeout=120)
    return project["id"], {asset: path.stem for path, asset in assets.items()}


def _start(http: httpx.Client, body: dict) -> httpx.Response:
    return http.post("/api/v1/mining/runs", json=body)


def test_mining_run_over_rest(live: Live, corpus: Corpus, model: Path, classes: Path, tmp_path: Path) -> None:
    models = live.settings.home / "models"
    models.mkdir(parents=True, exist_ok=True)
    shutil.copy(model, models / "red.onnx")
    (models / "notes.onnx").write_text("not a model")
    project_id, names = _project_with_videos(live, corpus, tmp_path)
    good = {"project_id": project_id, "scorer": "onnx:red.onnx", "classes": list(gen.CLASSES),
            "labels": ["red square"], "clip_seconds": 3, "sample_fps": 2, "min_score": 0.5}
    with httpx.Client(base_url=live.url, headers=live.headers, timeout=60) as http:
        bad = {
            "scorer": {"scorer": "onnx:../clipcrowd.db"},
            "classes": {"classes": ["a", "b", "c"]},
            "labels": {"labels": ["making pizza"]},
            "clip_seconds": {"clip_seconds": -1},
            "top_k": {"top_k": "many"},
            "one_per_video": {"one_per_video": "yes"},
            "asset_ids": {"asset_ids": ["999999"]},
        }
        for field, change in bad.items():
            response = _start(http, {**good, **change})
            assert response.status_code == 400, (field, response.text)
            assert field in response.json()["payload"], (field, response.json())
        not_onnx = _start(http, {**good, "scorer": "onnx:notes.onnx"})
        assert not_onnx.status_code == 400 and "not an ONNX model" in not_onnx.json()["message"]
        assert http.get("/api/v1/jobs", params={"kind": "mining.videos"}).json()["items"] == []  # nothing made

        with Client(live.url, live.token) as client:  # the SDK's one call
            run = start_mining(client, **good)
        run_id = run["id"]
        assert len(run["shard_map"]) == len(names)  # one shard per video
        run_pending(live.db, context(live.settings))  # the server's workers may take some shards too
        wait_for(lambda: http.get(f"/api/v1/mining/runs/{run_id}").json()["status"]
                 in ("complete", "complete_with_errors"), timeout=120)
        with Client(live.url, live.token) as client:
            found = mining_candidates(client, run_id)
        assert found["pending"] == 0
        kept = {names[c["asset_id"]]: c for c in found["items"]}
        assert set(kept) == {"early", "middle", "late"}
        for video, cand in kept.items():
            (start, end), = corpus.squares[video]
            assert cand["time_start"] <= (start + end) / 2 < cand["time_end"]
        (failure,) = found["failed"]
        assert names[failure["asset_id"]] == "short" and "longer than the video" in failure["error"]
        clip = http.get(kept["middle"]["clip_url"])
        assert clip.status_code == 200 and clip.headers["content-type"] == "video/mp4"
        (tmp_path / "clip.mp4").write_bytes(clip.content)
        with av.open(str(tmp_path / "clip.mp4")) as container:
            assert float(container.streams.video[0].frames) == pytest.approx(30, abs=1)  # 3 s at 10 fps
        assert http.get(f"/api/v1/mining/runs/{run_id}/clips/..%2Fclipcrowd.db").status_code == 404
        assert http.get("/api/v1/mining/runs/424242/candidates").status_code == 404

        with Client(live.url, live.token) as client:
            pool = client.create_pool(pool_body(client.create_project(validation_project())["id"]))
            tasks = list(validate_run(client, run_id, pool["id"])["items"].values())
        assert sorted(t["input_values"]["asset"] for t in tasks) == sorted(c["clip_url"] for c in kept.values())
        assert {t["overlap"] for t in tasks} == {5}
        wrong = http.post(f"/api/v1/mining/runs/{run_id}/validation", json={"pool_id": "nope"})
        assert wrong.status_code == 400 and "pool_id" in wrong.json()["payload"]

        # a worker reads a clip only once a task of hers points at it
        eve = WorkerClient(live.url, workers.create(live.db, {"login": "eve", "password": "password123"})["token"])
        assert eve.http.get(kept["early"]["clip_url"]).status_code == 403
        client_open = http.post(f"/api/v1/pools/{pool['id']}/open")
        assert client_open.status_code in (200, 202), client_open.text
        suite = eve.next_suite(str(pool["id"]))
        mine = {t["input_values"]["asset"] for t in suite["tasks"]}
        for clip_url in (c["clip_url"] for c in kept.values()):
            expected = 200 if clip_url in mine else 403
            assert eve.http.get(clip_url).status_code == expected, clip_url
        unknown = eve.http.get(f"/api/v1/mining/runs/{run_id}/clips/made-up.mp4")
        assert unknown.status_code == 403  # the same answer as for a real clip: names cannot be probed
        eve.close()


def test_cli_mines_a_projects_videos(live: Live, corpus: Corpus, model: Path, classes: Path, tmp_path: Path) -> None:
    project_id, _ = _project_with_videos(live, corpus, tmp_path)
    out = tmp_path / "out"
    done = invoke("mine", f"project:{project_id}", "--scorer", f"onnx:{model}", "--classes", str(classes),
               "--label", "red square", "--clip-seconds", "3", "--min-score", "0.5", "--out", str(out),
               "--url", live.url, "--token", live.token, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "short" in done.stderr and "longer than the video" in done.stderr  # skipped, the others mined
    with (out / "candidates.csv").open() as fh:
        videos = sorted(row["video"].rsplit("-", 1)[-1] for row in csv.DictReader(fh))
    assert videos == ["early", "late", "middle"]
    missing = invoke("mine", "project:424242", "--out", str(tmp_path / "none"), "--url", live.url, "--token",
                  live.token, home=tmp_path)
    one_line_error(missing, "no READY video assets")
