"""toloka-kit's scripts run in forks of one process per test process that has imported toloka-kit
already (tests/toloka/warm.py): the import costs about 2.7 s of CPU, and the seed, surface and export
tests run eight such scripts a suite. The fixture is registered by the root conftest, so every module
that runs toloka-kit shares the same process."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOLOKA_PYTHON = ROOT / ".venv-toloka" / "bin" / "python"
SCRIPTS = Path(__file__).parent / "toloka"


class WarmToloka:
    """One toloka-kit process: each script runs in a fork of it, its output kept in files."""

    def __init__(self) -> None:
        self.process = self._start()

    @staticmethod
    def _start() -> subprocess.Popen[str]:
        return subprocess.Popen([str(TOLOKA_PYTHON), str(SCRIPTS / "warm.py")], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, start_new_session=True)

    def run(self, script: str, cwd: Path, env: Mapping[str, str], timeout: float,
            args: Sequence[str] = ()) -> tuple[int, str, str]:
        """The script's exit status, its standard output, and its standard error."""
        if self.process.poll() is not None:  # an earlier script's timeout killed it: the next gets a new one
            self._discard()
            self.process = self._start()
        assert self.process.stdin is not None and self.process.stdout is not None
        out, err = cwd / f"{script}.out", cwd / f"{script}.err"
        job = {"script": str(SCRIPTS / script), "args": list(args), "cwd": str(cwd), "env": dict(env),
               "log": str(out), "errors": str(err)}
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            said = err.read_text()[-3000:] if err.exists() else "(it had not started)"
            raise AssertionError(f"{script} did not finish in {timeout} s: {said}")
        answer = json.loads(self.process.stdout.readline())
        return int(answer["returncode"]), out.read_text(), err.read_text()

    def close(self) -> None:
        assert self.process.stdin is not None
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=30)
        self._discard()

    def _discard(self) -> None:
        """Close this process's pipes (a killed one's stdin may not take a flush: it is dropped)."""
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(BrokenPipeError):
                    pipe.close()


@pytest.fixture(scope="session")
def toloka_kit() -> Iterator[WarmToloka]:
    if not TOLOKA_PYTHON.exists():
        pytest.skip("toloka-kit's virtualenv is missing: run `make toloka-venv`")
    warm = WarmToloka()
    yield warm
    warm.close()
