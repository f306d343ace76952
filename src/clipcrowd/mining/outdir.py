"""Output folders written whole or not at all: built under a hidden name beside the target, renamed at the end.

A run that fails half-way (a bad clip, a full disk, Ctrl-C) leaves neither a partial folder nor
its temporary twin. The target must be absent or empty: a run never mixes its files with others.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from .errors import MiningError


def check_output(out: str | os.PathLike[str]) -> Path:
    """``out`` if a run may write there: absent, or an empty folder."""
    p = Path(out)
    if p.exists() and (not p.is_dir() or any(p.iterdir())):
        raise MiningError(f"{p}: the output folder exists and is not empty (pick a new --out)")
    return p


@contextlib.contextmanager
def atomic_folder(out: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty temporary folder; it becomes ``out`` only if the block succeeds."""
    final = check_output(out)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex}.part")
    tmp.mkdir()
    try:
        yield tmp
        if final.exists():
            final.rmdir()
        os.rename(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
