"""Input and output field specs: what a task carries in and what a worker must give back.

A spec maps a field name to `{"type": ..., "required": true, ...}` exactly as requesters send it.
`check_values` validates one values object against a spec and names every faulty field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from clipcrowd.domain.errors import ValidationFailed

SCALAR_TYPES = {"string", "integer", "float", "boolean", "url", "file", "coordinates", "json"}
FIELD_TYPES = SCALAR_TYPES | {f"array_{t}" for t in SCALAR_TYPES}
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,127}$")


def validate_spec(spec: Any, path: str) -> dict[str, dict[str, Any]]:
    """Check a whole spec object; return it unchanged (stored verbatim) or raise naming the field."""
    if not isinstance(spec, Mapping):
        raise ValidationFailed.field(path, "must be an object mapping field names to specs")
    faults: dict[str, str] = {}
    for name, field in spec.items():
        where = f"{path}.{name}"
        if not _FIELD_NAME.match(str(name)):
            faults[where] = "field names are letters, digits, '_' or '-', starting with a letter or '_'"
        elif not isinstance(field, Mapping):
            faults[where] = "must be an object with a 'type'"
        elif field.get("type") not in FIELD_TYPES:
            faults[f"{where}.type"] = f"unknown type {field.get('type')!r}; one of {sorted(FIELD_TYPES)}"
        else:
            for flag in ("required", "hidden", "current_location"):
                if flag in field and not isinstance(field[flag], bool):
                    faults[f"{where}.{flag}"] = "must be true or false"
            faults.update(_constraint_faults(field, where))
    if faults:
        raise ValidationFailed.fields(faults)
    return dict(spec)


#: a constraint's largest length or size (a value longer than this is refused elsewhere anyway)
_MAX_SIZE = 10_000_000
_MAX_ALLOWED_VALUES = 10_000


def _is_size(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and 0 <= value <= _MAX_SIZE


def _is_bound(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _is_allowed_list(value: Any) -> bool:
    return (isinstance(value, list) and len(value) <= _MAX_ALLOWED_VALUES
            and not any(isinstance(v, (dict, list)) or v is None for v in value))


#: each constraint `value_fault` compares with, and the test of its type
_CONSTRAINTS: dict[str, tuple[Callable[[Any], bool], str]] = {
    **{name: (_is_size, f"a whole number from 0 to {_MAX_SIZE:,}")
       for name in ("min_length", "max_length", "min_size", "max_size")},
    **{name: (_is_bound, "a finite number") for name in ("min_value", "max_value")},
    "allowed_values": (_is_allowed_list, f"a list of at most {_MAX_ALLOWED_VALUES:,} plain values"),
}


def _constraint_faults(field: Mapping[str, Any], where: str) -> dict[str, str]:
    """The constraints `value_fault` compares with, each of the type it compares: a hostile spec is
    refused when the project is written, never a TypeError when a task is."""
    return {f"{where}.{name}": what for name, (ok, what) in _CONSTRAINTS.items()
            if field.get(name) is not None and not ok(field[name])}


def _limit(field: Mapping[str, Any], name: str) -> Any:
    """A constraint of `field`, or None when absent or of the wrong type (a spec an earlier release stored
    before constraints were checked: it is ignored rather than failing every task of the pool)."""
    value = field.get(name)
    return value if value is not None and _CONSTRAINTS[name][0](value) else None


def _scalar_fault(kind: str, value: Any, field: Mapping[str, Any]) -> str | None:
    if kind in ("string", "url", "file"):
        if not isinstance(value, str):
            return f"must be a string, got {type(value).__name__}"
        if kind == "url" and not re.match(r"^(https?://|/)", value):
            return "must be an http(s) URL or a path on this server"
        if kind == "string":
            if (least := _limit(field, "min_length")) is not None and len(value) < least:
                return f"shorter than min_length {least}"
            if (most := _limit(field, "max_length")) is not None and len(value) > most:
                return f"longer than max_length {most}"
            allowed = _limit(field, "allowed_values")
            if allowed and value not in allowed:
                return f"{value!r} is not one of the allowed values {allowed}"
        return None
    if kind == "boolean":
        return None if isinstance(value, bool) else f"must be true or false, got {type(value).__name__}"
    if kind in ("integer", "float"):
        ok_type = (int,) if kind == "integer" else (int, float)
        if isinstance(value, bool) or not isinstance(value, ok_type):
            return f"must be a{'n integer' if kind == 'integer' else ' number'}, got {type(value).__name__}"
        if isinstance(value, float) and not math.isfinite(value):
            return "must be a finite number"
        if (low := _limit(field, "min_value")) is not None and value < low:
            return f"below min_value {low}"
        if (high := _limit(field, "max_value")) is not None and value > high:
            return f"above max_value {high}"
        allowed = _limit(field, "allowed_values")
        if allowed and value not in allowed:
            return f"{value!r} is not one of the allowed values {allowed}"
        return None
    if kind == "coordinates":
        parts = value.split(",") if isinstance(value, str) else []
        try:
            ok = len(parts) == 2 and all(math.isfinite(float(p)) for p in parts)
        except ValueError:
            ok = False
        return None if ok else "must be 'latitude,longitude'"
    return None  # json: any value


def value_fault(field: Mapping[str, Any], value: Any) -> str | None:
    """Why `value` does not fit `field`, or None when it does."""
    kind = str(field.get("type"))
    if kind.startswith("array_"):
        if not isinstance(value, list):
            return f"must be a list, got {type(value).__name__}"
        if (least := _limit(field, "min_size")) is not None and len(value) < least:
            return f"fewer items than min_size {least}"
        if (most := _limit(field, "max_size")) is not None and len(value) > most:
            return f"more items than max_size {most}"
        for i, item in enumerate(value):
            fault = _scalar_fault(kind[len("array_") :], item, field)
            if fault:
                return f"item {i}: {fault}"
        return None
    return _scalar_fault(kind, value, field)


def check_values(spec: Mapping[str, Any], values: Any, path: str, *, enforce_required: bool = True) -> None:
    """Validate a values object against a spec; unknown fields and missing required ones are faults."""
    if not isinstance(values, Mapping):
        raise ValidationFailed.field(path, "must be an object")
    faults: dict[str, str] = {}
    for name in values:
        if name not in spec:
            faults[f"{path}.{name}"] = "is not in the spec"
    for name, field in spec.items():
        where = f"{path}.{name}"
        if name not in values or values[name] is None:
            if enforce_required and field.get("required", True):
                faults[where] = "is required"
            continue
        fault = value_fault(field, values[name])
        if fault:
            faults[where] = fault
    if faults:
        raise ValidationFailed.fields(faults)


def file_fields(spec: Mapping[str, Any]) -> list[str]:
    """Names of fields whose values are attachment ids."""
    return [n for n, f in spec.items() if f.get("type") in ("file", "array_file")]
