"""Compile once for all xdist workers what each of them would compile at start-up.

Every worker imports the whole source tree and rewrites the asserts of every test module while it
collects (about 8 s of CPU each in a fresh clone, where no cache exists yet, and in every run where
PYTHONDONTWRITEBYTECODE is set). The workers start together, so none finds another's cache. Here
the controller writes those caches before it starts them, in the `__pycache__` folders Python and
pytest use (ignored by git): Python's own for `src/`, pytest's rewritten modules for `tests/`, each
checked against its source, so a worker reads them instead of compiling, and a stale or missing
one is compiled by the worker as before. (A pycache prefix would keep them out of the tree, but it
moves every library's bytecode too: the workers would then compile all of them.)
"""

from __future__ import annotations

import compileall
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def compile_for_workers(config: pytest.Config) -> None:
    """On the xdist controller, before the workers start: `src/` compiled, `tests/` rewritten."""
    compileall.compile_dir(ROOT / "src", quiet=1)
    try:
        from _pytest.assertion import rewrite

        state = config.stash[rewrite.assertstate_key]
    except (ImportError, AttributeError, KeyError):  # pytest changed its internals: workers rewrite as before
        return
    for source in sorted(ROOT.joinpath("tests").rglob("*.py")):
        if not (source.name.startswith("test_") or source.name == "conftest.py"):
            continue
        pyc = rewrite.get_cache_dir(source) / (source.stem + rewrite.PYC_TAIL)
        if rewrite._read_pyc(source, pyc, state.trace) is None and rewrite.try_makedirs(pyc.parent):
            source_hash, code = rewrite._rewrite_test(source, config)
            rewrite._write_pyc(state, code, source_hash, pyc)
