"""The Ray executor: shards run as Ray tasks (``CLIPCROWD_EXECUTOR=ray`` or ``ray://host:port``).

Each Ray task is the ordinary worker loop (:func:`clipcrowd.jobs.worker.drain`): it claims shards
from the database under a lease, exactly as a local worker process does, and ends after a few idle
polls. So a shard is never run twice at once, and a task lost with its node is re-claimed once its
lease runs out. New work is found by the executor's watcher (:meth:`Executor.watch`). Ray nodes
need clipcrowd installed and must reach the database and the storage URL. Ray is optional
(``pip install 'clipcrowd[ray]'``); it is imported only when this executor is chosen.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from .executor import Executor
from .queue import LEASE
from .worker import drain

#: Idle polls after which a Ray task gives its CPU back (the watcher starts new ones on new work).
IDLE_ROUNDS = 6


class RayExecutor(Executor):
    """Up to ``processes`` Ray tasks at a time, started when there is work."""

    def __init__(self, db_url: str, context: Mapping[str, Any], *, processes: int = 1, lease: timedelta = LEASE,
                 address: str | None = None) -> None:
        super().__init__(db_url, context, processes=processes, lease=lease)
        try:
            import ray
        except ImportError:
            raise RuntimeError("CLIPCROWD_EXECUTOR=ray needs Ray: pip install 'clipcrowd[ray]'") from None
        self._ray = ray
        self.address = address
        self._started_ray = False
        self._remote: Any = None
        self._refs: list[Any] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def _connect(self) -> None:
        ray = self._ray
        if not ray.is_initialized():
            if self.address:
                ray.init(address=self.address)
            else:
                try:  # attach to a Ray already running on this machine (`ray start --head`)
                    ray.init(address="auto", include_dashboard=False)
                except (ConnectionError, RuntimeError, ValueError):
                    ray.init(include_dashboard=False)
            self._started_ray = True
        if self._remote is None:
            self._remote = ray.remote(num_cpus=1, max_retries=0)(drain)

    def wake(self) -> None:
        if self._stopped.is_set():
            return
        with self._lock:
            self._connect()
            if self._refs:
                _, self._refs = self._ray.wait(self._refs, num_returns=len(self._refs), timeout=0)
            while len(self._refs) < self.count:
                self._refs.append(self._remote.remote(self.db_url, self.context, self.lease.total_seconds(),
                                                      IDLE_ROUNDS))

    @property
    def running(self) -> int:
        with self._lock:
            if not self._refs:
                return 0
            _, busy = self._ray.wait(self._refs, num_returns=len(self._refs), timeout=0)
            return len(busy)

    def stop(self, timeout: float = 15.0) -> None:
        self._stop_watching(timeout)
        self._stopped.set()
        with self._lock:
            if self._refs:
                _, busy = self._ray.wait(self._refs, num_returns=len(self._refs), timeout=timeout)
                for ref in busy:  # its shard's lease lapses and another worker takes it over
                    self._ray.cancel(ref, force=True)
            self._refs = []
        if self._started_ray:
            self._ray.shutdown()
