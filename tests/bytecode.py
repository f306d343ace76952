"""Compile `src/` once, before the xdist workers start, instead of once in each of them.

Every worker imports the whole source tree while it collects; in a fresh clone (no bytecode cache
yet) the workers start together, so none finds another's cache and each compiles every module
(seconds of CPU each). The controller writes the cache first, in the `__pycache__` folders Python
uses (ignored by git), with the standard library's `compileall`; a worker then reads it, and a
stale or missing file is compiled by the worker as before. The test modules' assertion rewriting
is left to pytest (doing it here would mean reaching into pytest's private API).
"""

from __future__ import annotations

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def compile_for_workers() -> None:
    """On the xdist controller, before the workers start: `src/` compiled."""
    compileall.compile_dir(ROOT / "src", quiet=1)
