"""A job's status, derived from its shards' statuses (pure: no database here).

Shard: ``missing`` (items still arriving) → ``queued`` → ``processing`` (claimed, under a lease)
→ ``complete`` | ``failed``; ``cancelled`` from any state. Job, from its shards: ``cancelled`` if
any shard was cancelled, else ``shards_missing`` while any shard is missing, ``queued`` while none
has started, ``processing`` while any is unfinished, then ``complete``, ``complete_with_errors``
(some items or shards failed) or ``failed`` (every shard failed).
"""

from __future__ import annotations

from collections.abc import Mapping

SHARD_STATUSES = ("missing", "queued", "processing", "complete", "failed", "cancelled")
SHARD_FINAL = ("complete", "failed", "cancelled")
JOB_STATUSES = ("shards_missing", "queued", "processing", "complete", "complete_with_errors", "failed", "cancelled")
JOB_FINAL = ("complete", "complete_with_errors", "failed", "cancelled")
ITEM_STATUSES = ("pending", "done", "failed", "skipped")


def derive(shards: Mapping[str, int], failed_items: int = 0) -> str:
    """The job status for ``{shard status: how many shards}`` and the number of failed items."""
    count = {s: n for s, n in shards.items() if n}
    if not count:
        return "complete"
    if count.get("cancelled"):
        return "cancelled"
    if count.get("missing"):
        return "shards_missing"
    if set(count) <= {"complete", "failed"}:
        if "complete" not in count:
            return "failed"
        return "complete_with_errors" if count.get("failed") or failed_items else "complete"
    if set(count) == {"queued"}:
        return "queued"
    return "processing"
