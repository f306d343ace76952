"""The clip-validation task: what a person sees (the clip, "does it show <label>?") and answers (yes/no).

Shared by the SDK (which sends a local mining folder to a pool) and the server (which sends a mining
run's clips); the Kinetics rule reads the answers: a clip is accepted at 3 yes of 5.
"""

from __future__ import annotations

import json
from typing import Any

ANSWER, YES, NO = "answer", "yes", "no"
#: Answers per clip, and confirmations needed (the Kinetics rule: 3 of 5).
OVERLAP = 5
MEDIA_FIELD = "asset"


def validation_project(title: str = "Does the clip show the action?") -> dict[str, Any]:
    """A project body: the clip plays, the question names the label, the answer is yes or no."""
    question = {"type": "helper.join", "items": ["Does the clip show ", {"type": "data.input", "path": "label"}, "?"]}
    config = {"view": {"type": "view.list", "items": [
        {"type": "view.video", "url": {"type": "data.input", "path": MEDIA_FIELD}},
        {"type": "view.text", "content": question},
        {"type": "field.radio-group", "data": {"type": "data.output", "path": ANSWER}, "label": "Answer",
         "options": [{"label": "Yes", "value": YES}, {"label": "No", "value": NO}],
         "validation": {"type": "condition.required"}},
    ]}}
    return {
        "public_name": title, "input_type": "VIDEO",
        "task_spec": {
            "input_spec": {MEDIA_FIELD: {"type": "url", "required": True},
                           "label": {"type": "string", "required": True},
                           "video": {"type": "string", "required": True},
                           "time_start": {"type": "float", "required": True},
                           "time_end": {"type": "float", "required": True},
                           "score": {"type": "float", "required": False},
                           "clip": {"type": "string", "required": True}},
            "output_spec": {ANSWER: {"type": "string", "required": True, "allowed_values": [YES, NO]}},
            "view_spec": {"type": "tb", "config": json.dumps(config), "inferDataSpec": False,
                          "lock": {"core": "1.0.0"}},
        },
    }
