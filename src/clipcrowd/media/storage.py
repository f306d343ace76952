"""Storage through fsspec: one ``Storage`` over a base URL (a local folder by default, or S3, GCS...).

Writes are streamed (never the whole upload in memory), capped in size and atomic: bytes go to a
temporary key first and are moved into place only when complete, so a failed or oversized upload
leaves nothing behind. Content-addressed writes hash the *whole* content (sha256) while streaming,
so importing the same file twice stores it once.

>>> store = Storage("./clipcrowd-data/media")                      # doctest: +SKIP
>>> key = store.put_content(open("clip.mp4", "rb"), suffix=".mp4")  # doctest: +SKIP
>>> store.local_path(key)                                          # doctest: +SKIP
PosixPath('clipcrowd-data/media/sha256/ab/abcdef....mp4')
"""

from __future__ import annotations

import hashlib
import posixpath
import uuid
from pathlib import Path
from typing import IO, Any

import fsspec

from . import defaults
from .errors import MediaError, TooLargeError


class Storage:
    """Keys are relative POSIX paths (``"covers/ab.jpg"``) under ``base_url``."""

    def __init__(self, base_url: str = "./clipcrowd-data/media", **options: Any) -> None:
        self.base_url = base_url
        self.fs, root = fsspec.core.url_to_fs(base_url, **options)
        self.root = root.rstrip("/")
        self.is_local = "file" in (
            self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,)
        )
        if self.is_local:
            self.fs.makedirs(self.root, exist_ok=True)

    def _path(self, key: str) -> str:
        norm = posixpath.normpath(key)
        if not key or key.startswith("/") or norm.startswith("..") or norm == "." or "\\" in key:
            raise MediaError(f"invalid storage key {key!r}: must be a relative path inside the store")
        return f"{self.root}/{norm}"

    def _stream(self, src: IO[bytes], tmp: str, max_bytes: int | None, digest: Any = None) -> int:
        size = 0
        parent = posixpath.dirname(tmp)
        if self.is_local:
            self.fs.makedirs(parent, exist_ok=True)
        with self.fs.open(tmp, "wb") as out:
            while chunk := src.read(defaults.COPY_CHUNK):
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise TooLargeError(f"content exceeds the size limit of {max_bytes} bytes")
                if digest is not None:
                    digest.update(chunk)
                out.write(chunk)
        return size

    def _discard(self, tmp: str) -> None:
        if self.fs.exists(tmp):
            self.fs.rm(tmp)

    def _tmp(self) -> str:
        return f"{self.root}/.tmp/{uuid.uuid4().hex}"

    def put(self, key: str, src: IO[bytes], *, max_bytes: int | None = None) -> int:
        """Store ``src`` (read in chunks) under ``key``; returns its size. Replaces an existing key."""
        final = self._path(key)
        tmp = self._tmp()
        try:
            size = self._stream(src, tmp, max_bytes)
            if self.is_local:
                self.fs.makedirs(posixpath.dirname(final), exist_ok=True)
            self.fs.mv(tmp, final)
        finally:
            self._discard(tmp)
        return size

    def put_content(
        self, src: IO[bytes], *, prefix: str = "sha256", suffix: str = "", max_bytes: int | None = None
    ) -> str:
        """Store ``src`` under a key derived from the sha256 of all of it; returns the key.

        Storing the same bytes again keeps the first copy and returns the same key (idempotent).
        """
        digest = hashlib.sha256()
        tmp = self._tmp()
        try:
            self._stream(src, tmp, max_bytes, digest)
            hexdigest = digest.hexdigest()
            key = f"{prefix}/{hexdigest[:2]}/{hexdigest}{suffix}"
            final = self._path(key)
            if not self.fs.exists(final):
                if self.is_local:
                    self.fs.makedirs(posixpath.dirname(final), exist_ok=True)
                self.fs.mv(tmp, final)
        finally:
            self._discard(tmp)
        return key

    def open(self, key: str, mode: str = "rb") -> IO[bytes]:
        """A file object for reading (``rb``) the stored content."""
        if "r" not in mode:
            raise MediaError("Storage.open is for reading; use put() or put_content() to write")
        path = self._path(key)
        if not self.fs.exists(path):
            raise FileNotFoundError(f"no stored object {key!r}")
        return self.fs.open(path, mode)

    def size(self, key: str) -> int:
        return int(self.fs.size(self._path(key)))

    def exists(self, key: str) -> bool:
        return bool(self.fs.exists(self._path(key)))

    def delete(self, key: str) -> bool:
        """Remove ``key``; returns False when it was not there."""
        path = self._path(key)
        if not self.fs.exists(path):
            return False
        self.fs.rm(path)
        return True

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object whose key starts with the folder ``prefix``; returns how many."""
        path = self._path(prefix)
        if not self.fs.exists(path):
            return 0
        files = [p for p in self.fs.find(path)]
        self.fs.rm(path, recursive=True)
        return len(files)

    def local_path(self, key: str) -> Path | None:
        """The file's path on this machine when the store is local (for PyAV), else None."""
        return Path(self._path(key)) if self.is_local else None
