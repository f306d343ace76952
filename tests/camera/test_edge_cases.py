"""The importer's edge cases, one test (or more) per row of the edge-case table.

Rows 14 (kill -9 and resume), 15 (concurrent runs exit 3) and 18 (Python 2 hooks) run the
importer as a real process: see ``test_resume_and_hooks.py``. The rest run a :class:`Run` in this
process with a hooks object that records every call, or the server and HTTP parts for real.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import shutil
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from rich.console import Console

from clipcrowd.export import camera_labels
from clipcrowd.ingest.camera import clock, hookdata, scan
from clipcrowd.ingest.camera.client import Server, ServerError
from clipcrowd.ingest.camera.errors import ConfigError, FileError, ImportStop
from clipcrowd.ingest.camera.hooks import Importer
from clipcrowd.ingest.camera.run import Options, Report, run
from clipcrowd.ingest.camera.server_hooks import ServerHooks
from clipcrowd.ingest.camera.state import Shelf, State
from tests.camera.support import REGEX, invoke_import
from tests.factories import pool_body
from tests.mining.scenes import write_scene
from tests.support import Live

EPOCH = 1_700_000_000


class Recorder:
    """Hooks that record their calls; ``on_post`` lets a test act in the middle of a run."""

    def __init__(self, *, no_id: set[str] | None = None, raise_on: set[str] | None = None,
                 false_on: set[str] | None = None, on_post: Callable[[str], None] | None = None) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.no_id, self.raise_on, self.false_on = no_id or set(), raise_on or set(), false_on or set()
        self.on_post = on_post

    def set_hook_data(self, data: dict[str, Any]) -> None:
        self.calls.append(("set_hook_data", sorted(data)))

    def register_camera(self, camera_name: str, host: str | None = None, port: int | None = None) -> dict[str, Any]:
        self.calls.append(("register_camera", camera_name))
        return {} if camera_name in self.no_id else {"camera_id": f"id-{camera_name}"}

    def assign_job_ids(self, importer: Importer, db: Shelf, unscheduled: list[dict[str, Any]]) -> str:
        self.calls.append(("assign_job_ids", len(unscheduled)))
        for row in unscheduled:
            row.update(job_id="J1", shard_id="0")
            db[row["key"]] = row
        db.sync()
        return "J1"

    def post_video_content(self, camera_name: str, camera_id: str, filepath: str, timestamp: str,
                           location: Any = None, host: Any = None, port: Any = None) -> bool:
        name = os.path.basename(filepath)
        self.calls.append(("post", name, timestamp))
        if self.on_post is not None:
            self.on_post(name)
        if name in self.raise_on:
            raise ValueError(f"cannot post {name}")
        return name not in self.false_on

    def register_jobs(self, importer: Importer, db: Shelf, jobs: set[tuple[str, str]]) -> bool:
        self.calls.append(("register_jobs", sorted(jobs)))
        return True

    @property
    def posted(self) -> list[str]:
        return [c[1] for c in self.calls if c[0] == "post"]


def clip(folder: Path, name: str, seed: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_scene(folder / name, 0.4, [], fps=10, width=64, height=36, seed=seed)


def go(folder: Path, hooks: Any, tmp: Path, **options: Any) -> tuple[int, State]:
    """Run and return (exit code, the state, reopened)."""
    opts = Options(folder=folder, storage=tmp / "state.sqlite", regex=options.pop("regex", REGEX), **options)
    try:
        code = run(opts, hooks, Console(stderr=True, file=io.StringIO())).exit_code
    except ImportStop as exc:
        code = exc.exit_code
    return code, State(tmp / "state.sqlite")


def states(state: State) -> dict[str, str]:
    return {os.path.basename(r["filename"]): r["state"] for r in state.rows()}


# 1 ----------------------------------------------------------------------------------------------
def test_row01_names_that_do_not_match_are_skipped_and_reported(tmp_path: Path) -> None:
    clip(tmp_path / "f", f"cam0-{EPOCH}.mp4")
    clip(tmp_path / "f", "holiday.mp4", seed=1)
    hooks = Recorder()
    code, state = go(tmp_path / "f", hooks, tmp_path)
    assert code == 2 and hooks.posted == [f"cam0-{EPOCH}.mp4"]
    assert states(state)["holiday.mp4"] == "skipped_nomatch"
    (tmp_path / "again").mkdir()
    code, _ = go(tmp_path / "f", Recorder(), tmp_path / "again", strict=True)
    assert code == 1


# 2 ----------------------------------------------------------------------------------------------
def test_row02_a_regex_without_camera_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "f").mkdir()
    done = invoke_import(str(tmp_path / "f"), "-r", r".*/(?P<epoch>\d+)\.mp4", "-s", str(tmp_path / "s.sqlite"))
    assert done.returncode == 1 and "no (?P<camera>...) group" in done.stderr
    assert invoke_import(str(tmp_path / "f"), "-r", "(unclosed", "-s", str(tmp_path / "s.sqlite")).returncode == 1
    assert invoke_import(str(tmp_path / "f"), "--no-such-option").returncode == 1  # usage errors are 1 too


# 3 ----------------------------------------------------------------------------------------------
def test_row03_no_time_in_the_name_follows_missing_epoch(tmp_path: Path) -> None:
    path = clip(tmp_path / "f", "cam0-x.mp4")
    os.utime(path, (EPOCH + 0.25, EPOCH + 0.25))
    regex = r".*/(?P<camera>\w+?)-x\.mp4"
    code, state = go(tmp_path / "f", Recorder(), tmp_path, regex=regex)
    assert code == 2 and states(state)["cam0-x.mp4"] == "bad_timestamp"
    hooks = Recorder()
    (tmp_path / "m").mkdir()
    code, state = go(tmp_path / "f", hooks, tmp_path / "m", regex=regex, missing_epoch="mtime")
    assert code == 0 and hooks.calls[-2] == ("post", "cam0-x.mp4", "2023-11-14T22:13:20.250")


# 4 ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("digits", "expected"), [
    ("1700000000", "2023-11-14T22:13:20.000"),
    ("1700000000123", "2023-11-14T22:13:20.123"),
    ("1700000000123456", "2023-11-14T22:13:20.123"),
    ("1700000000123456789", "2023-11-14T22:13:20.123"),
])
def test_row04_epoch_units_by_digit_count(digits: str, expected: str) -> None:
    assert clock.format_timestamp(clock.from_epoch(digits)) == expected
    assert len(expected) == 23


def test_row04_an_ambiguous_length_needs_epoch_unit(tmp_path: Path) -> None:
    with pytest.raises(FileError, match="ambiguous"):
        clock.from_epoch("17000000001234")
    with pytest.raises(FileError, match="before 1990"):
        clock.from_epoch("17000000001234", "us")  # the unit is honoured; 1970 is then refused (row 5)
    assert clock.format_timestamp(clock.from_epoch("1700000000123", "ms")) == "2023-11-14T22:13:20.123"
    clip(tmp_path / "f", "cam0-17000000001234.mp4")
    code, state = go(tmp_path / "f", Recorder(), tmp_path)
    assert code == 2 and states(state)["cam0-17000000001234.mp4"] == "bad_timestamp"
    assert "ambiguous" in next(state.rows())["last_error"]


# 5 ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("epoch", ["0", "315532800", str(int(time.time()) + 3 * 86400)],
                         ids=["zero", "1980", "three-days-ahead"])  # ids stable across xdist workers
def test_row05_implausible_epochs_are_bad_timestamps(tmp_path: Path, epoch: str) -> None:
    clip(tmp_path / "f", f"cam0-{epoch}.mp4")
    code, state = go(tmp_path / "f", Recorder(), tmp_path)
    assert code == 2 and states(state)[f"cam0-{epoch}.mp4"] == "bad_timestamp"


# 6 ----------------------------------------------------------------------------------------------
def test_row06_wall_clock_names_across_dst(tmp_path: Path) -> None:
    paris = ZoneInfo("Europe/Paris")
    with pytest.raises(FileError, match="does not exist"):
        clock.from_wall_clock("20210328023000", "%Y%m%d%H%M%S", paris)
    with pytest.raises(FileError, match="happens twice"):
        clock.from_wall_clock("20211031023000", "%Y%m%d%H%M%S", paris)
    early = clock.from_wall_clock("20211031023000", "%Y%m%d%H%M%S", paris, "earliest")
    late = clock.from_wall_clock("20211031023000", "%Y%m%d%H%M%S", paris, "latest")
    assert (early.hour, late.hour) == (0, 1)
    for name in ("cam0-20210328023000.mp4", "cam0-20211031023000.mp4", "cam0-20210601120000.mp4"):
        clip(tmp_path / "f", name, seed=len(name) + int(name[9:11]))
    hooks = Recorder()
    code, state = go(tmp_path / "f", hooks, tmp_path, regex=r".*/(?P<camera>\w+?)-(?P<datetime>\d{14})\.mp4",
                     tz="Europe/Paris")
    assert code == 2
    assert ("post", "cam0-20210601120000.mp4", "2021-06-01T10:00:00.000") in hooks.calls
    assert states(state)["cam0-20210328023000.mp4"] == states(state)["cam0-20211031023000.mp4"] == "bad_timestamp"


# 7 ----------------------------------------------------------------------------------------------
def test_row07_legacy_local_style_and_no_mixing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        clip(tmp_path / "f", "cam0-1476014557.mp4")
        hooks = Recorder()
        code, state = go(tmp_path / "f", hooks, tmp_path, timestamp_style="legacy-local")
        assert code == 0 and hooks.posted and hooks.calls[-2][2] == "2016-10-09T05:02:37.000"  # the PDT wall clock
        assert next(state.rows())["given_name"].startswith("cam0.2016-10-09T05:02:37.000.")
        code, _ = go(tmp_path / "f", Recorder(), tmp_path, timestamp_style="utc")
        assert code == 1
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


# 8 ----------------------------------------------------------------------------------------------
def test_row08_unreadable_files(tmp_path: Path) -> None:
    good = clip(tmp_path / "f", f"cam0-{EPOCH}.mp4")
    (tmp_path / "f" / f"cam0-{EPOCH + 1}.mp4").write_bytes(b"")
    (tmp_path / "f" / f"cam0-{EPOCH + 2}.mp4").write_bytes(good.read_bytes()[:300])
    (tmp_path / "f" / f"cam0-{EPOCH + 3}.mp4").write_text("not a video\n" * 40)
    hooks = Recorder()
    code, state = go(tmp_path / "f", hooks, tmp_path)
    assert code == 2 and hooks.posted == [good.name]
    found = states(state)
    assert [found[f"cam0-{EPOCH + i}.mp4"] for i in (1, 2, 3)] == ["unreadable"] * 3


# 9 ----------------------------------------------------------------------------------------------
def test_row09_same_content_at_two_paths_is_posted_once(tmp_path: Path) -> None:
    first = clip(tmp_path / "f" / "a", f"cam0-{EPOCH}.mp4")
    (tmp_path / "f" / "b").mkdir()
    shutil.copy(first, tmp_path / "f" / "b" / f"cam0-{EPOCH + 5}.mp4")
    hooks = Recorder()
    code, state = go(tmp_path / "f", hooks, tmp_path)
    assert code == 0 and hooks.posted == [f"cam0-{EPOCH}.mp4"]
    assert states(state)[f"cam0-{EPOCH + 5}.mp4"] == "duplicate"


# 10, 11 -----------------------------------------------------------------------------------------
def test_row10_row11_renamed_is_not_reposted_modified_is_new(tmp_path: Path) -> None:
    path = clip(tmp_path / "f", f"cam0-{EPOCH}.mp4")
    other = clip(tmp_path / "f", f"cam1-{EPOCH}.mp4", seed=3)
    assert go(tmp_path / "f", Recorder(), tmp_path)[0] == 0
    renamed = path.rename(tmp_path / "f" / f"cam0-{EPOCH + 60}.mp4")
    write_scene(other, 0.4, [], fps=10, width=64, height=36, seed=9)  # new content at the same path
    hooks = Recorder()
    code, state = go(tmp_path / "f", hooks, tmp_path)
    assert code == 0 and hooks.posted == [other.name]
    rows = list(state.rows())
    assert [r["filename"] for r in rows if r["camera"] == "cam0"] == [str(renamed)]
    assert len([r for r in rows if r["camera"] == "cam1"]) == 2  # the old content's row is kept


# 12 ---------------------------------------------------------------------------------------------
def test_row12_files_still_being_copied(tmp_path: Path) -> None:
    clip(tmp_path / "f", f"cam0-{EPOCH}.mp4")
    code, state = go(tmp_path / "f", Recorder(), tmp_path, settle_seconds=3600)
    assert code == 2 and set(states(state).values()) == {"settling"}
    (tmp_path / "g").mkdir()
    clip(tmp_path / "g", f"cam1-{EPOCH}.mp4", seed=1)
    growing = clip(tmp_path / "g", f"cam1-{EPOCH + 60}.mp4", seed=2)

    def grow(name: str) -> None:
        if name.endswith(f"{EPOCH}.mp4"):
            with growing.open("ab") as out:
                out.write(b"more bytes")

    hooks = Recorder(on_post=grow)
    code, state = go(tmp_path / "g", hooks, tmp_path / "g")
    assert code == 2 and hooks.posted == [f"cam1-{EPOCH}.mp4"]
    row = next(r for r in state.rows() if r["filename"] == str(growing))
    assert row["state"] == "failed" and "content changed" in row["last_error"]


# 13 ---------------------------------------------------------------------------------------------
def test_row13_deleted_between_scan_and_post(tmp_path: Path) -> None:
    clip(tmp_path / "f", f"cam0-{EPOCH}.mp4")
    doomed = clip(tmp_path / "f", f"cam0-{EPOCH + 60}.mp4", seed=1)
    hooks = Recorder(on_post=lambda name: doomed.unlink(missing_ok=True))
    code, state = go(tmp_path / "f", hooks, tmp_path)
    assert code == 2 and states(state)[doomed.name] == "missing"


# 16 ---------------------------------------------------------------------------------------------
def test_row16_a_camera_without_camera_id_fails_its_files_only(tmp_path: Path) -> None:
    clip(tmp_path / "f", f"cam0-{EPOCH}.mp4")
    clip(tmp_path / "f", f"cam1-{EPOCH}.mp4", seed=1)
    hooks = Recorder(no_id={"cam1"})
    code, state = go(tmp_path / "f", hooks, tmp_path)
    assert code == 2 and hooks.posted == [f"cam0-{EPOCH}.mp4"]
    assert states(state)[f"cam1-{EPOCH}.mp4"] == "failed"


# 17 ---------------------------------------------------------------------------------------------
def test_row17_a_hook_that_raises_or_returns_false(tmp_path: Path) -> None:
    names = [f"cam0-{EPOCH + i}.mp4" for i in range(3)]
    for i, name in enumerate(names):
        clip(tmp_path / "f", name, seed=i)
    hooks = Recorder(raise_on={names[0]}, false_on={names[1]})
    code, state = go(tmp_path / "f", hooks, tmp_path)
    assert code == 2 and hooks.posted == names
    rows = {os.path.basename(r["filename"]): r for r in state.rows()}
    assert rows[names[0]]["state"] == "failed" and "ValueError: cannot post" in rows[names[0]]["last_error"]
    assert rows[names[1]]["state"] == "failed" and "false value" in rows[names[1]]["last_error"]
    assert rows[names[2]]["state"] == "uploaded"
    (tmp_path / "ff").mkdir()
    hooks = Recorder(raise_on=set(names))
    code, state = go(tmp_path / "f", hooks, tmp_path / "ff", fail_fast=True)
    assert code == 2 and hooks.posted == names[:1]
    hooks = Recorder()
    code, state = go(tmp_path / "f", hooks, tmp_path / "ff", retry_failed=True)
    assert code == 0 and hooks.posted == names


# 19, 20 -----------------------------------------------------------------------------------------
def test_row19_row20_hook_data(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"plan": "plus",\n "cameras": {},\n}')
    with pytest.raises(ConfigError, match="line 3 column 1"):
        hookdata.load(None, bad)
    with pytest.raises(ConfigError, match="img_y_size_cover"):
        hookdata.load('{"cameras": {"c1": {"img_y_size_cover": -5}}}', None)
    with pytest.raises(ConfigError, match="plan"):
        hookdata.load('{"plan": "gold"}', None)
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"plan": "plus", "img_y_size_extraction": 360,
                                "cameras": {"c1": {"plan": "pro", "img_y_size": 720}, "c2": {"img_y_size": 0}}}))
    with pytest.raises(ConfigError):
        hookdata.load(None, good)
    good.write_text(json.dumps({"plan": "plus", "img_y_size_extraction": 360,
                                "cameras": {"c1": {"plan": "pro", "img_y_size": 720}, "c2": {"img_x_size": 64}}}))
    data = hookdata.load('{"cameras": {"c1": {"img_x_size_cover": 160}}}', good)
    assert data["cameras"]["c1"] == {"plan": "pro", "img_y_size": 720, "img_x_size_cover": 160}  # merged per camera
    assert "c2" in data["cameras"]
    legacy = hookdata.load('{"cameras": {"c1": {"img_x_size_cover": 160}}}', good, legacy_merge=True)
    assert list(legacy["cameras"]) == ["c1"]
    with caplog.at_level(logging.WARNING, logger="clipcrowd.import"):
        config = hookdata.camera_config(data, "c1")
        assert hookdata.unknown_cameras(data, {"c1"}) == ["c2"]
    assert config["img_y_size_extraction"] == 720 and config["plan"] == "pro"  # raised, never upscaled
    assert hookdata.camera_config(data, "c2")["plan"] == "plus"
    assert "raised to 720" in caplog.text and "'c2'" in caplog.text
    (tmp_path / "f").mkdir()
    done = invoke_import(str(tmp_path / "f"), "-f", str(bad), "-s", str(tmp_path / "s.sqlite"))
    assert done.returncode == 1 and "line 3 column 1" in done.stderr


# 21 ---------------------------------------------------------------------------------------------
def test_row21_deep_trees_loops_and_unreadable_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "f"
    deep = root.joinpath(*[f"d{i}" for i in range(150)])
    deep.mkdir(parents=True)
    (deep / "x.mp4").write_bytes(b"x")
    (root / "d0" / "loop").symlink_to(root, target_is_directory=True)
    many = root / "many"
    many.mkdir()
    for i in range(3000):
        (many / f"n{i:05d}.txt").write_bytes(b"")
    (many / "a.mp4").write_bytes(b"a")
    (root / ".hidden.mp4").write_bytes(b"h")
    (root / "copying.mp4.part").write_bytes(b"p")
    locked = root / "locked"
    locked.mkdir()
    (locked / "y.mp4").write_bytes(b"y")
    walker = scan.walk(root, follow_symlinks=True)
    assert isinstance(walker, Iterator)
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:  # root reads every folder: a folder it may not read is simulated here
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(scan.os, "scandir", scandir)
    found = list(walker)
    assert found == [str(deep / "x.mp4"), str(many / "a.mp4")]  # sorted, each once, the loop entered once


# 22 ---------------------------------------------------------------------------------------------
def test_row22_non_utf8_and_windows_separator_names(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path / "f")
    os.makedirs(folder)
    raw = os.path.join(folder, b"cam\xff-" + str(EPOCH).encode() + b".mp4")
    source = clip(tmp_path / "src", "x.mp4")
    shutil.copy(source, os.fsdecode(raw))
    hooks = Recorder()
    code, state = go(tmp_path / "f", hooks, tmp_path, regex=r".*/(?P<camera>[^/]+?)-(?P<epoch>\d+)\.mp4")
    assert code == 0 and hooks.calls[1] == ("register_camera", "cam\\xff")
    row = next(state.rows())
    assert bytes.fromhex(row["raw_path"]) == raw and row["state"] == "uploaded"
    (tmp_path / "w").mkdir()
    hooks = Recorder()
    code, _ = go(tmp_path / "src", hooks, tmp_path / "w", regex=r".*[\\](?P<camera>\w+?)\.mp4",
                 missing_epoch="mtime")
    assert code == 0 and hooks.calls[1] == ("register_camera", "x")  # a Windows-style regex still matches


# 23 ---------------------------------------------------------------------------------------------
def test_row23_shards_sort_numerically(live: Live, tmp_path: Path) -> None:
    state = State(tmp_path / "s.sqlite")
    rows = []
    for i in range(25):
        row = {"key": f"{i:040x}", "filename": f"/f/cam0-{EPOCH + i}.mp4", "camera": "cam0", "size": 10,
               "epoch_utc": datetime.fromtimestamp(EPOCH + i, UTC).isoformat(timespec="milliseconds"),
               "duration": 1.0, "state": "discovered"}
        state.put(row)
        rows.append(row)
    session = Server(live.url, live.token)
    hooks = ServerHooks(session)
    hooks.set_hook_data({"shard_size": 1})
    importer = Importer(Options(folder=tmp_path).namespace(), hooks, Shelf(state))
    job_id = hooks.assign_job_ids(importer, importer.db, rows)
    session.close()
    assert [state.get(f"{i:040x}")["shard_id"] for i in range(25)] == [str(i) for i in range(25)]
    job = httpx.get(f"{live.url}/api/v1/camera-imports/{job_id}", headers=live.headers).json()
    assert len(job["shard_map"]) == 25 and job["status"] == "shards_missing"


# 24 ---------------------------------------------------------------------------------------------
class _Scripted(BaseHTTPRequestHandler):
    script: list[tuple[int, dict[str, str]]] = []
    seen: list[str] = []

    def do_POST(self) -> None:
        self.seen.append(self.path)
        status, headers = self.script.pop(0) if self.script else (500, {})
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        body = b'{"status": "created"}' if status < 400 else b'{"code": "X"}'
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_row24_retries_end(scripted: str, live: Live, tmp_path: Path) -> None:
    sleeps: list[float] = []
    _Scripted.script = [(429, {"Retry-After": "7"}), (503, {}), (200, {})]
    _Scripted.seen = []
    session = Server(scripted, "t", sleep=sleeps.append, jitter=lambda: 1.0)
    assert session.call("POST", "/x") == {"status": "created"}
    assert sleeps == [7.0, 2.0] and len(_Scripted.seen) == 3
    _Scripted.script, sleeps[:] = [], []
    with pytest.raises(ServerError, match="gave up after 6 tries"):
        session.call("POST", "/x")
    assert len(sleeps) == 5  # capped: no endless loop on a server that keeps failing
    _Scripted.script, _Scripted.seen = [(400, {}), (200, {})], []
    with pytest.raises(ServerError) as refused:
        session.call("POST", "/x")
    assert refused.value.status == 400 and len(_Scripted.seen) == 1  # 4xx is final
    session.close()
    job = httpx.post(f"{live.url}/api/v1/camera-imports", headers=live.headers, json={
        "item_count": 1, "cameras": [{"name": "cam0"}], "earliest_date": "2023-11-14T22:13:20.000",
        "latest_date": "2023-11-14T22:13:21.000"}).json()
    camera = httpx.post(f"{live.url}/api/v1/cameras", headers=live.headers, json={"name": "cam0"}).json()
    answer = httpx.post(f"{live.url}/api/v1/camera-imports/{job['job_id']}/content", headers=live.headers,
                        params={"hash": "0" * 40, "camera_id": camera["camera_id"],
                                "timestamp": "2023-11-14T22:13:20.000"}, content=b"some bytes")
    assert answer.status_code == 400 and answer.json()["payload"]["hash"]["code"] == "MISMATCH"


# 25 ---------------------------------------------------------------------------------------------
def test_row25_label_files(tmp_path: Path) -> None:
    job = {"job_id": "7", "request": {"earliest_date": "2023-11-14T22:13:20", "latest_date": "2023-11-14T23:00:00"}}
    empty = camera_labels.build(job, [])
    assert empty["labels"] == {} and json.loads(camera_labels.to_json(empty))["labels"] == {}
    same = "2023-11-14T22:13:21.456"
    events = [{"start": same, "camera": {"name": "Hafen Süd", "camera_id": "1"}, "labels": ["möwe", "boot"]},
              {"start": same, "camera": {"name": "C2", "camera_id": "2"}, "labels": ["boot", "_ml_x", "a" * 40]},
              {"start": "2023-11-14T22:13:20.000", "camera": {"name": "C2", "camera_id": "2"}, "labels": ["\x01ok"]},
              {"start": "2023-11-14T22:13:22.000", "camera": {"name": "C2", "camera_id": "2"}, "labels": []}]
    doc = camera_labels.build(job, events)
    key = "2023-11-14T22:13:21.456-0000"
    assert list(doc["labels"]) == ["2023-11-14T22:13:20.000-0000", key]
    assert sorted(doc["labels"][key]["cameras"]) == ["C2", "Hafen Süd"]  # both cameras kept
    assert doc["labels"][key]["labels"] == ["boot", "möwe"]
    text = camera_labels.to_json(doc).encode("utf-8")
    assert json.loads(text.decode("utf-8")) == doc
    rows = list(csv.reader(io.StringIO(camera_labels.to_csv(doc))))
    assert rows[0] == list(camera_labels.CSV_HEADER)
    assert ["7", key, "Hafen Süd", "1", "möwe"] in rows and ["7", key, "C2", "2", "boot"] in rows
    root = ET.fromstring(camera_labels.to_xml(doc).encode("utf-8"))
    assert root.tag == "job" and root.get("id") == "7"
    assert [e.get("timestamp") for e in root] == list(doc["labels"])
    assert {c.get("name") for c in root[1]} == {"C2", "Hafen Süd"}
    assert root[0][0][0].text == "ok"  # a control character XML 1.0 cannot hold is dropped
    internal = camera_labels.build(job, events, include_internal=True)
    assert "_ml_x" in internal["labels"][key]["labels"]
    only = camera_labels.build(job, events, whitelist=["möwe"])
    assert only["labels"][key]["labels"] == ["möwe"] and list(only["labels"]) == [key]


# 26, 27 -----------------------------------------------------------------------------------------
def test_row26_row27_asset_import_faults_and_metadata(live: Live, tmp_path: Path) -> None:
    interface = {"jobs": {"JOB_0": {"mlTask": "CLASSIFICATION", "content": {
        "input": "radio", "categories": {"A": {"name": "A"}}}}}}
    with httpx.Client(base_url=live.url, headers=live.headers) as http:
        project = http.post("/api/v1/projects/from-interface", json={
            "title": "t", "input_type": "VIDEO", "json_interface": interface}).json()["id"]
        video = write_scene(tmp_path / "v.mp4", 2, [], fps=10, width=64, height=36)
        ref = http.post("/api/v1/assets/uploads", params={"project_id": project, "name": "v.mp4"},
                        content=video.read_bytes()).json()["ref"]
        body = {"project_id": project, "assets": [
            {"external_id": "a", "content": "upload:ab/nothing.mp4"},
            {"external_id": "b", "json_content": []},
            {"external_id": "c", "content": ref,
             "json_metadata": {"processingParameters": {"framesPlayedPerSecond": 0}}},
            {"external_id": "d", "content": ref},
            {"external_id": "d", "content": ref},
        ]}
        answer = http.post("/api/v1/assets", json=body).json()
        assert sorted(answer["validation_errors"]) == ["0", "1", "2", "4"] and list(answer["items"]) == ["3"]
        assert "repeated" in answer["validation_errors"]["4"]["message"]
        asset = answer["items"]["3"]["id"]
        deadline = time.monotonic() + 120
        while http.get(f"/api/v1/assets/{asset}").json()["status"] != "READY":
            assert time.monotonic() < deadline, "the asset was never processed"
            time.sleep(0.2)
        meta = {"processingParameters": {"framesPlayedPerSecond": 5}, "note": "x"}
        assert http.patch(f"/api/v1/assets/{asset}", json={"json_metadata": meta}).status_code == 200
        kept = http.patch(f"/api/v1/assets/{asset}", json={"json_metadata": {"note": "y"}}).json()
        assert kept["json_metadata"]["processingParameters"]["framesPlayedPerSecond"] == 5  # retained
        assert kept["json_metadata"]["note"] == "y"
        pool = http.post("/api/v1/pools", json=pool_body(project, defaults={
            "default_overlap_for_new_task_suites": 1})).json()
        assert http.post("/api/v1/assets/tasks", json={"pool_id": pool["id"]}).status_code == 201
        assert http.post(f"/api/v1/pools/{pool['id']}/open").status_code in (200, 202)
        person = http.post("/api/v1/workers", json={"login": "ann"}).json()
        auth = {"Authorization": f"Bearer {person['token']}"}
        suite = http.post(f"/api/v1/worker/pools/{pool['id']}/next", headers=auth).json()
        http.post(f"/api/v1/worker/assignments/{suite['id']}/submit", headers=auth,
                  json={"solutions": [{"output_values": {"JOB_0": "A"}}]}).raise_for_status()
        moved = http.patch(f"/api/v1/assets/{asset}",
                           json={"json_metadata": {"processingParameters": {"framesPlayedPerSecond": 2}}})
        assert moved.status_code == 409 and "misplace" in moved.json()["message"]
        assert http.get(f"/api/v1/assets/{asset}").json()["json_metadata"]["processingParameters"][
            "framesPlayedPerSecond"] == 5  # nothing changed
        assert http.patch(f"/api/v1/assets/{asset}", json={"json_metadata": {"note": "z"}}).status_code == 200


def test_report_exit_codes() -> None:
    assert Report().exit_code == 0
    assert Report(failed=1).exit_code == 2 and Report(problems={"unreadable": 1}).exit_code == 2


def test_dry_run_force_job_max_items_and_location(tmp_path: Path) -> None:
    regex = r".*/(?P<camera>\w+?)_(?P<lat>-?[\d.]+)_(?P<lng>-?[\d.]+)-(?P<epoch>\d+)\.mp4"
    names = [f"cam0_47.5_-122.25-{EPOCH + i}.mp4" for i in range(3)]
    for i, name in enumerate(names):
        clip(tmp_path / "f", name, seed=i)
    hooks = Recorder()
    code, state = go(tmp_path / "f", hooks, tmp_path, regex=regex, dry_run=True)
    assert code == 0 and hooks.calls == [] and set(states(state).values()) == {"discovered"}

    locations: list[Any] = []

    class Located(Recorder):
        def post_video_content(self, camera_name: str, camera_id: str, filepath: str, timestamp: str,
                               location: Any = None, host: Any = None, port: Any = None) -> bool:
            locations.append(location)
            return super().post_video_content(camera_name, camera_id, filepath, timestamp, location, host, port)

    hooks = Located()
    code, _ = go(tmp_path / "f", hooks, tmp_path, regex=regex, job_max_items=2)
    assert code == 0 and [c for c in hooks.calls if c[0] == "assign_job_ids"] == [("assign_job_ids", 2),
                                                                                  ("assign_job_ids", 1)]
    assert locations == [(47.5, -122.25)] * 3
    again = Recorder()
    assert go(tmp_path / "f", again, tmp_path, regex=regex)[0] == 0 and again.posted == []
    forced = Recorder()
    assert go(tmp_path / "f", forced, tmp_path, regex=regex, force=True)[0] == 0 and forced.posted == names
