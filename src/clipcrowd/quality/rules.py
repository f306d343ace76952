"""Rules: when every condition on a collector's metrics holds, the rule's action becomes a decision."""

from __future__ import annotations

import operator as op
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from clipcrowd.domain.quality import NAMED_KEYS, SKILL_SOURCE_FIELDS
from clipcrowd.quality.collectors import COLLECTORS, TRIGGERS, Event

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "EQ": op.eq, "NE": op.ne, "GT": op.gt, "GTE": op.ge, "LT": op.lt, "LTE": op.le,
}
_UNITS = {"MINUTES": timedelta(minutes=1), "HOURS": timedelta(hours=1), "DAYS": timedelta(days=1)}


@dataclass(frozen=True)
class Restrict:
    """Bar the worker from a pool, its project, or all projects; `duration` None means forever."""

    scope: str
    duration: timedelta | None
    comment: str | None


@dataclass(frozen=True)
class SetSkill:
    skill_id: str
    value: float


@dataclass(frozen=True)
class AcceptAll:
    """Accept every answer of hers in the pool still waiting for review."""


@dataclass(frozen=True)
class RejectAll:
    """Reject every answer of hers in the pool still waiting for review, telling her why."""

    comment: str


@dataclass(frozen=True)
class ChangeOverlap:
    """Raise the overlap of the tasks she answered in the pool by `delta` (other workers redo them);
    `open_pool` opens the pool again when it had closed."""

    delta: int
    open_pool: bool


Decision = Restrict | SetSkill | AcceptAll | RejectAll | ChangeOverlap


def _decision(action: Mapping[str, Any], metrics: Mapping[str, float]) -> Decision | None:
    params = action.get("parameters") or {}
    kind = action.get("type")
    if kind in ("RESTRICTION_V2", "RESTRICTION"):
        unit, count = params.get("duration_unit", "DAYS"), params.get("duration")
        if kind == "RESTRICTION" and "duration" not in params:  # the first version: `duration_days`
            unit, count = "DAYS", params.get("duration_days")
        duration = None if unit == "PERMANENT" or count is None else _UNITS[unit] * int(count)
        return Restrict(scope=params["scope"], duration=duration, comment=params.get("private_comment"))
    if kind == "SET_SKILL":
        return SetSkill(skill_id=str(params["skill_id"]), value=float(params["skill_value"]))
    if kind == "APPROVE_ALL_ASSIGNMENTS":
        return AcceptAll()
    if kind == "REJECT_ALL_ASSIGNMENTS":
        return RejectAll(comment=str(params["public_comment"]))
    if kind == "CHANGE_OVERLAP":
        return ChangeOverlap(delta=int(params["delta"]), open_pool=bool(params.get("open_pool", False)))
    if kind == "SET_SKILL_FROM_OUTPUT_FIELD":
        # a collector measuring the named field itself (MAJORITY_VOTE's correct_answers_rate) wins
        source = params["from_field"] if params["from_field"] in metrics else SKILL_SOURCE_FIELDS[params["from_field"]]
        if source not in metrics:
            return None
        return SetSkill(skill_id=str(params["skill_id"]), value=round(metrics[source], 2))
    return None


def _holds(condition: Mapping[str, Any], metrics: Mapping[str, float]) -> bool:
    """A condition on a metric the collector could not measure (no aggregation run yet) never holds."""
    key, value = condition["key"], condition["value"]
    names = NAMED_KEYS.get(key, {})
    target = names[value] if value in names else float(value)
    return key in metrics and _COMPARE[condition["operator"]](metrics[key], target)


def evaluate(quality_control: Mapping[str, Any], trigger: str, history: Sequence[Event]) -> list[Decision]:
    """Decisions for one worker after an event of kind `trigger`, given that worker's pool history.

    >>> qc = {"configs": [{"collector_config": {"type": "ASSIGNMENT_SUBMIT_TIME",
    ...   "parameters": {"fast_submit_threshold_seconds": 10}},
    ...   "rules": [{"conditions": [{"key": "fast_submitted_count", "operator": "GT", "value": 0}],
    ...              "action": {"type": "RESTRICTION_V2", "parameters": {"scope": "POOL",
    ...                         "duration": 1, "duration_unit": "DAYS"}}}]}]}
    >>> evaluate(qc, "SUBMITTED", [Event("SUBMITTED", {"duration_seconds": 3})])[0].scope
    'POOL'
    """
    decisions: list[Decision] = []
    for config in quality_control.get("configs", []):
        collector = config["collector_config"]
        kind = collector["type"]
        if trigger not in TRIGGERS.get(kind, set()):
            continue
        metrics = COLLECTORS[kind](collector.get("parameters") or {}, history)
        for rule in config.get("rules", []):
            if all(_holds(c, metrics) for c in rule["conditions"]):
                decision = _decision(rule["action"], metrics)
                if decision is not None:
                    decisions.append(decision)
    return decisions
