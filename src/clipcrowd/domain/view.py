"""Task-interface (view spec) validation: the JSON config must parse and name known components.

A view spec is stored exactly as sent (clients read it back byte for byte); this module only
refuses configs the worker page could not draw, with the path of the fault.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from clipcrowd.domain.errors import ValidationFailed

COMPONENT_PREFIXES = ("view.", "field.", "condition.", "helper.", "plugin.", "action.", "layout.", "data.")
DATA_TYPES = {"data.input", "data.output", "data.local", "data.internal", "data.relative", "@data.input",
              "@data.output", "@data.local"}


def _walk(node: Any, path: str, inputs: set[str], outputs: set[str]) -> None:
    if isinstance(node, list):
        for i, item in enumerate(node):
            _walk(item, f"{path}[{i}]", inputs, outputs)
        return
    if not isinstance(node, Mapping):
        return
    kind = node.get("type")
    if kind is not None:
        if not isinstance(kind, str) or not kind.startswith(COMPONENT_PREFIXES):
            raise ValidationFailed.field(f"{path}.type", f"unknown component type {kind!r}")
        if kind.lstrip("@") in ("data.input", "data.output"):
            field = node.get("path")
            if not isinstance(field, str) or not field:
                raise ValidationFailed.field(f"{path}.path", f"{kind} needs a 'path'")
            known = inputs if kind.lstrip("@") == "data.input" else outputs
            root = field.split(".")[0]
            if root not in known:
                side = "input_spec" if kind.lstrip("@") == "data.input" else "output_spec"
                raise ValidationFailed.field(f"{path}.path", f"{field!r} is not a field of the {side}")
    for key, value in node.items():
        if key != "type":
            _walk(value, f"{path}.{key}", inputs, outputs)


def validate_view_spec(view_spec: Any, input_spec: Mapping[str, Any], output_spec: Mapping[str, Any]) -> None:
    path = "task_spec.view_spec"
    if not isinstance(view_spec, Mapping):
        raise ValidationFailed.field(path, "must be an object")
    kind = view_spec.get("type", "tb")
    if kind == "classic":
        return
    if kind != "tb":
        raise ValidationFailed.field(f"{path}.type", "must be 'tb' (template builder) or 'classic'")
    raw = view_spec.get("config")
    if isinstance(raw, str):
        try:
            config = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValidationFailed.field(f"{path}.config", f"is not valid JSON: {exc.msg} at {exc.pos}") from None
    elif isinstance(raw, Mapping):
        config = raw
    else:
        raise ValidationFailed.field(f"{path}.config", "must be a JSON string (or object) with a 'view'")
    if not isinstance(config, Mapping) or not isinstance(config.get("view"), Mapping):
        raise ValidationFailed.field(f"{path}.config.view", "is required and must be a component object")
    if "type" not in config["view"]:
        raise ValidationFailed.field(f"{path}.config.view.type", "is required")
    plugins = config.get("plugins", [])
    if not isinstance(plugins, list):
        raise ValidationFailed.field(f"{path}.config.plugins", "must be a list")
    _walk(config, f"{path}.config", set(input_spec), set(output_spec))
