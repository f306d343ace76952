"""What a simulated worker answers: the true value with her accuracy, another option otherwise."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping
from typing import Any


def output_options(project: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Choices per output field, from the interface (options of fields) or the spec's allowed values."""
    spec = project.get("task_spec", {})
    options: dict[str, list[Any]] = {}
    for name, field in spec.get("output_spec", {}).items():
        if field.get("allowed_values"):
            options[name] = list(field["allowed_values"])
        elif field.get("type") == "boolean":
            options[name] = [True, False]
    raw = spec.get("view_spec", {}).get("config")
    try:
        config = json.loads(raw) if isinstance(raw, str) else (raw or {})
    except json.JSONDecodeError:
        config = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and data.get("type") in ("data.output", "@data.output") and node.get("options"):
                options.setdefault(str(data["path"]), [o.get("value") for o in node["options"] if "value" in o])
            for value in node.values():
                walk(value)

    walk(config)
    return options


def default_truth(task_id: str, field: str, choices: list[Any]) -> Any:
    """A stable 'true' answer for a task nobody labelled, the same for every simulated worker."""
    digest = hashlib.sha256(f"{task_id}:{field}".encode()).digest()
    return choices[digest[0] % len(choices)]


def confused_choice(confusion_seed: int, true: Any, wrong: list[Any], rng: random.Random) -> Any:
    """A wrong answer drawn from this worker's own confusion row for the true value."""
    row = random.Random(f"{confusion_seed}:{true!r}")
    weights = [row.expovariate(1.0) for _ in wrong]  # a Dirichlet(1, ..., 1) row, fixed per worker
    return rng.choices(wrong, weights=weights)[0]


def answer(
    rng: random.Random, accuracy: float, spammer: bool, truth: Mapping[str, Any], choices: Mapping[str, list[Any]],
    spec: Mapping[str, Any], confusion_seed: int = 0,
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, field in spec.items():
        kind = field.get("type")
        if kind in ("file", "array_file"):
            continue  # uploaded separately
        options = choices.get(name)
        if options:
            true = truth.get(name, options[0])
            if spammer:
                values[name] = rng.choice(options)
            elif rng.random() < accuracy or len(options) == 1:
                values[name] = true
            else:
                values[name] = confused_choice(confusion_seed, true, [o for o in options if o != true] or options, rng)
        elif kind == "string":
            values[name] = truth.get(name, "simulated answer")
        elif kind == "integer":
            values[name] = int(truth.get(name, rng.randint(0, 10)))
        elif kind == "float":
            values[name] = float(truth.get(name, rng.random()))
        elif kind == "json":
            values[name] = truth.get(name, {})
    return values
