"""What an asset is to a project: its kind, and the task input that points at its media."""

from __future__ import annotations

import re
from typing import Any

from clipcrowd.domain.errors import ValidationFailed

INPUT_TYPES = ("VIDEO", "FRAME", "IMAGE", "AUDIO")
#: The task input that points at an asset's media (``/api/v1/assets/<id>/media``).
ASSET_FIELD = "asset"


def check_input_type(value: Any, path: str = "input_type") -> str:
    if value not in INPUT_TYPES:
        raise ValidationFailed.field(path, f"must be one of {list(INPUT_TYPES)}, got {value!r}")
    return str(value)

#: How a task's input value points at an asset: its served URL (``/api/v1/assets/<id>/<part>``),
#: relative or absolute. Ids are bounded so a hostile value cannot overflow a BIGINT.
_POINTER = re.compile(r"/api/v1/assets/0*(\d{1,18})(?=[/?#]|$)")
#: Kili's labelling statuses, in the order an asset normally goes through them.
LABELLING_STATUSES = ("TODO", "ONGOING", "TO_REVIEW", "LABELED", "REVIEWED")


def asset_pointers(input_values: Any) -> set[int]:
    """The asset ids a task's input values point at (strings at any depth of lists and objects)."""
    found: set[int] = set()
    stack = [input_values]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            found.update(int(m.group(1)) for m in _POINTER.finditer(value))
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found
