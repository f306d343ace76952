"""The loop a worker process runs: claim a job, run its handler, record the outcome, repeat.

It runs in its own process (never in the server's request threads), opens its own database
engine, and leaves when told to stop or when the process that started it is gone.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from clipcrowd.store.db import JOB_WORKER_CONNECTIONS, Database

from . import queue

log = logging.getLogger("clipcrowd.jobs")

#: Seconds an idle worker waits for a wake-up before looking at the table again (other servers enqueue too).
POLL_SECONDS = 0.5

Handler = Callable[[Database, dict[str, Any], dict[str, Any]], None]


class EventLike(Protocol):
    def is_set(self) -> bool: ...
    def set(self) -> None: ...
    def clear(self) -> None: ...
    def wait(self, timeout: float | None = None) -> bool: ...


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_one(db: Database, handlers: Mapping[str, Handler], context: dict[str, Any], name: str) -> bool:
    """Claim and run at most one job; False when there was nothing to do."""
    job = queue.claim(db, name, list(handlers))
    if job is None:
        return False
    try:
        handlers[job.kind](db, job.payload, context)
    except Exception as exc:  # a handler's bug must not kill the worker: the job records it instead
        log.exception("job %s (%s) failed", job.id, job.kind)
        queue.fail(db, job.id, f"{type(exc).__name__}: {exc}")
    else:
        queue.complete(db, job.id)
    return True


def run(db_url: str, handlers: Mapping[str, Handler], context: dict[str, Any], stop: EventLike,
        wake: EventLike, parent_pid: int | None = None) -> None:
    """Work until ``stop`` is set or the parent process is gone (the entry point of a worker process)."""
    db = Database(db_url, pool_size=JOB_WORKER_CONNECTIONS, max_overflow=0)
    name = worker_name()
    try:
        while not stop.is_set():
            if parent_pid is not None and os.getppid() != parent_pid:
                break
            if not run_one(db, handlers, context, name):
                wake.wait(POLL_SECONDS)
                wake.clear()
    finally:
        db.dispose()
