"""The `clipcrowd` command as a user types it: real processes, one-line errors, exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import Live, free_port

CLIPCROWD = str(Path(sys.executable).parent / "clipcrowd")


def run(*args: str, home: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "CLIPCROWD_HOME": str(home), **(env or {})}
    full_env.pop("CLIPCROWD_TOKEN", None)
    return subprocess.run([CLIPCROWD, *args], env=full_env, capture_output=True, text=True, timeout=120)


def invoke(*args: str, home: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """What `run` does, in this process through typer's test runner: for tests about what a command does
    rather than about the process (no interpreter start and imports per call). Exit code, stdout and
    stderr come back as from `run`; an exception the command did not turn into an exit is raised."""
    from typer.testing import CliRunner

    from clipcrowd.cli import app

    full_env: dict[str, str | None] = {"CLIPCROWD_HOME": str(home), "CLIPCROWD_TOKEN": None, **(env or {})}
    result = CliRunner().invoke(app, list(args), env=full_env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


def one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = [x for x in done.stderr.strip().splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), done.stderr
    for word in words:
        assert word in lines[0]


def test_init_tokens_and_workers(tmp_path: Path) -> None:
    """`init`, a token and a worker made by real processes; the rest of what they do, in process."""
    assert run("init", home=tmp_path).returncode == 0
    assert (tmp_path / "clipcrowd.db").exists()
    token = run("tokens", "create", "--name", "ci", home=tmp_path)
    assert token.returncode == 0 and token.stdout.strip().startswith("ccr_")
    revoked = invoke("tokens", "revoke", token.stdout.strip(), home=tmp_path)
    assert revoked.returncode == 0 and revoked.stdout.strip() == "revoked"
    one_line_error(invoke("tokens", "revoke", token.stdout.strip(), home=tmp_path), "no such token")
    from clipcrowd.domain.errors import AuthenticationFailed
    from clipcrowd.services import auth
    from clipcrowd.store.db import Database

    with pytest.raises(AuthenticationFailed):
        auth.resolve(Database(f"sqlite:///{tmp_path / 'clipcrowd.db'}"), token.stdout.strip())
    made = run("workers", "create", "ann", "--password", "long enough", home=tmp_path)
    assert made.returncode == 0 and "ann" in made.stdout and "token" in made.stdout
    one_line_error(invoke("workers", "create", "ann", home=tmp_path), "already exists")
    one_line_error(invoke("workers", "create", "bob", "--password", "short", home=tmp_path), "password")
    one_line_error(invoke("workers", "create", "cat", "--client-type", "FAX", home=tmp_path), "client_type")


def test_bad_settings_and_unreachable_database(tmp_path: Path) -> None:
    """A bad setting ends a real process with the one-line error; the other refusals, in process."""
    one_line_error(run("init", home=tmp_path, env={"CLIPCROWD_PORT": "eighty"}), "port")
    unreachable = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none"
    one_line_error(invoke("init", home=tmp_path, env={"CLIPCROWD_DATABASE_URL": unreachable,
                                                      "CLIPCROWD_DB_WAIT_SECONDS": "0"}), "cannot reach")
    one_line_error(invoke("init", home=tmp_path, env={"CLIPCROWD_DB_WAIT_SECONDS": "-1"}), "db_wait_seconds")


def test_simulate_needs_a_token_and_a_server(tmp_path: Path) -> None:
    """In process: the real `simulate` processes run against a live server below."""
    one_line_error(invoke("simulate", "000000000001", home=tmp_path), "token")
    one_line_error(invoke("simulate", "000000000001", "--token", "x", "--url", f"http://127.0.0.1:{free_port()}",
                          home=tmp_path), "cannot reach")


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_simulate_against_a_live_server(live: Live, tmp_path: Path) -> None:
    one_line_error(run("simulate", "000000000404", "--token", live.token, "--url", live.url, home=tmp_path),
                   "DOES_NOT_EXIST")
    from clipcrowd.client import Client
    from tests.factories import pool_body, text_project

    with Client(live.url, live.token) as client:
        project = client.create_project(text_project())
        pool = client.create_pool(pool_body(project["id"], defaults={"default_overlap_for_new_task_suites": 2}))
        client.create_tasks([{"pool_id": pool["id"], "input_values": {"text": str(i)}} for i in range(5)])
        client.open_pool(pool["id"])
    done = run("simulate", pool["id"], "--workers", "4", "--token", live.token, "--url", live.url, "--timeout", "60",
               home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"pool {pool['id']}: CLOSED; 10 suites submitted" in done.stdout
