"""The loop a worker runs: claim a shard, run its handler, record the outcome, repeat.

It runs outside the server's request threads (a local process or a Ray task), opens its own
database engine, and leaves when told to stop, when the process that started it is gone, or
(``idle_rounds``) when there has been nothing to do for a while.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, Protocol

from clipcrowd.store.db import Database

from . import queue
from .shard import run_claimed

log = logging.getLogger("clipcrowd.jobs")

#: Seconds an idle worker waits for a wake-up before looking at the table again (other servers submit too).
POLL_SECONDS = 0.5


class EventLike(Protocol):
    def is_set(self) -> bool: ...
    def set(self) -> None: ...
    def clear(self) -> None: ...
    def wait(self, timeout: float | None = None) -> bool: ...


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_one(db: Database, context: Mapping[str, Any], name: str | None = None, *,
            kinds: Sequence[str] | None = None, lease: timedelta = queue.LEASE) -> bool:
    """Claim and run at most one shard; False when there was nothing to do."""
    held = queue.claim(db, name or worker_name(), kinds=kinds, lease=lease)
    if held is None:
        return False
    run_claimed(db, held, context, lease)
    return True


def run_pending(db: Database, context: Mapping[str, Any] | None = None, *, kinds: Sequence[str] | None = None,
                lease: timedelta = queue.LEASE) -> int:
    """Run shards in this thread until none is left to claim; returns how many ran (CLI and tests)."""
    ran = 0
    while run_one(db, context or {}, kinds=kinds, lease=lease):
        ran += 1
    return ran


def run(db_url: str, context: Mapping[str, Any], stop: EventLike, wake: EventLike, parent_pid: int | None = None,
        lease_seconds: float = queue.LEASE.total_seconds(), kinds: Sequence[str] | None = None) -> None:
    """Work until ``stop`` is set or the parent process is gone (the entry point of a worker process)."""
    db = Database(db_url, pool_size=3)
    name = worker_name()
    lease = timedelta(seconds=lease_seconds)
    try:
        while not stop.is_set():
            if parent_pid is not None and os.getppid() != parent_pid:
                break
            try:
                busy = run_one(db, context, name, kinds=kinds, lease=lease)
            except Exception:  # the database went away for a moment: keep the worker, try again later
                log.exception("job worker %s could not claim work", name)
                busy = False
            if not busy:
                wake.wait(POLL_SECONDS)
                wake.clear()
    finally:
        db.dispose()


def drain(db_url: str, context: Mapping[str, Any], lease_seconds: float, idle_rounds: int,
          kinds: Sequence[str] | None = None) -> int:
    """Work until nothing was claimable ``idle_rounds`` polls in a row (a Ray task's body); returns shards run."""
    db = Database(db_url, pool_size=3)
    name = worker_name()
    lease = timedelta(seconds=lease_seconds)
    ran, idle = 0, 0
    try:
        while idle < idle_rounds:
            if run_one(db, context, name, kinds=kinds, lease=lease):
                ran, idle = ran + 1, 0
            else:
                idle += 1
                time.sleep(POLL_SECONDS)
    finally:
        db.dispose()
    return ran
