"""Bytecode for the test run, written once by one process instead of compiled again by every process.

The virtualenv is installed without compiling its 20,000 files up front (that cost ~23 s of CPU per
fresh clone, for files the suite never imports); `make test` lets every process of the run write the
bytecode of what it imports (`PYTHONDONTWRITEBYTECODE` is cleared for it), so a module is compiled by
the first process that needs it and read from its cache by the rest (Ray's workers, CLI subprocesses,
job workers). The xdist workers, though, start together and would each compile the same few thousand
modules while they collect. So before they start, the controller collects once in a subprocess that
writes the caches: the sources, the libraries collection imports, and the test modules' rewritten
assertions, which pytest itself caches beside each test module. A tree an earlier run compiled skips
that collection: its caches are there.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "src" / "clipcrowd"


def _compiled() -> bool:
    """Whether an earlier run left the caches: those of the app's entry module and of a library collection
    imports. A module changed since then is compiled again by each worker, as Python does; a fresh clone,
    or a virtualenv made anew, has neither cache."""
    library = importlib.util.find_spec("sqlalchemy")
    origins = [str(SOURCES / "server.py"), library.origin if library and library.origin else ""]
    return all(origin and Path(importlib.util.cache_from_source(origin)).exists() for origin in origins)


def collect_for_workers(args: list[str]) -> None:
    """On the xdist controller, before the workers start: one collection of `args` that writes bytecode.

    Its outcome is not checked: a module that fails to import fails again in the workers, which report it.
    """
    if _compiled():
        return
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist",
                    "-p", "no:cacheprovider", *args],
                   cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
