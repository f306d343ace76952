"""clipcrowd.jobs: the one runner for long work (imports, asset processing, aggregation, mining).

A **job** is what a user sees: a kind, the request as submitted, a status derived from its shards,
item counts. A **shard** is what a worker claims, under a lease renewed by a heartbeat; a shard
whose worker died is claimed again (bounded attempts). A shard's **items** are reported one by
one (done, failed, skipped), so a re-run of a shard skips what is done. See docs/jobs.md.

- :mod:`.registry`: :class:`Handler` (plan shards, run one shard) and :func:`register` by kind;
- :mod:`.queue`: submit, claim, renew, report, finish, in the database;
- :mod:`.shard`: :class:`ShardRun`, the handler's view of one claimed shard, and the heartbeat;
- :mod:`.worker`: the loop a worker runs; :func:`run_pending` runs shards in the calling thread;
- :mod:`.executor`: ``local`` worker processes, ``ray`` tasks (:mod:`.ray_executor`).
"""

from __future__ import annotations

from .executor import EXECUTORS, Executor, LocalExecutor, create_executor
from .queue import (
    LEASE,
    MAX_ATTEMPTS,
    Claim,
    JobRequestError,
    ShardLost,
    add_items,
    cancel,
    claim,
    counts,
    finish,
    pending,
    ready,
    refresh,
    submit,
)
from .registry import Handler, ShardFailed, ShardPlan, UnknownKind, kinds, register, resolve, split
from .shard import ShardRun, run_claimed
from .status import ITEM_STATUSES, JOB_FINAL, JOB_STATUSES, SHARD_STATUSES, derive
from .worker import run_one, run_pending

__all__ = [
    "EXECUTORS", "ITEM_STATUSES", "JOB_FINAL", "JOB_STATUSES", "LEASE", "MAX_ATTEMPTS", "SHARD_STATUSES",
    "Claim", "Executor", "Handler", "JobRequestError", "LocalExecutor", "ShardFailed", "ShardLost", "ShardPlan",
    "ShardRun", "UnknownKind", "add_items", "cancel", "claim", "counts", "create_executor", "derive", "finish", "kinds",
    "pending", "ready", "refresh", "register", "resolve", "run_claimed", "run_one", "run_pending", "split", "submit",
]
