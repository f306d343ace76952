"""What an asset is to a project: its kind, and the task input that points at its media."""

from __future__ import annotations

from typing import Any

from clipcrowd.domain.errors import ValidationFailed

INPUT_TYPES = ("VIDEO", "FRAME", "IMAGE", "AUDIO")
#: The task input that points at an asset's media (``/api/v1/assets/<id>/media``).
ASSET_FIELD = "asset"


def check_input_type(value: Any, path: str = "input_type") -> str:
    if value not in INPUT_TYPES:
        raise ValidationFailed.field(path, f"must be one of {list(INPUT_TYPES)}, got {value!r}")
    return str(value)
