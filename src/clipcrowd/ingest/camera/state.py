"""The import's state: one SQLite file (WAL), one row per file content (keyed by its SHA-1).

Rows keep the legacy field names so hooks that read ``db[key]`` still work, plus ``state``,
``attempts``, ``last_error``, ``epoch_utc`` and ``probe_json``. Files that were never hashed
(no match, bad time, unreadable, duplicates) get a row keyed ``path:<path>`` so they are
reported too; the shelve-like facade handed to hooks shows only content rows.

States: ``discovered -> scheduled -> uploading -> uploaded -> confirmed``; side states
``failed``, ``unreadable``, ``skipped_nomatch``, ``bad_timestamp``, ``duplicate``, ``missing``,
``settling``. A row left ``uploading`` by a killed run is picked up again (it kept its job and shard).
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from .names import printable

COLUMNS = ("key", "filename", "given_name", "camera", "timestamp", "lat", "lng", "duration", "size",
           "discovered_on", "uploaded_on", "confirmed_on", "job_id", "shard_id", "upload_url", "state",
           "attempts", "last_error", "epoch_utc", "probe_json", "raw_path", "mtime_ns", "camera_id")
PENDING = ("discovered", "scheduled", "uploading")
DONE = ("uploaded", "confirmed")
#: States that make the run end with exit code 2.
PROBLEMS = ("failed", "unreadable", "skipped_nomatch", "bad_timestamp", "missing", "settling")
CSV_HEADER = ("filename", "given_name", "camera", "timestamp", "discovered_on", "uploaded_on", "state", "job_id",
              "shard_id", "last_error")

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS files ({", ".join(f"{c} {'TEXT PRIMARY KEY' if c == 'key' else ''}" for c in COLUMNS)},
                                  extra TEXT);
CREATE INDEX IF NOT EXISTS ix_files_filename ON files(filename);
CREATE INDEX IF NOT EXISTS ix_files_state ON files(state);
CREATE TABLE IF NOT EXISTS paths (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, inode INTEGER, key TEXT);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
"""


class State:
    """The store; every write commits at once unless inside :meth:`batch`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(_SCHEMA)

    def close(self) -> None:
        self.conn.close()

    # rows ------------------------------------------------------------------------------------
    @staticmethod
    def _row(row: sqlite3.Row | None) -> dict[str, Any] | None:
        if row is None:
            return None
        out = {c: row[c] for c in COLUMNS}
        out.update(json.loads(row["extra"] or "{}"))
        return out

    def get(self, key: str) -> dict[str, Any] | None:
        return self._row(self.conn.execute("SELECT * FROM files WHERE key = ?", (key,)).fetchone())

    def put(self, row: Mapping[str, Any]) -> None:
        known = {c: printable(v) if isinstance(v, str) else v for c, v in ((c, row.get(c)) for c in COLUMNS)}
        extra = {k: v for k, v in row.items() if k not in COLUMNS}
        cols = [*COLUMNS, "extra"]
        self.conn.execute(f"INSERT OR REPLACE INTO files ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                          [*(known[c] for c in COLUMNS), json.dumps(extra, default=str) if extra else None])

    def update(self, key: str, **values: Any) -> None:
        row = self.get(key)
        if row is None:
            raise KeyError(key)
        row.update(values)
        self.put(row)

    def rows(self, where: str = "1=1", args: tuple[Any, ...] = ()) -> Iterator[dict[str, Any]]:
        for row in self.conn.execute(f"SELECT * FROM files WHERE {where} ORDER BY camera, epoch_utc, filename", args):
            out = self._row(row)
            assert out is not None
            yield out

    def by_filename(self, filename: str) -> dict[str, Any] | None:
        return self._row(self.conn.execute(
            "SELECT * FROM files WHERE filename = ? AND key NOT LIKE 'path:%' "
            "ORDER BY state IN ('discovered', 'scheduled', 'uploading') DESC, discovered_on DESC",
            (printable(filename),)).fetchone())

    def pending(self, retry_failed: bool = False) -> list[dict[str, Any]]:
        states = (*PENDING, "failed") if retry_failed else PENDING
        marks = ", ".join("?" * len(states))
        return list(self.rows(f"state IN ({marks}) AND key NOT LIKE 'path:%'", states))

    def counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.conn.execute("SELECT state, count(*) FROM files GROUP BY state")}

    def batch(self) -> Any:
        """``with state.batch():`` groups writes into one transaction."""
        return _Batch(self.conn)

    # fast path -------------------------------------------------------------------------------
    def cached(self, path: str) -> tuple[str, int, int, int] | None:
        """``(sha1, size, mtime_ns, inode)`` last seen at ``path`` (a re-run hashes only what changed)."""
        row = self.conn.execute("SELECT key, size, mtime_ns, inode FROM paths WHERE path = ?",
                                (printable(path),)).fetchone()
        return None if row is None else (str(row[0]), int(row[1]), int(row[2]), int(row[3]))

    def remember(self, path: str, size: int, mtime_ns: int, inode: int, key: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO paths VALUES (?, ?, ?, ?, ?)",
                          (printable(path), size, mtime_ns, inode, key))

    # meta ------------------------------------------------------------------------------------
    def meta(self, name: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))

    def write_csv(self, out: IO[str]) -> None:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for row in self.rows():
            writer.writerow([row.get(c) if row.get(c) is not None else "" for c in CSV_HEADER])


def path_of(row: Mapping[str, Any]) -> str:
    """The file's real path (its raw bytes when the name is not UTF-8)."""
    raw = row.get("raw_path")
    return os.fsdecode(bytes.fromhex(raw)) if raw else str(row["filename"])


class _Batch:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN")

    def __exit__(self, kind: object, *rest: object) -> None:
        self.conn.execute("ROLLBACK" if kind is not None else "COMMIT")


class Shelf:
    """The ``db`` hooks get: shelve's interface over the content rows, rows in and out as plain dicts."""

    def __init__(self, state: State) -> None:
        self._state = state

    def __getitem__(self, key: str) -> dict[str, Any]:
        row = self._state.get(key) if not key.startswith("path:") else None
        if row is None:
            raise KeyError(key)
        return row

    def __setitem__(self, key: str, row: Mapping[str, Any]) -> None:
        if not isinstance(row, Mapping):
            raise TypeError("db rows are dicts")
        self._state.put({**row, "key": key})

    def __delitem__(self, key: str) -> None:
        self._state.conn.execute("DELETE FROM files WHERE key = ?", (key,))

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and not key.startswith("path:") and self._state.get(key) is not None

    def keys(self) -> list[str]:
        return [r[0] for r in self._state.conn.execute("SELECT key FROM files WHERE key NOT LIKE 'path:%'")]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def values(self) -> list[dict[str, Any]]:
        return list(self._state.rows("key NOT LIKE 'path:%'"))

    def items(self) -> list[tuple[str, dict[str, Any]]]:
        return [(r["key"], r) for r in self.values()]

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def find_file(self, filename: str) -> dict[str, Any] | None:
        """The content row last seen at ``filename`` (built-in hooks look their file up by path)."""
        return self._state.by_filename(filename)

    def sync(self) -> None:
        """Writes are committed as they happen; kept for hooks written against shelve."""

    def close(self) -> None:
        """The run owns the store; a hook closing it is a no-op."""
