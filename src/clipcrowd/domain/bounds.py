"""Value ranges the server accepts, checked when a value is created, not when it is used.

An out-of-range value taken at creation would fail much later, where nobody can fix it: a reward
of 1e308 overflows a balance, a duration of 1e12 s a deadline, an overlap of 2^63 a counter.
docs/api.md states the same table.
"""

from __future__ import annotations

import math
from typing import Any

from clipcrowd.domain.errors import ValidationFailed

MAX_REWARD = 1000.0  # per assignment, in the pool's currency units
MAX_ASSIGNMENT_SECONDS = 30 * 24 * 3600
MAX_AUTO_ACCEPT_DAYS = 365
#: longest a complete pool stays open for more tasks (`auto_close_after_complete_delay_seconds`)
MAX_AUTO_CLOSE_DELAY_SECONDS = 30 * 24 * 3600
MAX_OVERLAP = 10_000
MAX_TASKS_PER_SUITE = 1000  # real, golden and training counts of a mixer, each
MAX_RESTRICTION_DURATION = 100_000  # in the rule's own unit (minutes, hours or days)
MAX_COMMENT = 2000  # characters of a comment a rule sends to a worker
MAX_TRAINING_SKILL_TTL_DAYS = 3650  # how long a passed training admits to a pool (training_config)


def check_number(value: Any, path: str, *, minimum: float, maximum: float, integer: bool = False) -> None:
    """Raise :class:`ValidationFailed` naming `path` unless `value` is a finite number in range."""
    kind = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ValidationFailed.field(path, "must be an integer" if integer else "must be a number")
    if not math.isfinite(value) or not minimum <= value <= maximum:
        low, high = (int(minimum), int(maximum)) if integer or float(maximum).is_integer() else (minimum, maximum)
        raise ValidationFailed.field(path, f"must lie between {low} and {high}, got {value!r}", "OUT_OF_RANGE")
