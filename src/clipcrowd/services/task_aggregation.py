"""One task's answers merged on demand: a vote weighted by each worker's value of a chosen skill.

A worker without the skill counts with weight zero; when no answering worker has it, every vote
counts the same (a plain majority), so the call answers as soon as a task has answers at all.
`confidence` is the winning weight's share of all weight, the lowest over the requested fields.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from clipcrowd.domain.errors import ConflictState, ValidationFailed
from clipcrowd.domain.ids import format_id, parse_id
from clipcrowd.services.tasks import load as load_task
from clipcrowd.store.db import Database
from clipcrowd.store.tables import assignments, worker_skills

ANSWERED = ("SUBMITTED", "ACCEPTED")


def _id(body: Mapping[str, Any], name: str) -> int:
    value = parse_id(body.get(name))
    if value is None:
        raise ValidationFailed.field(name, f"{body.get(name)!r} is not an id")
    return value


def _output(solution: Any) -> Mapping[str, Any]:
    if isinstance(solution, Mapping) and isinstance(solution.get("output_values"), Mapping):
        return solution["output_values"]
    return solution if isinstance(solution, Mapping) else {}


def weighted_vote(answers: Sequence[tuple[int, Mapping[str, Any]]], skill: Mapping[int, float],
                  names: Sequence[str]) -> tuple[dict[str, Any], float]:
    """(the winning value of each field, the lowest winning share of weight over the fields) for
    one task's answers, each a (worker, output values); weights are `skill` values, see above.

    >>> weighted_vote([(1, {"r": "a"}), (2, {"r": "b"}), (3, {"r": "b"})], {1: 90, 2: 20, 3: 30}, ["r"])
    ({'r': 'a'}, 0.6428571428571429)
    """
    weighted = any(skill.get(w, 0) > 0 for w, _ in answers)
    output, confidence = {}, 1.0
    for name in names:
        votes: dict[str, tuple[float, Any]] = defaultdict(lambda: (0.0, None))
        for worker, values in answers:
            if name in values:
                key = repr(values[name])
                votes[key] = (votes[key][0] + (skill.get(worker, 0.0) if weighted else 1.0), values[name])
        total = sum(w for w, _ in votes.values())
        if not votes or total <= 0:
            raise ValidationFailed.field("fields", f"no answer has output field {name!r}")
        best = max(sorted(votes), key=lambda k: votes[k][0])
        output[name] = votes[best][1]
        confidence = min(confidence, votes[best][0] / total)
    return output, confidence


def aggregate(db: Database, body: Mapping[str, Any]) -> dict[str, Any]:
    """`body` is a checked TaskAggregationRequest; its ids still have to name our rows."""
    task_id, pool_id, skill_id = _id(body, "task_id"), _id(body, "pool_id"), _id(body, "answer_weight_skill_id")
    names = [f["name"] for f in body["fields"]]
    with db.read() as conn:
        task = load_task(conn, task_id)
        if task.pool_id != pool_id:
            raise ValidationFailed.field("pool_id", f"task {format_id(task_id)} is not in pool {format_id(pool_id)}")
        rows = conn.execute(select(assignments.c.worker_id, assignments.c.task_ids, assignments.c.solutions).where(
            assignments.c.pool_id == pool_id, assignments.c.status.in_(ANSWERED))).all()
        answers = []
        for row in rows:
            ids = [parse_id(t) if isinstance(t, str) else t for t in row.task_ids or []]
            if task_id in ids and isinstance(row.solutions, list) and ids.index(task_id) < len(row.solutions):
                answers.append((row.worker_id, _output(row.solutions[ids.index(task_id)])))
        skill = dict(conn.execute(select(worker_skills.c.worker_id, worker_skills.c.value).where(
            worker_skills.c.skill_id == skill_id, worker_skills.c.worker_id.in_({w for w, _ in answers}))).all())
    if not answers:
        raise ConflictState(f"task {format_id(task_id)} has no submitted answers to aggregate")
    output, confidence = weighted_vote(answers, skill, names)
    return {"pool_id": format_id(pool_id), "task_id": format_id(task_id), "confidence": confidence,
            "output_values": output}
