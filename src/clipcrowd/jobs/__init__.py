"""clipcrowd.jobs: long work as rows in the `jobs` table, run by worker processes, never in a request.

A job is one idempotent shard of work (e.g. "process asset 42"): running it twice gives the same
result, so a job whose worker died is simply claimed again once its lease runs out.

- :mod:`.queue` enqueues, claims (atomically, several servers may share one database) and finishes jobs;
- :mod:`.worker` is the loop a worker process runs;
- :mod:`.executor` holds the executors (``EXECUTORS``; ``local`` starts worker processes on this machine).
"""

from __future__ import annotations

from .executor import EXECUTORS, Executor, Handler, LocalExecutor
from .queue import Job, claim, complete, enqueue, fail, get

__all__ = ["EXECUTORS", "Executor", "Handler", "Job", "LocalExecutor", "claim", "complete", "enqueue", "fail", "get"]
