"""Executors run claimed shards somewhere other than the request: ``local`` = processes on this machine,
``ray`` = tasks on a Ray cluster (:mod:`.ray_executor`).

An :class:`Executor` is told to look at the queue now (``wake``) and to stop; jobs and shards live
in the database, so an executor holds no state worth keeping and any executor of any server may
run any shard. Workers are started lazily on the first wake-up, so a server that never runs long
work costs nothing.
"""

from __future__ import annotations

import abc
import logging
import multiprocessing
import os
import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from clipcrowd.store.db import Database

from .queue import LEASE, pending
from .worker import run

log = logging.getLogger("clipcrowd.jobs")

#: Seconds between looks for work submitted elsewhere (another server, a CLI) by an idle server.
WATCH_SECONDS = 2.0
#: How a local worker process starts: "spawn", a fresh interpreter (nothing of the server's threads or
#: locks leaks into it). The test suite sets "forkserver" with the workers' modules preloaded
#: (tests/conftest.py): each worker is then a fork of one clean process instead of an interpreter start
#: and its imports (seconds of CPU per server that runs a job).
START_METHOD = "spawn"

__all__ = ["EXECUTORS", "Executor", "LocalExecutor", "create_executor"]


class Executor(abc.ABC):
    """Runs queued shards of every registered kind."""

    def __init__(self, db_url: str, context: Mapping[str, Any], *, processes: int = 1,
                 lease: timedelta = LEASE) -> None:
        self.db_url = db_url
        self.context = dict(context)
        self.count = processes
        self.lease = lease
        self._watching = threading.Event()
        self._watcher: threading.Thread | None = None

    def watch(self, interval: float = WATCH_SECONDS) -> None:
        """Look for claimable shards every ``interval`` seconds and wake the workers when there are some
        (work submitted by another process, or a shard whose worker died); stopped by :meth:`stop`."""
        if self._watcher is not None:
            return
        self._watcher = threading.Thread(target=self._watch, args=(interval,), name="clipcrowd-jobs-watch",
                                         daemon=True)
        self._watcher.start()

    def _watch(self, interval: float) -> None:
        db = Database(self.db_url, pool_size=1)
        try:
            while True:
                try:
                    if pending(db):
                        self.wake()
                except Exception:  # the database is away for a moment: look again at the next tick
                    log.warning("the job executor could not look for work", exc_info=True)
                if self._watching.wait(interval):
                    return
        finally:
            db.dispose()

    def _stop_watching(self, timeout: float) -> None:
        self._watching.set()
        if self._watcher is not None:
            self._watcher.join(timeout)

    @abc.abstractmethod
    def wake(self) -> None:
        """There is new work: make sure a worker sees it soon (starting workers first if none runs)."""

    def wake_soon(self) -> None:
        """`wake` for a request thread: starting a worker (a process, a fork server's imports, Ray itself)
        takes seconds on a busy machine, and the client that submitted the work must not wait for it."""
        threading.Thread(target=self._wake_logged, name="clipcrowd-jobs-wake", daemon=True).start()

    def _wake_logged(self) -> None:
        try:
            self.wake()
        except Exception:  # the watcher wakes the workers again at its next look
            log.warning("the job executor could not start its workers", exc_info=True)

    @abc.abstractmethod
    def stop(self, timeout: float = 15.0) -> None:
        """Stop the workers; a shard in progress finishes first (up to ``timeout``), else its lease lapses."""


class LocalExecutor(Executor):
    """``processes`` worker processes (spawned, so no thread or lock of the server leaks into them)."""

    def __init__(self, db_url: str, context: Mapping[str, Any], *, processes: int = 1,
                 lease: timedelta = LEASE) -> None:
        super().__init__(db_url, context, processes=processes, lease=lease)
        self._mp: Any = multiprocessing.get_context(START_METHOD)  # spawn or forkserver: both have Process
        self._stop = self._mp.Event()
        self._wake = self._mp.Event()
        self._procs: list[Any] = []
        self._starting = threading.Lock()  # request threads, the watcher and stop() all touch _procs

    def _start(self) -> None:
        with self._starting:
            self._procs = [p for p in self._procs if p.is_alive()]
            while len(self._procs) < self.count and not self._stop.is_set():
                self._start_one()

    def _start_one(self) -> None:
        proc = self._mp.Process(
            target=run, name="clipcrowd-job-worker", daemon=True,
            args=(self.db_url, self.context, self._stop, self._wake, self._parent_pid(),
                  self.lease.total_seconds()),
        )
        proc.start()
        self._procs.append(proc)

    def _parent_pid(self) -> int:
        """The parent a worker sees while this server lives: this process, or under "forkserver" the fork
        server, which exits with this process (so a worker still leaves when the server is gone)."""
        if self._mp.get_start_method() != "forkserver":
            return os.getpid()
        from multiprocessing import forkserver

        forkserver.ensure_running()
        return int(forkserver._forkserver._forkserver_pid)  # type: ignore[attr-defined]

    def wake(self) -> None:
        if self._stop.is_set():
            return
        self._start()
        self._wake.set()

    def wake_soon(self) -> None:
        if self.running >= self.count:  # the usual case: every worker is up, telling them is enough
            self._wake.set()
        else:
            super().wake_soon()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop_watching(timeout)
        self._stop.set()
        self._wake.set()
        with self._starting:  # a start in progress ends first; none begins after _stop is set
            procs, self._procs = self._procs, []
        for proc in procs:
            proc.join(timeout)
            if proc.is_alive():
                proc.terminate()
                proc.join(5)

    @property
    def running(self) -> int:
        return sum(1 for p in self._procs if p.is_alive())

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs if p.is_alive()]


def _ray(db_url: str, context: Mapping[str, Any], *, processes: int = 1, lease: timedelta = LEASE,
         address: str | None = None) -> Executor:
    from .ray_executor import RayExecutor

    return RayExecutor(db_url, context, processes=processes, lease=lease, address=address)


#: Executors by the name ``CLIPCROWD_EXECUTOR`` gives (``ray://host:port`` also selects ``ray``).
EXECUTORS: dict[str, Any] = {"local": LocalExecutor, "ray": _ray}


def create_executor(spec: str, db_url: str, context: Mapping[str, Any], *, processes: int = 1,
                    lease: timedelta = LEASE) -> Executor:
    """``local``, ``ray`` (start or attach to a local Ray) or ``ray://host:port`` (a Ray cluster)."""
    if spec.startswith("ray://"):
        return _ray(db_url, context, processes=processes, lease=lease, address=spec)
    if spec not in EXECUTORS:
        raise ValueError(f"unknown executor {spec!r}; one of {sorted(EXECUTORS)} or ray://host:port")
    factory: Any = EXECUTORS[spec]
    executor: Executor = factory(db_url, context, processes=processes, lease=lease)
    return executor
