"""Camera folders with known motion, and the import command run as a real subprocess (or, for what it says
rather than how it runs as a process, in this one)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.mining.scenes import Mover, write_scene

REGEX = r".*/(?P<camera>\w+?)-(?P<epoch>\d+)\.mp4"
BASE_EPOCH = 1_700_000_000
SRC = str(Path(__file__).resolve().parents[2] / "src")


@dataclass(frozen=True)
class Clip:
    camera: str
    path: Path
    epoch: int
    movers: tuple[Mover, ...]


def camera_folder(root: Path, cameras: int = 3, files: int = 3, seconds: float = 6.0) -> list[Clip]:
    """``cameras`` x ``files`` short clips, each with one or two movers at known times."""
    palette = [(230, 40, 40), (40, 200, 40), (40, 40, 230), (230, 230, 40)]
    directions = ["right", "left", "down", "up"]
    out = []
    for c in range(cameras):
        name = f"cam{c}"
        (root / name).mkdir(parents=True, exist_ok=True)
        for f in range(files):
            k = c * files + f
            first = Mover(0.8 + 0.1 * (k % 3), 2.4 + 0.2 * (k % 2), palette[k % 4], directions[k % 4])
            movers = (first,) if k % 2 else (first, Mover(3.8, 5.2, palette[(k + 1) % 4], directions[(k + 1) % 4]))
            epoch = BASE_EPOCH + c * 1000 + f * 60
            path = write_scene(root / name / f"{name}-{epoch}.mp4", seconds, movers, seed=k)
            out.append(Clip(name, path, epoch, movers))
    return out


def run_import(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from clipcrowd.cli import main; main()", "import", *args],
                          capture_output=True, text=True, timeout=timeout, env=command_env(env))


def invoke_import(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """What `run_import` does, in this process through typer's test runner: for refusals and the state
    listing, which are about what the command answers, not about its process (a process costs an
    interpreter start and the importer's imports, ~0.65 s of CPU). Exit code, stdout and stderr come back
    as from `run_import`; an exception the command did not turn into an exit is raised. What the command
    sets up for its process (its logger's handler, the hooks module) is put back afterwards."""
    from typer.testing import CliRunner

    from clipcrowd.cli import app

    log = logging.getLogger("clipcrowd.import")
    handlers, level, propagate = log.handlers[:], log.level, log.propagate
    hooks_module = sys.modules.get("hooks_module")
    try:
        result = CliRunner().invoke(app, ["import", *args], env={"COLUMNS": "200", **(env or {})})
    finally:
        log.handlers[:] = handlers
        log.setLevel(level)
        log.propagate = propagate
        if hooks_module is None:
            sys.modules.pop("hooks_module", None)
        else:
            sys.modules["hooks_module"] = hooks_module
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(["import", *args], result.exit_code, result.stdout, result.stderr)


def command_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": SRC, "COLUMNS": "200"}
    env.update(extra or {})
    return env


def last_job(stdout: str) -> str:
    line = stdout.strip().splitlines()[-1]
    assert line.startswith("job "), stdout
    return line.split(" ", 1)[1]


def wait_job(url: str, headers: dict[str, str], job_id: str, timeout: float = 120) -> dict[str, Any]:
    """Poll the job until it is final (the worker processes run the motion extraction)."""
    deadline = time.monotonic() + timeout
    while True:
        job = httpx.get(f"{url}/api/v1/camera-imports/{job_id}", headers=headers).json()
        if job["status"] in ("complete", "complete_with_errors", "failed"):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} did not finish: {json.dumps(job)[:500]}")
        time.sleep(0.2)


def all_events(url: str, headers: dict[str, str], **query: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {**query, "limit": "7", **({"id_gt": cursor} if cursor else {})}
        page = httpx.get(f"{url}/api/v1/events", params=params, headers=headers).json()
        out += page["items"]
        if not page["has_more"]:
            return out
        cursor = page["items"][-1]["id"]
