"""Job kinds the runner's tests use; importable by worker processes and Ray tasks (by import path)."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from clipcrowd.jobs import Handler, ShardFailed, ShardPlan, ShardRun, register, split


def digest(key: str, rounds: int) -> str:
    """A result that depends only on the item (the same on any executor)."""
    value = key.encode()
    for _ in range(rounds):
        value = hashlib.sha256(value).digest()
    return value.hex()[:16]


@register("test.digest")
class Digest(Handler):
    """Each item's result is a hash chain of its key; the request may say how to cut shards."""

    shard_size = 3

    def plan(self, request: Mapping[str, Any]) -> list[ShardPlan]:
        return split(request["items"], int(request.get("shard_size", self.shard_size)))

    def run_shard(self, shard: ShardRun) -> None:
        log = shard.request.get("log")
        if log:  # start and end of every run, appended atomically: tests look for overlapping runs
            with open(log, "a") as out:
                out.write(f"start {shard.shard_id} {shard.worker} {time.monotonic()}\n")
        for key in shard.pending():
            if key.startswith("bad"):
                shard.failed(key, f"{key} cannot be digested")
            elif key.startswith("skip"):
                shard.skipped(key, "nothing to do")
            else:
                shard.done(key, {"digest": digest(key, int(shard.request.get("rounds", 1000))),
                                 "attempt": shard.attempt})
        if log:
            with open(log, "a") as out:
                out.write(f"end {shard.shard_id} {shard.worker} {time.monotonic()}\n")


@register("test.stall")
class Stall(Handler):
    """Reports the first item, then (on its first attempt) waits for ``release`` to exist."""

    def run_shard(self, shard: ShardRun) -> None:
        keys = shard.pending()
        release = Path(shard.request["release"])
        for n, key in enumerate(keys):
            shard.done(key, {"attempt": shard.attempt, "pid": os.getpid()})
            if n == 0 and shard.attempt == 1:
                while not release.exists():
                    shard.check()
                    time.sleep(0.05)


@register("test.crash")
class Crash(Handler):
    """A handler with a bug (or an expected failure when the request says so)."""

    def run_shard(self, shard: ShardRun) -> None:
        if shard.request.get("expected"):
            raise ShardFailed("the input is unusable")
        raise RuntimeError("a bug in the handler")
