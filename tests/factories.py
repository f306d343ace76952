"""Builders for the objects most tests need: the seeds' captured project and pool bodies."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import timedelta
from typing import Any

from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.services import aggregation, operations
from clipcrowd.store.db import Database
from tests.support import CAPTURED


def captured(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CAPTURED / name).read_text())
    return data


def text_project(**overrides: Any) -> dict[str, Any]:
    """A small classification project: one string input, one answer with two allowed values."""
    view = {"view": {"type": "view.list", "items": [
        {"type": "view.text", "content": {"type": "data.input", "path": "text"}},
        {"type": "field.radio-group", "data": {"type": "data.output", "path": "result"},
         "options": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}],
         "validation": {"type": "condition.required"}}]}}
    body = {
        "public_name": "Pick a or b",
        "task_spec": {
            "input_spec": {"text": {"type": "string"}},
            "output_spec": {"result": {"type": "string", "allowed_values": ["a", "b"]}},
            "view_spec": {"type": "tb", "config": json.dumps(view), "lock": {"core": "1.0.0"}, "inferDataSpec": False},
        },
    }
    body.update(overrides)
    return body


def pool_body(project_id: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "project_id": project_id, "private_name": "test pool", "reward_per_assignment": 0.01,
        "assignment_max_duration_seconds": 600, "will_expire": format_time(utcnow() + timedelta(days=30)),
        "defaults": {"default_overlap_for_new_task_suites": 3},
        "mixer_config": {"real_tasks_count": 1, "golden_tasks_count": 0, "training_tasks_count": 0},
    }
    body.update(copy.deepcopy(overrides))
    return body


def aggregate_in_process(db: Database, request: aggregation.AggregationRequest) -> str:
    """An aggregation run as its job runs it (the operation started, then `aggregation.run`), in this
    process; the operation's id."""
    op_id = str(uuid.uuid4())
    with db.write() as conn:
        operations.start(conn, aggregation.OPERATION, request.public(), op_id=op_id)
    aggregation.run(db, request, op_id)
    return op_id
