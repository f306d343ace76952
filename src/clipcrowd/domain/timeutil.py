"""Dates on the wire are naive UTC ISO 8601 with milliseconds; inside they are naive UTC datetimes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from clipcrowd.domain.errors import ValidationFailed

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


_clock: Clock = system_clock


def utcnow() -> datetime:
    """Now, as naive UTC, from the clock in use: the system's unless `use_clock` changed it."""
    return _clock()


def use_clock(clock: Clock) -> Clock:
    """Make every `utcnow()` read `clock`; returns the clock it replaces.

    Durations the server measures (how fast an assignment was submitted, expiries) can then be
    tested by moving a clock forward instead of waiting for real time to pass.
    """
    global _clock
    previous, _clock = _clock, clock
    return previous


def format_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds")


def parse_time(value: Any, path: str) -> datetime | None:
    """Accept ISO 8601 (naive = UTC, or with an offset); refuse epoch numbers and garbage."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed.field(path, "must be an ISO 8601 date-time string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed.field(path, f"{value!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # year 1 at +14:00, year 9999 at -12:00
            raise ValidationFailed.field(path, f"{value!r} is outside the years 1 to 9999 in UTC") from None
    return parsed
