"""One run per state store: ``<storage>.lock`` is created atomically and holds the owner's pid.

A lock whose pid is no longer alive (the run was killed) is taken over; a live one stops the
second run with exit code 3.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from .errors import Locked


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner(path: Path) -> int:
    try:
        return int(path.read_text().strip() or "0")
    except (OSError, ValueError):
        return 0


@contextlib.contextmanager
def hold(storage: Path) -> Iterator[Path]:
    """Hold the lock of ``storage`` for the ``with`` block."""
    path = storage.with_name(storage.name + ".lock")
    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner = _owner(path)
            if owner and owner != os.getpid() and _alive(owner):
                raise Locked(f"another import (pid {owner}) holds {path}") from None
            path.unlink(missing_ok=True)  # its owner is gone: take the lock over
            continue
        with os.fdopen(fd, "w") as out:
            out.write(str(os.getpid()))
        break
    else:
        raise Locked(f"could not take {path}")
    try:
        yield path
    finally:
        if _owner(path) == os.getpid():
            path.unlink(missing_ok=True)
