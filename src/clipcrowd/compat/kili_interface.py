"""A Kili-style JSON interface (jobs of CLASSIFICATION with categories) as a clipcrowd project.

The interface becomes the same task spec every clipcrowd project has: one ``url`` input named
``asset`` (the served media of an asset) and one output per job, drawn by a ``tb`` view config made
of the components the worker page already knows (``view.video``/``view.image``/``view.audio`` and
``field.radio-group``/``field.checkbox-group``). The interface itself is kept in the project's data
so a client reads back exactly what it sent. A fault is refused with its path, e.g.
``jsonInterface.jobs.JOB_0.content.categories``.

>>> body = project_from_interface("VIDEO", {"jobs": {"JOB_0": {"mlTask": "CLASSIFICATION",
...     "content": {"input": "radio", "categories": {"A": {"name": "A"}}}}}}, title="t")
>>> body["task_spec"]["output_spec"]["JOB_0"]["allowed_values"]
['A']
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from clipcrowd.domain.assets import ASSET_FIELD, check_input_type
from clipcrowd.domain.errors import ValidationFailed

_VIEWS = {"VIDEO": "view.video", "FRAME": "view.video", "IMAGE": "view.image", "AUDIO": "view.audio"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,127}$")
_ROOT = "jsonInterface"


def _categories(job: Mapping[str, Any], where: str) -> list[tuple[str, str]]:
    content = job.get("content")
    if not isinstance(content, Mapping):
        raise ValidationFailed.field(f"{where}.content", "is required: {categories, input}")
    cats = content.get("categories")
    if not isinstance(cats, Mapping) or not cats:
        raise ValidationFailed.field(f"{where}.content.categories", "must be a non-empty object of categories")
    out = []
    for key, cat in cats.items():
        at = f"{where}.content.categories.{key}"
        if not isinstance(key, str) or not key.strip():
            raise ValidationFailed.field(at, "category keys must be non-empty strings")
        if not isinstance(cat, Mapping):
            raise ValidationFailed.field(at, "must be an object with a 'name'")
        name = cat.get("name", key)
        if not isinstance(name, str) or not name.strip():
            raise ValidationFailed.field(f"{at}.name", "must be a non-empty string")
        if cat.get("children"):
            raise ValidationFailed.field(f"{at}.children", "nested jobs are not supported")
        out.append((key, name))
    return out


def _field(name: str, job: Mapping[str, Any], where: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The output spec and the view component of one classification job."""
    if job.get("mlTask") != "CLASSIFICATION":
        raise ValidationFailed.field(f"{where}.mlTask", f"only CLASSIFICATION is supported, got {job.get('mlTask')!r}")
    categories = _categories(job, where)
    kind = job["content"].get("input", "radio")
    if kind not in ("radio", "checkbox", "singleDropdown", "multipleDropdown"):
        raise ValidationFailed.field(f"{where}.content.input", f"must be 'radio' or 'checkbox', got {kind!r}")
    required = job.get("required", 1)
    if required not in (0, 1, True, False):
        raise ValidationFailed.field(f"{where}.required", "must be 0 or 1")
    options = [{"label": label, "value": key} for key, label in categories]
    label = job.get("instruction", name)
    if not isinstance(label, str):
        raise ValidationFailed.field(f"{where}.instruction", "must be a string")
    data = {"type": "data.output", "path": name}
    component: dict[str, Any] = {"type": "field.radio-group", "data": data, "label": label, "options": options}
    spec: dict[str, Any] = {"type": "string", "required": bool(required), "allowed_values": [k for k, _ in categories]}
    if kind in ("checkbox", "multipleDropdown"):
        component["type"] = "field.checkbox-group"
        spec = {**spec, "type": "array_string"}  # the page writes the list of chosen values
    if required:
        component["validation"] = {"type": "condition.required"}
    return spec, component


def project_from_interface(input_type: Any, interface: Any, *, title: Any, description: Any = None) -> dict[str, Any]:
    """The project body (``public_name``, ``task_spec``, ``input_type``, ``json_interface``) for ``interface``."""
    kind = check_input_type(input_type)
    if not isinstance(title, str) or not title.strip():
        raise ValidationFailed.field("title", "is required and must be a non-empty string")
    if description is not None and not isinstance(description, str):
        raise ValidationFailed.field("description", "must be a string")
    if not isinstance(interface, Mapping):
        raise ValidationFailed.field(_ROOT, "must be an object with 'jobs'")
    jobs = interface.get("jobs")
    if not isinstance(jobs, Mapping) or not jobs:
        raise ValidationFailed.field(f"{_ROOT}.jobs", "must be a non-empty object of jobs")
    outputs: dict[str, Any] = {}
    items: list[dict[str, Any]] = [{"type": _VIEWS[kind], "url": {"type": "data.input", "path": ASSET_FIELD}}]
    for name, job in jobs.items():
        where = f"{_ROOT}.jobs.{name}"
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValidationFailed.field(where, "job names are letters, digits, '_' or '-'")
        if not isinstance(job, Mapping):
            raise ValidationFailed.field(where, "must be an object")
        if job.get("isChild"):
            continue  # children hang under a category; none are supported, so none are drawn
        spec, component = _field(name, job, where)
        outputs[name] = spec
        items.append(component)
    if not outputs:
        raise ValidationFailed.field(f"{_ROOT}.jobs", "needs at least one top-level job")
    config = {"view": {"type": "view.list", "items": items}}
    body: dict[str, Any] = {
        "public_name": title.strip(),
        "input_type": kind,
        "json_interface": dict(interface),
        "task_spec": {
            "input_spec": {ASSET_FIELD: {"type": "url", "required": True}},
            "output_spec": outputs,
            "view_spec": {"type": "tb", "config": json.dumps(config), "inferDataSpec": False,
                          "lock": {"core": "1.0.0"}},
        },
    }
    if description is not None:
        body["public_description"] = description
    return body
