"""Pools: validation of the requester's pool object and the settings the server reads from it.

The object is stored as sent (plus read-only fields); `PoolRules` is the typed view the issuing
and review code works with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clipcrowd.domain import bounds
from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.domain.filters import validate_filter
from clipcrowd.domain.quality import validate_quality_control
from clipcrowd.domain.timeutil import parse_time

DEFAULT_REVIEW_DAYS = 7  # a submission nobody reviews is accepted after this many days
READ_ONLY_POOL_FIELDS = {"id", "status", "created", "last_started", "last_stopped", "last_close_reason", "type"}


def _number(body: Mapping[str, Any], name: str, *, minimum: float, maximum: float, integer: bool = False,
            path: str | None = None) -> None:
    if name not in body or body[name] is None:
        return
    bounds.check_number(body[name], path or name, minimum=minimum, maximum=maximum, integer=integer)


def validate_pool(body: Any, *, partial: bool = False) -> dict[str, Any]:
    """Check a pool object (a create or a full update); return it without read-only fields."""
    if not isinstance(body, Mapping):
        raise ValidationFailed.field("pool", "must be a JSON object")
    required = [] if partial else ["project_id", "private_name", "reward_per_assignment",
                                   "assignment_max_duration_seconds", "will_expire"]
    missing = {name: "is required" for name in required if body.get(name) is None}
    if missing:
        raise ValidationFailed.fields(missing)
    if "private_name" in body and (not isinstance(body["private_name"], str) or not body["private_name"].strip()):
        raise ValidationFailed.field("private_name", "must be a non-empty string")
    _number(body, "reward_per_assignment", minimum=0, maximum=bounds.MAX_REWARD)
    _number(body, "assignment_max_duration_seconds", minimum=1, maximum=bounds.MAX_ASSIGNMENT_SECONDS, integer=True)
    _number(body, "auto_accept_period_day", minimum=0, maximum=bounds.MAX_AUTO_ACCEPT_DAYS, integer=True)
    for flag in ("auto_accept_solutions", "may_contain_adult_content"):
        if flag in body and body[flag] is not None and not isinstance(body[flag], bool):
            raise ValidationFailed.field(flag, "must be true or false")
    parse_time(body.get("will_expire"), "will_expire")
    defaults = body.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise ValidationFailed.field("defaults", "must be an object")
    for name in ("default_overlap_for_new_task_suites", "default_overlap_for_new_tasks"):
        _number(defaults, name, minimum=1, maximum=bounds.MAX_OVERLAP, integer=True, path=f"defaults.{name}")
    mixer = body.get("mixer_config")
    if mixer is not None:
        if not isinstance(mixer, Mapping):
            raise ValidationFailed.field("mixer_config", "must be an object")
        for name in ("real_tasks_count", "golden_tasks_count", "training_tasks_count"):
            _number(mixer, name, minimum=0, maximum=bounds.MAX_TASKS_PER_SUITE, integer=True,
                    path=f"mixer_config.{name}")
        if (mixer.get("real_tasks_count") or 0) + (mixer.get("golden_tasks_count") or 0) < 1:
            raise ValidationFailed.field("mixer_config", "a task suite needs at least one real or golden task")
    validate_filter(body.get("filter"))
    validate_quality_control(body.get("quality_control"))
    return {k: v for k, v in body.items() if k not in READ_ONLY_POOL_FIELDS}


@dataclass(frozen=True)
class PoolRules:
    """The parts of a pool that decide how work is handed out and reviewed."""

    real_per_suite: int
    golden_per_suite: int
    default_overlap: int
    max_duration_seconds: int
    auto_accept: bool
    auto_accept_period_days: int
    will_expire: datetime | None
    filter: Mapping[str, Any] | None
    quality_control: Mapping[str, Any]
    reward: float

    @classmethod
    def of(cls, pool: Mapping[str, Any]) -> PoolRules:
        mixer = pool.get("mixer_config") or {}
        defaults = pool.get("defaults") or {}
        overlap = defaults.get("default_overlap_for_new_tasks") or defaults.get(
            "default_overlap_for_new_task_suites") or 1
        auto_accept = pool.get("auto_accept_solutions")
        return cls(
            real_per_suite=1 if mixer.get("real_tasks_count") is None else int(mixer["real_tasks_count"]),
            golden_per_suite=int(mixer.get("golden_tasks_count") or 0),
            default_overlap=int(overlap),
            max_duration_seconds=int(pool.get("assignment_max_duration_seconds") or 3600),
            auto_accept=True if auto_accept is None else bool(auto_accept),
            auto_accept_period_days=int(DEFAULT_REVIEW_DAYS if pool.get("auto_accept_period_day") is None
                                        else pool["auto_accept_period_day"]),
            will_expire=parse_time(pool.get("will_expire"), "will_expire"),
            filter=pool.get("filter"),
            quality_control=pool.get("quality_control") or {},
            reward=float(pool.get("reward_per_assignment") or 0),
        )
