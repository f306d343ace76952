"""Walking a camera folder and hashing what it holds.

The walk is streaming (``os.scandir``, one directory listed at a time) and yields files in sorted
order, so shards stay contiguous in time and two runs see the same order. Hidden files, ``*.part``,
``*.tmp`` and AppleDouble ``._*`` files are left out; a directory that cannot be read is logged and
skipped; with ``follow_symlinks`` each directory is entered once per (device, inode), so links that
loop are harmless. Content is hashed in 1 MiB chunks.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger("clipcrowd.import")

#: Default extensions (case-insensitive): common camera video containers and audio recorders.
DEFAULT_EXTS = (".mp4", ".mov", ".m4v", ".mkv", ".avi", ".ts", ".mts", ".m2ts", ".webm", ".mpg", ".mpeg", ".3gp",
                ".flv", ".wmv", ".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus")
CHUNK = 1 << 20


def parse_exts(text: str | None) -> tuple[str, ...]:
    if not text:
        return DEFAULT_EXTS
    exts = tuple(("." + e.strip().lstrip(".")).lower() for e in text.split(",") if e.strip())
    return exts or DEFAULT_EXTS


def _excluded(name: str) -> bool:
    return name.startswith(".") or name.endswith((".part", ".tmp"))


def walk(root: Path, exts: tuple[str, ...] = DEFAULT_EXTS, *, recursive: bool = True,
         follow_symlinks: bool = False) -> Iterator[str]:
    """Absolute paths of the files under ``root`` with one of ``exts``, in sorted order."""
    seen: set[tuple[int, int]] = set()

    def visit(folder: str) -> Iterator[str]:
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in seen:
                log.warning("skipping %s: already visited (a symlink loop?)", folder)
                return
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            log.warning("cannot read %s: %s", folder, exc.strerror or exc)
            return
        for entry in entries:
            if _excluded(entry.name):
                continue
            try:
                if entry.is_dir(follow_symlinks=follow_symlinks):
                    if recursive:
                        yield from visit(entry.path)
                elif entry.is_file(follow_symlinks=follow_symlinks) and os.path.splitext(entry.name)[1].lower() in exts:
                    yield entry.path
            except OSError as exc:
                log.warning("cannot read %s: %s", entry.path, exc.strerror or exc)

    yield from visit(os.path.abspath(root))


def sha1_file(path: str) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as src:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
