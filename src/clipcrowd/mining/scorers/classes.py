"""Class-name files: one name per line, in the order of the model's outputs."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import MiningError

#: A classes file larger than this is not a list of names.
MAX_BYTES = 4 * 1024 * 1024
MAX_NAME = 500


def load_classes(path: str | os.PathLike[str]) -> tuple[str, ...]:
    """The class names in ``path`` (blank lines at the end ignored; blank or repeated names refused)."""
    p = Path(path)
    if not p.is_file():
        raise MiningError(f"{p}: classes file not found")
    if p.stat().st_size > MAX_BYTES:
        raise MiningError(f"{p}: classes file is larger than {MAX_BYTES} bytes")
    try:
        text = p.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as exc:
        raise MiningError(f"{p}: cannot read the classes file as UTF-8 text ({exc})") from None
    lines = [line.strip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    if not lines:
        raise MiningError(f"{p}: the classes file is empty")
    seen: dict[str, int] = {}
    for number, name in enumerate(lines, 1):
        if not name:
            raise MiningError(f"{p}: line {number} is blank (one class name per line)")
        if len(name) > MAX_NAME:
            raise MiningError(f"{p}: line {number} is longer than {MAX_NAME} characters")
        if name in seen:
            raise MiningError(f"{p}: class {name!r} appears on lines {seen[name]} and {number}")
        seen[name] = number
    return tuple(lines)
