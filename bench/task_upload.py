"""Task upload benchmark: a TSV of N rows (a tenth golden) through the desk's upload path.

Run: ``.venv/bin/python bench/task_upload.py [--rows 100000]``. Reads and checks the file with
`services.task_upload.upload` over SQLite in a temporary directory and prints the time to read and
check the rows alone (nothing created: one row is bad), the time to create them (skip bad rows), rows
per second, and the process's peak resident memory after each pass (`ru_maxrss`, so it only grows).
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.factories import pool_body, text_project

from clipcrowd.services import pools, projects, task_upload
from clipcrowd.store.db import Database


def _file(rows: int) -> bytes:
    lines = [b"INPUT:text\tGOLDEN:result\tHINT:text"]
    for i in range(rows):
        lines.append(f"clip {i} of a long description\t{'a' if i % 10 == 0 else ''}\t".encode())
    lines.append(b"=BAD()\t\t")
    return b"\n".join(lines) + b"\n"


def _run(db: Database, pool_id: int, data: bytes, skip: bool, rows: int) -> tuple[float, int, int]:
    started = time.perf_counter()
    outcome = task_upload.upload(db, pool_id, io.BytesIO(data), "tsv", skip_bad=skip, max_rows=rows + 1)
    took = time.perf_counter() - started
    return took, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, outcome.created


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    data = _file(args.rows)
    with tempfile.TemporaryDirectory() as home:
        db = Database(f"sqlite:///{Path(home) / 'clipcrowd.db'}")
        db.migrate()
        project = projects.create(db, text_project())
        pool_id = int(pools.create(db, pool_body(project["id"]))["id"])
        print(f"file: {args.rows} rows, {len(data) / 2**20:.1f} MiB; peak RSS before: "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
        for label, skip in (("check only (one bad row: nothing created)", False), ("check and create", True)):
            took, peak, created = _run(db, pool_id, data, skip, args.rows)
            print(f"{label}: {took:.2f} s, {args.rows / took:,.0f} rows/s, created {created}, "
                  f"peak RSS so far {peak / 2**20:.0f} MiB")
        db.dispose()


if __name__ == "__main__":
    main()
