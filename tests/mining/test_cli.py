"""`clipcrowd mine` as a user types it: one-line errors, nothing half-written; run in this process
(`invoke`), except the run with worker processes, which is a real process."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from tests.test_cli import invoke, one_line_error, run

from . import _media as gen
from .conftest import Corpus


def _args(source: Path, model: Path, classes: Path, out: Path, *extra: str) -> list[str]:
    return ["mine", str(source), "--scorer", f"onnx:{model}", "--classes", str(classes), "--label", "red square",
            "--clip-seconds", "4", "--sample-fps", "2", "--min-score", "0.5", "--out", str(out), *extra]


def _nothing_written(parent: Path, out: Path) -> None:
    assert not out.exists()
    assert not [p for p in parent.iterdir() if p.name.startswith(f".{out.name}.")]


def test_mine_a_folder(corpus: Corpus, model: Path, classes: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = invoke(*_args(corpus.folder, model, classes, out), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "3 clips kept" in done.stdout
    with (out / "candidates.csv").open() as fh:
        assert sorted(r["video"] for r in csv.DictReader(fh)) == ["early", "late", "middle"]


def test_bad_model_classes_and_label_are_one_line_errors(corpus: Corpus, model: Path, classes: Path,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "out"
    text = tmp_path / "notes.onnx"
    text.write_text("not a model\n")
    one_line_error(invoke(*_args(corpus.folder, text, classes, out), home=tmp_path), "not an ONNX model")
    three = gen.write_classes(tmp_path / "three.txt", ["red square", "b", "c"])
    one_line_error(invoke(*_args(corpus.folder, model, three, out), home=tmp_path), "3 names", "outputs 2")
    args = _args(corpus.folder, model, classes, out)
    args[args.index("red square")] = "making pizza"
    one_line_error(invoke(*args, home=tmp_path), "label 'making pizza' is not in the classes file")
    _nothing_written(tmp_path, out)


def test_clip_longer_than_the_video_and_no_video_stream(corpus: Corpus, model: Path, classes: Path,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = _args(corpus.folder / "early.mp4", model, classes, out)
    args[args.index("--clip-seconds") + 1] = "60"
    one_line_error(invoke(*args, home=tmp_path), "--clip-seconds 60 is longer than the video")
    audio = gen.write_audio_only(tmp_path / "speech.m4a")
    one_line_error(invoke(*_args(audio, model, classes, out), home=tmp_path), "no video stream")
    _nothing_written(tmp_path, out)


def test_an_unreadable_file_in_a_folder_does_not_stop_the_others(corpus: Corpus, model: Path, classes: Path,
                                                                  tmp_path: Path) -> None:
    folder = tmp_path / "videos"
    folder.mkdir()
    for name in ("early.mp4", "never.mp4"):
        shutil.copy(corpus.folder / name, folder / name)
    (folder / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)  # an MP4 cut short
    out = tmp_path / "out"
    done = invoke(*_args(folder, model, classes, out), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "broken.mp4" in done.stderr and "truncated" in done.stderr
    body = json.loads((out / "candidates.json").read_text())
    assert [r["video"] for r in body["candidates"]] == ["early"]
    assert [f["video"] for f in body["failed"]] == ["broken"]


def test_existing_output_is_never_overwritten(corpus: Corpus, model: Path, classes: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    one_line_error(invoke(*_args(corpus.folder, model, classes, out), home=tmp_path), "not empty")
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_mining_runs_as_a_job_with_a_shard_per_video(corpus: Corpus, model: Path, classes: Path,
                                                     tmp_path: Path) -> None:
    from sqlalchemy import select

    from clipcrowd.store.db import Database
    from clipcrowd.store.tables import job_shards, jobs

    out = tmp_path / "out"
    done = run(*_args(corpus.folder, model, classes, out, "--workers", "2"), home=tmp_path)  # two worker processes
    assert done.returncode == 0, done.stderr
    with (out / "candidates.csv").open() as fh:
        assert sorted(r["video"] for r in csv.DictReader(fh)) == ["early", "late", "middle"]
    db = Database(f"sqlite:///{tmp_path / 'clipcrowd.db'}")
    try:
        with db.read() as conn:
            (job,) = conn.execute(select(jobs.c.id, jobs.c.kind, jobs.c.status)).all()
            shards = conn.execute(select(job_shards.c.status, job_shards.c.item_count)
                                  .where(job_shards.c.job_id == job.id)).all()
    finally:
        db.dispose()
    assert job.kind == "mining.files" and job.status == "complete"
    assert len(shards) == 4 and {tuple(s) for s in shards} == {("complete", 1)}
