"""From mined clips to a validated Kinetics-style dataset: a live server, the simulated crowd, 3 of 5."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from clipcrowd.client import Client
from clipcrowd.client.validation import send_candidates, validation_project
from clipcrowd.export.kinetics import verdicts
from clipcrowd.sim import simulate
from tests.factories import pool_body
from tests.support import Live
from tests.test_cli import invoke, one_line_error

from .conftest import Corpus

pytestmark = pytest.mark.slow


def _truth(corpus: Corpus):  # type: ignore[no-untyped-def]
    """What a careful person answers: yes when the clip overlaps the time the square is shown."""
    def truth(values: dict[str, Any]) -> dict[str, str]:
        squares = corpus.squares[values["video"]]
        shown = any(s < values["time_end"] and values["time_start"] < e for s, e in squares)
        return {"answer": "yes" if shown else "no"}
    return truth


def test_mine_validate_three_of_five_and_export(live: Live, corpus: Corpus, model: Path, classes: Path,
                                                tmp_path: Path) -> None:
    with Client(live.url, live.token) as client:
        project = client.create_project(validation_project())
        pool = client.create_pool(pool_body(project["id"], defaults={"default_overlap_for_new_task_suites": 5}))
        pool_id = str(pool["id"])
    mined = tmp_path / "mined"
    # no --min-score: the video that never shows the square still gets its best (false) moment
    done = invoke("mine", str(corpus.folder), "--scorer", f"onnx:{model}", "--classes", str(classes), "--label",
               "red square", "--clip-seconds", "3", "--out", str(mined), "--pool", pool_id, "--url", live.url,
               "--token", live.token, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "4 clips sent to pool" in done.stdout
    with Client(live.url, live.token) as client:
        client.open_pool(pool_id)
        report = simulate(live.url, live.token, pool_id, workers=10, accuracy=0.95, truth=_truth(corpus),
                          timeout=240, idle_seconds=3, seed=3)
        assert sum(report.submitted.values()) == 20  # 4 clips x overlap 5
    out = tmp_path / "kinetics"
    done = invoke("export", "kinetics", pool_id, "--out", str(out), "--url", live.url, "--token", live.token,
               home=tmp_path)
    assert done.returncode == 0, done.stderr
    with (out / "train.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["label", "youtube_id", "time_start", "time_end", "split"]
    assert sorted(r["youtube_id"] for r in rows) == ["early", "late", "middle"]
    assert {r["label"] for r in rows} == {"red square"} and {r["split"] for r in rows} == {"train"}
    clips = sorted(p.name for p in (out / "train" / "red_square").iterdir())
    assert len(clips) == 3 and all(c.endswith(".mp4") and (out / "train" / "red_square" / c).stat().st_size > 0
                                   for c in clips)
    votes = {c["video"]: c for c in json.loads((out / "votes.json").read_text())["clips"]}
    assert votes["never"]["status"] == "rejected" and votes["never"]["no"] >= 3
    assert len(votes["never"]["votes"]) == 5  # rejected clips keep their votes
    assert all(votes[v]["status"] == "accepted" and votes[v]["yes"] >= 3 for v in ("early", "middle", "late"))
    # golden clips are optional: sending the folder again reuses the uploaded clips, and marks the golden one
    with Client(live.url, live.token) as client:
        assets_before = len(list(client.iterate("/api/v1/assets", project_id=project["id"], limit=1000)))
        second = client.create_pool(pool_body(project["id"]))
        first_clip = json.loads((mined / "candidates.json").read_text())["candidates"][0]["clip_path"]
        tasks = send_candidates(client, str(second["id"]), mined, golden={first_clip: True})
        assert len(list(client.iterate("/api/v1/assets", project_id=project["id"], limit=1000))) == assets_before
    golden = [t for t in tasks if t.get("known_solutions")]
    assert [t["input_values"]["clip"] for t in golden] == [first_clip]
    assert golden[0]["known_solutions"][0]["output_values"] == {"answer": "yes"}
    assert {t["overlap"] for t in tasks if not t.get("known_solutions")} == {5}
    # a second export into the same folder is refused and changes nothing
    again = invoke("export", "kinetics", pool_id, "--out", str(out), "--url", live.url, "--token", live.token,
                home=tmp_path)
    one_line_error(again, "not empty")


def test_k_of_n_verdicts_from_votes() -> None:
    tasks = [{"id": t, "input_values": {"label": "x", "video": t, "time_start": 0.0, "time_end": 1.0,
                                        "asset": "/api/v1/assets/1/media"}} for t in ("a", "b", "c", "d")]
    votes = ([{"task": "a", "worker": f"w{i}", "label": lab} for i, lab in enumerate("yyynn")]
             + [{"task": "b", "worker": f"w{i}", "label": lab} for i, lab in enumerate("ynnyn")]
             + [{"task": "c", "worker": f"w{i}", "label": lab} for i, lab in enumerate("yn")])
    votes = [{**v, "label": {"y": "yes", "n": "no"}[v["label"]]} for v in votes]
    got = {v.task_id: (v.status, v.yes, v.no) for v in verdicts(tasks, votes)}
    assert got == {"a": ("accepted", 3, 2), "b": ("rejected", 2, 3), "c": ("pending", 1, 1), "d": ("pending", 0, 0)}


def test_mine_refuses_a_pool_that_is_not_for_clips(live: Live, corpus: Corpus, model: Path, classes: Path,
                                                   tmp_path: Path) -> None:
    from tests.factories import text_project

    with Client(live.url, live.token) as client:
        project = client.create_project(text_project())
        pool_id = str(client.create_pool(pool_body(project["id"]))["id"])
    out = tmp_path / "mined"
    done = invoke("mine", str(corpus.folder), "--scorer", f"onnx:{model}", "--classes", str(classes),
               "--clip-seconds", "3", "--out", str(out), "--pool", pool_id, "--url", live.url, "--token",
               live.token, home=tmp_path)
    one_line_error(done, "not a clip-validation pool")
    assert not out.exists()
