"""Bounded JSON: how every request body becomes Python values, refused whole when out of bounds.

Bounds (stated in docs/api.md): nesting at most `MAX_DEPTH` levels; integers within a signed
64-bit range; other numbers finite and written in at most `MAX_NUMBER_CHARS` characters (no NaN or
Infinity); every string and key free of lone surrogates and control characters and at most the
configured length. A refusal names the first faulty field by its dotted path (`solutions[0].x`).
"""

from __future__ import annotations

import json
import math
from typing import Any

from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.domain.text import text_problem

MAX_DEPTH = 64
INT_BOUND = 2**63
MAX_NUMBER_CHARS = 64


class _OutOfRange:
    """Placeholder the parser leaves where a number was out of bounds, so the walk can name its field."""

    __slots__ = ("why",)

    def __init__(self, why: str):
        self.why = why


def _int(text: str) -> Any:
    if len(text) > MAX_NUMBER_CHARS:
        return _OutOfRange(f"is a {len(text)}-digit number; integers must lie in [-2^63, 2^63)")
    value = int(text)
    if not -INT_BOUND <= value < INT_BOUND:
        return _OutOfRange(f"is {text}: integers must lie in [-2^63, 2^63)")
    return value


def _float(text: str) -> Any:
    if len(text) > MAX_NUMBER_CHARS:
        return _OutOfRange(f"is a number written in {len(text)} characters; the limit is {MAX_NUMBER_CHARS}")
    value = float(text)
    if not math.isfinite(value):
        return _OutOfRange(f"is {text}, which is not a finite number")
    return value


def _constant(text: str) -> Any:
    return _OutOfRange(f"is {text}, which is not a number JSON allows")


def parse(raw: bytes, *, max_text: int) -> Any:
    """The JSON value in `raw`, checked; raises :class:`ValidationFailed` naming the field."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed.field("body", f"is not valid UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise ValidationFailed.field("body", f"is nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise ValidationFailed.field("body", f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                                     "MALFORMED") from None
    check(value, max_text=max_text)
    return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def check(value: Any, *, max_text: int) -> None:
    """Walk a parsed value (iteratively: depth is what is being checked) and refuse the first fault."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValidationFailed.field(path or "body", f"is nested deeper than {MAX_DEPTH} levels", "TOO_DEEP")
        if isinstance(item, str):
            problem = text_problem(item, max_text)
            if problem:
                raise ValidationFailed.field(path or "body", problem, "BAD_TEXT")
        elif isinstance(item, _OutOfRange):
            raise ValidationFailed.field(path or "body", item.why, "OUT_OF_RANGE")
        elif isinstance(item, dict):
            for key, child in item.items():
                problem = text_problem(key, 1000)
                if problem:
                    raise ValidationFailed.field(_join(path, repr(key)[1:-1]), f"(a key) {problem}", "BAD_TEXT")
                stack.append((child, _join(path, key), depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
