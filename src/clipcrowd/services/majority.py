"""MAJORITY_VOTE's facts: when a task gets all its answers, each answer against the task's majority.

One MAJORITY event per answer of the task (``task_id``, ``top``: how many answers the most common
one has, 0 when two answers tie for first; ``agrees``: whether this answer is it), then the pool's
rules run for each worker who answered. A task completes again when an answer of it is rejected or
its overlap is raised; an answer already compared is not compared again, so it counts once in a
worker's history. Answers are compared whole (every output field), as
workers see a task as one question. Only pools with a MAJORITY_VOTE rule pay for this.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlalchemy import Connection, select

from clipcrowd.domain.pool import PoolRules
from clipcrowd.services import events, quality
from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import assignment_tasks, assignments
from clipcrowd.store.tables import events as events_table


def _key(output: Any) -> str:
    return json.dumps(output, sort_keys=True, default=str)


def answers(conn: Connection, task_ids: list[int]) -> dict[int, list[tuple[int, int, Any]]]:
    """Each task's answers that count (submitted or accepted): (assignment id, worker id, output)."""
    found: dict[int, list[tuple[int, int, Any]]] = {t: [] for t in task_ids}
    rows = conn.execute(
        select(assignment_tasks.c.task_id, assignment_tasks.c.position, assignments.c.id, assignments.c.worker_id,
               assignments.c.solutions)
        .join(assignments, assignments.c.id == assignment_tasks.c.assignment_id)
        .where(one_of(assignment_tasks.c.task_id, task_ids), assignments.c.status.in_(("SUBMITTED", "ACCEPTED")))
        .order_by(assignments.c.id))
    for r in rows:
        if r.solutions is not None and r.position < len(r.solutions):
            found[r.task_id].append((r.id, r.worker_id, r.solutions[r.position]))
    return found


def on_tasks_complete(conn: Connection, pool: Any, task_ids: list[int]) -> None:
    """Record each answer of the just-completed tasks against their majority and run the rules."""
    qc = PoolRules.of(pool.data).quality_control
    if not task_ids or not any((c.get("collector_config") or {}).get("type") == "MAJORITY_VOTE"
                               for c in qc.get("configs") or []):
        return
    touched: list[int] = []
    found = answers(conn, task_ids)
    compared = _compared(conn, pool.id, [a for given in found.values() for a, _, _ in given])
    for task_id, given in found.items():
        counts = Counter(_key(output) for _, _, output in given).most_common(2)
        if not counts:
            continue
        tie = len(counts) > 1 and counts[0][1] == counts[1][1]
        top, winner = (0, None) if tie else (counts[0][1], counts[0][0])
        for assignment_id, worker_id, output in given:
            if (assignment_id, task_id) in compared:
                continue
            events.record(conn, "MAJORITY", pool_id=pool.id, worker_id=worker_id, assignment_id=assignment_id,
                          task_id=task_id, top=top, agrees=_key(output) == winner)
            if worker_id not in touched:
                touched.append(worker_id)
    for worker_id in touched:
        quality.on_event(conn, pool, worker_id, "MAJORITY")


def _compared(conn: Connection, pool_id: int, assignment_ids: list[int]) -> set[tuple[int, int]]:
    """(assignment id, task id) of the answers already compared with their task's majority."""
    if not assignment_ids:
        return set()
    e = events_table.c
    rows = conn.execute(select(e.assignment_id, e.data).where(
        e.pool_id == pool_id, e.type == "MAJORITY", one_of(e.assignment_id, assignment_ids)))
    return {(r.assignment_id, int(r.data["task_id"])) for r in rows if isinstance(r.data, dict) and "task_id" in r.data}
