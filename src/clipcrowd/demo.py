"""The demo set-up `make demo` shows: a requester token, a worker account, an open pool with tasks.

Idempotent: what was made once is remembered in `<home>/demo.json` and reused.
"""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta
from typing import Any

from clipcrowd.domain.errors import AuthenticationFailed, ClipcrowdError
from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.services import auth, pools, projects, tasks, workers
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database

SENTENCES = [
    ("The clip shows a person waving with the right hand.", "yes"),
    ("The camera is pointed at an empty parking lot all night.", "no"),
    ("Two people shake hands in front of a door.", "yes"),
    ("A still shot of a wall with nothing moving.", "no"),
    ("Someone claps three times and then turns around.", "yes"),
    ("The video is a black screen for five seconds.", "no"),
    ("A child jumps over a puddle.", "yes"),
    ("A landscape photo slowly fades out.", "no"),
    ("A hand shows a thumbs up, then a thumbs down.", "yes"),
    ("Snow falls on an empty street.", "no"),
    ("A man points at the sky and smiles.", "yes"),
    ("A blank white page scrolls by.", "no"),
]

VIEW = {
    "view": {"type": "view.list", "items": [
        {"type": "view.text", "label": "Description", "content": {"type": "data.input", "path": "text"}},
        {"type": "field.radio-group", "label": "Does it show a hand gesture?",
         "data": {"type": "data.output", "path": "result"},
         "options": [{"label": "Yes", "value": "yes"}, {"label": "No", "value": "no"}],
         "validation": {"type": "condition.required"}},
    ]},
    "plugins": [
        {"type": "plugin.toloka", "layout": {"kind": "scroll", "taskWidth": 500}},
        {"type": "plugin.hotkeys",
         "1": {"type": "action.set", "data": {"type": "data.output", "path": "result"}, "payload": "yes"},
         "2": {"type": "action.set", "data": {"type": "data.output", "path": "result"}, "payload": "no"}},
    ],
}


def _valid(db: Database, token: str) -> bool:
    try:
        auth.resolve(db, token)
    except AuthenticationFailed:
        return False
    return True


def ensure_demo(db: Database, settings: Settings) -> dict[str, Any]:
    record = settings.home / "demo.json"
    if record.exists():
        info: dict[str, Any] = json.loads(record.read_text())
        if _valid(db, info.get("token", "")):
            return info
    requester_id = auth.ensure_requester(db)
    token = auth.create_token(db, "requester", requester_id=requester_id, name="demo")
    project = projects.create(db, {
        "public_name": "Does the description show a hand gesture?",
        "public_description": "Read a short description and answer yes or no.",
        "public_instructions": "<p>Answer <b>yes</b> when a hand gesture is described. Keys 1 and 2 answer.</p>",
        "task_spec": {
            "input_spec": {"text": {"type": "string", "required": True}},
            "output_spec": {"result": {"type": "string", "required": True, "allowed_values": ["yes", "no"]}},
            "view_spec": {"type": "tb", "config": json.dumps(VIEW, indent=4), "lock": {"core": "1.0.0"},
                          "inferDataSpec": False},
        },
    })
    pool = pools.create(db, {
        "project_id": project["id"], "private_name": "Demo pool", "may_contain_adult_content": False,
        "reward_per_assignment": 0.02, "assignment_max_duration_seconds": 600,
        "will_expire": format_time(utcnow() + timedelta(days=365)),
        "defaults": {"default_overlap_for_new_task_suites": 3},
        "mixer_config": {"real_tasks_count": 4, "golden_tasks_count": 1, "training_tasks_count": 0},
        "quality_control": {"configs": [{
            "collector_config": {"type": "GOLDEN_SET", "parameters": {"history_size": 10}},
            "rules": [{"conditions": [{"key": "golden_set_correct_answers_rate", "operator": "LTE", "value": 50.0},
                                      {"key": "golden_set_answers_count", "operator": "GTE", "value": 3}],
                       "action": {"type": "RESTRICTION_V2", "parameters": {
                           "scope": "POOL", "duration": 1, "duration_unit": "DAYS",
                           "private_comment": "low golden accuracy"}}}]}]},
    })
    items = [{"pool_id": pool["id"], "input_values": {"text": text},
              **({"known_solutions": [{"output_values": {"result": truth}}], "infinite_overlap": True}
                 if i < 3 else {})}
             for i, (text, truth) in enumerate(SENTENCES)]
    tasks.create_sync(db, tasks.prepare(db, items, allow_defaults=True, skip_invalid=False))
    pools.open_pool(db, int(pool["id"]))
    login, password = "demo-worker", "demo-password"
    with contextlib.suppress(ClipcrowdError):  # the account survives from an earlier demo whose record was lost
        workers.create(db, {"login": login, "password": password})
    info = {"token": token, "project_id": project["id"], "pool_id": pool["id"],
            "worker_login": login, "worker_password": password}
    record.write_text(json.dumps(info, indent=2))
    return info
