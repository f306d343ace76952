"""`clipcrowd jobs` as a user types it: list, show and items against a live server; work from the database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from clipcrowd.domain.ids import format_id
from clipcrowd.services import job_executor
from clipcrowd.store.db import Database
from tests.jobs.kinds import digest
from tests.jobs.support import items_of, submit, wait_for
from tests.support import Live
from tests.test_cli import invoke, one_line_error

CLIPCROWD = str(Path(sys.executable).parent / "clipcrowd")
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]), **(env or {})}
    full.pop("CLIPCROWD_TOKEN", None)
    return subprocess.run([CLIPCROWD, *args], env=full, capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_list_show_and_items(live: Live, tmp_path: Path) -> None:
    """`jobs list` as a real process; show, items and the refusals in process (`invoke`)."""
    job_id = format_id(submit(live.db, "test.digest", {"items": ["a", "bad-1"], "rounds": 4}))
    wait_for(lambda: job_executor.get(live.db, int(job_id))["status"] == "complete_with_errors", what="the job")
    server = ["--url", live.url, "--token", live.token]
    listed = run("jobs", "list", "--kind", "test.digest", *server)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split()[:4] == [job_id, "test.digest", "complete_with_errors", "1/2"]
    shown = json.loads(invoke("jobs", "show", job_id, *server, home=tmp_path).stdout)
    assert shown["shard_map"]["0"]["item_count"] == 2 and shown["counts"]["failed"] == 1
    lines = invoke("jobs", "items", job_id, "--status", "failed", *server, home=tmp_path).stdout.splitlines()
    assert [json.loads(line)["key"] for line in lines] == ["bad-1"]
    one_line_error(invoke("jobs", "show", "999999", *server, home=tmp_path), "DOES_NOT_EXIST")
    one_line_error(invoke("jobs", "list", "--url", live.url, home=tmp_path), "token")


def test_work_until_idle_runs_queued_shards(db: Database, tmp_path: Path) -> None:
    job_id = submit(db, "test.digest", {"items": ["x", "y", "z", "w"], "shard_size": 2, "rounds": 9})
    done = run("jobs", "work", "--until-idle", env={"CLIPCROWD_DATABASE_URL": db.url, "CLIPCROWD_HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2 shard(s) run"
    assert {k: r["digest"] for k, (_, r) in items_of(db, job_id).items()} == {k: digest(k, 9) for k in "xyzw"}
    env = {"CLIPCROWD_DATABASE_URL": db.url, "CLIPCROWD_EXECUTOR": "spark"}
    one_line_error(invoke("jobs", "work", "--until-idle", home=tmp_path, env=env), "bad setting executor")
