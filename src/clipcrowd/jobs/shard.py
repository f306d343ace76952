"""Running one claimed shard: the handler's view of it (:class:`ShardRun`) and the heartbeat.

While a handler runs, a thread renews the shard's lease every third of it; if the lease was lost
(this worker was too slow and another took the shard over), item reports raise :class:`ShardLost`
and the handler's outcome is not recorded. A handler that returns completes the shard (items it
did not report count as done); one that raises fails it with the error.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection

from clipcrowd.store.db import Database

from . import queue
from .queue import Claim, ShardLost
from .registry import ShardFailed, resolve

log = logging.getLogger("clipcrowd.jobs")


class ShardRun:
    """What a handler gets: the job's request, the shard's payload, its items, and how to report them."""

    def __init__(self, db: Database, held: Claim, context: Mapping[str, Any]) -> None:
        self.db = db
        self.claim = held
        self.context = dict(context)
        self._lost = threading.Event()

    job_id = property(lambda self: self.claim.job_id)
    kind = property(lambda self: self.claim.kind)
    request = property(lambda self: self.claim.request)
    payload = property(lambda self: self.claim.payload)
    attempt = property(lambda self: self.claim.attempt)
    worker = property(lambda self: self.claim.worker)

    @property
    def shard_id(self) -> str:
        return str(self.claim.shard_id)

    def pending(self) -> list[str]:
        """Item keys of this shard not reported yet, in plan order (done items of an earlier run are left out)."""
        return queue.pending_items(self.db, self.claim)

    def done(self, key: str, result: Any = None) -> None:
        self.report([(key, "done", result, None)])

    def failed(self, key: str, error: str, result: Any = None) -> None:
        self.report([(key, "failed", result, error)])

    def skipped(self, key: str, reason: str | None = None) -> None:
        self.report([(key, "skipped", None, reason)])

    def report(self, entries: list[tuple[str, str, Any, str | None]]) -> int:
        """Several ``(key, status, result, error)`` reports in one transaction (status done/failed/skipped)."""
        self.check()
        return queue.report(self.db, self.claim, entries)

    def report_in(self, conn: Connection, entries: list[tuple[str, str, Any, str | None]]) -> int:
        """`report` inside the handler's own write transaction, so the work and its report commit together."""
        self.check()
        return queue.report_in(conn, self.claim, entries)

    @property
    def lost(self) -> bool:
        return self._lost.is_set()

    def check(self) -> None:
        """Raise :class:`ShardLost` if another worker has taken this shard over (long loops call this)."""
        if self._lost.is_set():
            raise ShardLost(f"shard {self.shard_id} of job {self.job_id} was taken over")


class Heartbeat:
    """Renews a claim's lease until stopped; marks the run lost when a renewal finds the claim gone."""

    def __init__(self, run: ShardRun, lease: timedelta) -> None:
        self.run, self.lease = run, lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="clipcrowd-job-heartbeat", daemon=True)

    def _beat(self) -> None:
        interval = max(self.lease.total_seconds() / 3, 0.05)
        while not self._stop.wait(interval):
            try:
                if not queue.renew(self.run.db, self.run.claim, self.lease):
                    self.run._lost.set()
                    return
            except Exception:  # a database hiccup: try again at the next beat, the lease still holds
                log.warning("heartbeat of job %s shard %s failed", self.run.job_id, self.run.shard_id, exc_info=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_claimed(db: Database, held: Claim, context: Mapping[str, Any], lease: timedelta = queue.LEASE) -> str:
    """Run a claimed shard to its end; returns the shard's outcome (``complete``, ``failed`` or ``lost``)."""
    run = ShardRun(db, held, context)
    try:
        handler = resolve(held.kind, held.handler)()
        with Heartbeat(run, lease):
            handler.run_shard(run)
    except ShardLost:
        log.warning("job %s shard %s was cancelled or taken over; this run's outcome is dropped",
                    held.job_id, held.shard_id)
        return "lost"
    except ShardFailed as exc:
        return "failed" if queue.finish(db, held, error=str(exc) or "the shard failed") else "lost"
    except Exception as exc:  # a handler's bug must not kill the worker: the shard records it instead
        log.exception("job %s (%s) shard %s failed", held.job_id, held.kind, held.shard_id)
        return "failed" if queue.finish(db, held, error=f"{type(exc).__name__}: {exc}") else "lost"
    if run.lost:
        return "lost"
    return "complete" if queue.finish(db, held) else "lost"
