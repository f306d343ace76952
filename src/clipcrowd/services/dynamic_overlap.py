"""Dynamic overlap (a pool's `dynamic_overlap_config`, type BASIC): a task that got all the answers
its overlap asks for but whose skill-weighted vote is less confident than `min_confidence` asks
for one more answer, up to `max_overlap`.

The vote is `services.task_aggregation.weighted_vote` over the config's `fields`, weighted by each
worker's value of `answer_weight_skill_id` (everyone alike while no answering worker has it), the
same vote `aggregate_solutions_by_task` answers with.

A completed task that needs no more answers (confident enough, at `max_overlap`, or with no answer to
vote on) logs an OVERLAP_COMPLETED event with its id: a webhook subscription to
DYNAMIC_OVERLAP_COMPLETED delivers it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from clipcrowd.domain.ids import format_id, parse_id
from clipcrowd.services import events
from clipcrowd.services.majority import answers
from clipcrowd.services.task_aggregation import weighted_vote
from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import tasks, worker_skills


def on_tasks_complete(conn: Connection, pool: Any, task_ids: list[int]) -> list[int]:
    """Raise the overlap of the just-completed tasks that are not settled; returns their ids. The
    settled ones log OVERLAP_COMPLETED."""
    config = pool.data.get("dynamic_overlap_config")
    if not task_ids or not config:
        return []
    skill_id = parse_id(config["answer_weight_skill_id"])
    names = [f["name"] for f in config["fields"]]
    given = answers(conn, task_ids)
    workers = {w for rows in given.values() for _, w, _ in rows}
    skill = dict(conn.execute(select(worker_skills.c.worker_id, worker_skills.c.value).where(
        worker_skills.c.skill_id == skill_id, one_of(worker_skills.c.worker_id, sorted(workers)))).all())
    current = dict(conn.execute(select(tasks.c.id, tasks.c.overlap).where(one_of(tasks.c.id, task_ids))).all())
    raised = []
    for task_id, rows in given.items():
        usable = [(w, out) for _, w, out in rows if isinstance(out, dict) and any(n in out for n in names)]
        if not usable or current.get(task_id) is None or current[task_id] >= int(config["max_overlap"]):
            continue
        _, confidence = weighted_vote(usable, skill, names)
        if confidence < float(config["min_confidence"]):
            raised.append(task_id)
    if raised:
        conn.execute(update(tasks).where(one_of(tasks.c.id, raised)).values(overlap=tasks.c.overlap + 1))
        events.record(conn, "OVERLAP_CHANGED", pool_id=pool.id, tasks=len(raised), reason="DYNAMIC_OVERLAP")
    for task_id in sorted(set(task_ids) - set(raised)):
        events.record(conn, "OVERLAP_COMPLETED", pool_id=pool.id, task_id=format_id(task_id))
    return raised
