"""Executors run queued jobs somewhere other than the request: ``local`` = processes on this machine.

An :class:`Executor` is told to start, to look at the queue now (``wake``) and to stop; the jobs
themselves live in the database, so an executor holds no state worth keeping. Worker processes
are started lazily on the first wake-up, so a server that never imports media costs nothing.
"""

from __future__ import annotations

import abc
import multiprocessing
import os
from collections.abc import Mapping
from typing import Any

from .worker import Handler, run

__all__ = ["EXECUTORS", "Executor", "Handler", "LocalExecutor"]


class Executor(abc.ABC):
    """Runs the jobs of the kinds it has handlers for."""

    @abc.abstractmethod
    def wake(self) -> None:
        """There is new work: make sure a worker sees it soon."""

    @abc.abstractmethod
    def stop(self, timeout: float = 15.0) -> None:
        """Stop the workers; a job in progress finishes first (up to ``timeout``)."""


class LocalExecutor(Executor):
    """``processes`` worker processes (spawned, so no thread or lock of the server leaks into them)."""

    def __init__(self, db_url: str, handlers: Mapping[str, Handler], context: dict[str, Any], *,
                 processes: int = 1) -> None:
        self.db_url = db_url
        self.handlers = dict(handlers)
        self.context = dict(context)
        self.count = processes
        self._mp = multiprocessing.get_context("spawn")
        self._stop = self._mp.Event()
        self._wake = self._mp.Event()
        self._procs: list[Any] = []

    def _start(self) -> None:
        self._procs = [p for p in self._procs if p.is_alive()]
        while len(self._procs) < self.count:
            proc = self._mp.Process(
                target=run, name="clipcrowd-job-worker", daemon=True,
                args=(self.db_url, self.handlers, self.context, self._stop, self._wake, os.getpid()),
            )
            proc.start()
            self._procs.append(proc)

    def wake(self) -> None:
        if self._stop.is_set():
            return
        self._start()
        self._wake.set()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        for proc in self._procs:
            proc.join(timeout)
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
        self._procs = []

    @property
    def running(self) -> int:
        return sum(1 for p in self._procs if p.is_alive())


#: Executors by the name `CLIPCROWD_EXECUTOR` would give (a Ray executor is planned, not built).
EXECUTORS: dict[str, type[Executor]] = {"local": LocalExecutor}
