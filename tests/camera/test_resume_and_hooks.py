"""The importer as a process: kill -9 and resume into the same job, the lock, legacy hooks modules."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.camera.support import REGEX, camera_folder, command_env, invoke_import, last_job, run_import, wait_job
from tests.support import Live

HOOKS = Path(__file__).resolve().parents[1] / "data" / "camera_hooks"


def _start_blocking(folder: Path, state: Path, live: Live, signal_file: Path, after: int) -> subprocess.Popen[str]:
    env = command_env({"CLIPCROWD_URL": live.url, "CLIPCROWD_TOKEN": live.token,
                       "CAMERA_TEST_BLOCK_AFTER": str(after), "CAMERA_TEST_SIGNAL": str(signal_file)})
    return subprocess.Popen([sys.executable, "-c", "from clipcrowd.cli import main; main()", "import", str(folder),
                             str(HOOKS / "blocking_hooks.py"), "-r", REGEX, "-s", str(state)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the importer ended early: {proc.stderr.read() if proc.stderr else ''}")
        if time.monotonic() > deadline:
            raise AssertionError("the importer never reached the blocking post")
        time.sleep(0.05)


def test_kill_9_mid_run_then_rerun_resumes_the_same_job(live: Live, tmp_path: Path) -> None:
    folder, state, signal_file = tmp_path / "footage", tmp_path / "state.sqlite", tmp_path / "blocked"
    clips = camera_folder(folder, cameras=3, files=2, seconds=3)
    proc = _start_blocking(folder, state, live, signal_file, after=3)
    try:
        _wait_for(signal_file, proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert (tmp_path / "state.sqlite.lock").exists()  # left behind by the killed run: taken over below

    again = run_import(str(folder), "-r", REGEX, "-s", str(state), "--server", live.url, "-a", live.token)
    assert again.returncode == 0, again.stderr
    job_id = last_job(again.stdout)
    job = wait_job(live.url, live.headers, job_id)
    assert job["counts"]["received"] == len(clips) and job["counts"]["processed"] == len(clips)
    jobs = httpx.get(f"{live.url}/api/v1/camera-imports", headers=live.headers).json()["items"]
    assert [j["job_id"] for j in jobs] == [job_id]  # the first run's job, resumed: no second job
    project = job["request"]["project_id"]
    assets = httpx.get(f"{live.url}/api/v1/assets", params={"project_id": project, "limit": "100"},
                       headers=live.headers).json()["items"]
    external = [a["external_id"] for a in assets]
    assert len(external) == len(set(external)) == len(clips)  # no duplicate asset, no lost file
    listed = invoke_import(str(folder), "-s", str(state), "--csv")
    rows = listed.stdout.strip().splitlines()
    assert rows[0].startswith("filename,given_name,camera,timestamp")
    assert sum(",uploaded," in r for r in rows[1:]) == len(clips)


def test_a_second_run_on_the_same_storage_exits_3(live: Live, tmp_path: Path) -> None:
    folder, state, signal_file = tmp_path / "footage", tmp_path / "state.sqlite", tmp_path / "blocked"
    camera_folder(folder, cameras=1, files=2, seconds=2)
    first = _start_blocking(folder, state, live, signal_file, after=1)
    try:
        _wait_for(signal_file, first)
        second = run_import(str(folder), "-r", REGEX, "-s", str(state), "--server", live.url, "-a", live.token)
        assert second.returncode == 3
        assert "another import" in second.stderr and f"pid {first.pid}" in second.stderr
    finally:
        first.kill()
        first.wait(30)
        for stream in (first.stdout, first.stderr):
            if stream:
                stream.close()


def test_a_legacy_hooks_module_runs_unchanged(live: Live, tmp_path: Path) -> None:
    folder, log = tmp_path / "footage", tmp_path / "calls.jsonl"
    clips = camera_folder(folder, cameras=2, files=2, seconds=2)
    host, port = live.url.removeprefix("http://").split(":")
    done = run_import(str(folder), str(HOOKS / "legacy_hooks.py"), host, "-p", port, "-r", REGEX,
                      "-s", str(tmp_path / "state.sqlite"), "-d", '{"plan": "plus"}',
                      env={"LEGACY_HOOKS_LOG": str(log), "CLIPCROWD_TOKEN": live.token})
    assert done.returncode == 0, done.stderr
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    names = [c[0] for c in calls]
    assert names == ["set_hook_data", "register_camera", "register_camera", "set_hook_data", "assign_job_ids",
                     *["post_video_content"] * len(clips), "register_jobs"]
    assert calls[0][1] == ["logger", "plan"] and calls[3][1] == ["registered_cameras"]
    assert calls[1][1:] == ["cam0", host, int(port)]
    assert calls[4][2:] == ["Namespace", ["cam0", "cam1"]]
    posts = [c for c in calls if c[0] == "post_video_content"]
    first = posts[0]
    assert first[1] == "cam0" and first[3] == clips[0].path.name and first[5] == [None, None]
    assert first[4] == time.strftime("%Y-%m-%dT%H:%M:%S.000", time.gmtime(clips[0].epoch))  # UTC, 23 characters
    job_id = last_job(done.stdout)
    assert calls[-1][1] == [[job_id, "0"]] and calls[-1][2] == len(clips)
    assert wait_job(live.url, live.headers, job_id)["counts"]["processed"] == len(clips)


@pytest.mark.parametrize(("module", "message"), [
    ("python2_hooks.py", "SyntaxError"),
    ("nowhere_hooks.py", "no such file"),
])
def test_a_hooks_module_that_cannot_load_exits_1(tmp_path: Path, module: str, message: str) -> None:
    (tmp_path / "footage").mkdir()
    done = invoke_import(str(tmp_path / "footage"), str(HOOKS / module), "-s", str(tmp_path / "s.sqlite"))
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr
    if module.startswith("python2"):
        assert "python2_hooks.py line 4" in done.stderr


def test_template_signature_is_warned_about(tmp_path: Path) -> None:
    camera_folder(tmp_path / "footage", cameras=1, files=1, seconds=1)
    done = invoke_import(str(tmp_path / "footage"), str(HOOKS / "template_signature_hooks.py"), "-r", REGEX,
                         "-s", str(tmp_path / "s.sqlite"))
    assert "starts with 'host'" in done.stderr
    assert done.returncode == 2  # the real call raises TypeError: the file is failed, not silently lost
    assert "TypeError" in invoke_import(str(tmp_path / "footage"), "-s", str(tmp_path / "s.sqlite"), "--csv").stdout
    assert os.path.exists(tmp_path / "s.sqlite")
