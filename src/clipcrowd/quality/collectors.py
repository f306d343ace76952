"""Collectors: from a worker's events in one pool, the metrics quality conditions test.

Each collector is a function in the `COLLECTORS` registry; `TRIGGERS` says which event kinds make
it worth re-evaluating (a golden-set rule cannot change on a review, for instance).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from clipcrowd.domain.quality import REVOKED_REASONS


@dataclass(frozen=True)
class Event:
    """One thing that happened to a worker in a pool, oldest first in every sequence."""

    # SUBMITTED | ACCEPTED | REJECTED | SKIPPED | EXPIRED | AGGREGATED | MAJORITY | INCOME | ACCESS_REVOKED
    kind: str
    data: Mapping[str, Any] = field(default_factory=dict)


Metrics = dict[str, float]
Collector = Callable[[Mapping[str, Any], Sequence[Event]], Metrics]


def _rate(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else 0.0


def golden_set(params: Mapping[str, Any], history: Sequence[Event]) -> Metrics:
    """Correctness on the last `history_size` golden answers (answers, not task suites)."""
    size = int(params.get("history_size") or 0)
    outcomes: list[bool] = []
    for event in history:
        if event.kind == "SUBMITTED":
            outcomes.extend(bool(x) for x in event.data.get("golden_outcomes", []))
    if size:
        outcomes = outcomes[-size:]
    correct = sum(outcomes)
    total_answers = sum(int(e.data.get("tasks", 0)) for e in history if e.kind == "SUBMITTED")
    metrics = {
        "golden_set_answers_count": float(len(outcomes)),
        "golden_set_correct_answers_rate": _rate(correct, len(outcomes)),
        "golden_set_incorrect_answers_rate": _rate(len(outcomes) - correct, len(outcomes)),
        "total_answers_count": float(total_answers),
    }
    # control and training tasks together: a clipcrowd pool mixes in no training tasks
    metrics["correct_answers_rate"] = metrics["golden_set_correct_answers_rate"]
    metrics["incorrect_answers_rate"] = metrics["golden_set_incorrect_answers_rate"]
    return metrics


def captcha(params: Mapping[str, Any], history: Sequence[Event]) -> Metrics:
    """The captcha check, answered by the pool's golden tasks (no outside service): the last
    `history_size` golden answers are the captchas entered. Rates are absent until there is one,
    so a rule on them cannot fire on a worker who has not been checked yet."""
    golden = golden_set(params, history)
    count = golden["golden_set_answers_count"]
    metrics = {"stored_results_count": count}
    if count:
        metrics["success_rate"] = golden["golden_set_correct_answers_rate"]
        metrics["fail_rate"] = golden["golden_set_incorrect_answers_rate"]
    return metrics


def submit_time(params: Mapping[str, Any], history: Sequence[Event]) -> Metrics:
    """How many of the last `history_size` task suites came back faster than the threshold."""
    size = int(params.get("history_size") or 0)
    threshold = float(params.get("fast_submit_threshold_seconds") or 0)
    durations = [float(e.data.get("duration_seconds", 0)) for e in history if e.kind == "SUBMITTED"]
    if size:
        durations = durations[-size:]
    return {
        "fast_submitted_count": float(sum(d < threshold for d in durations)),
        "total_submitted_count": float(len(durations)),
    }


def acceptance_rate(params: Mapping[str, Any], history: Sequence[Event]) -> Metrics:
    """Share of the last `history_size` reviewed task suites that were accepted (auto-accepted ones
    included; all of them without `history_size`)."""
    size = int(params.get("history_size") or 0)
    reviews = [e.kind for e in history if e.kind in ("ACCEPTED", "REJECTED")]
    if size:
        reviews = reviews[-size:]
    accepted, rejected = reviews.count("ACCEPTED"), reviews.count("REJECTED")
    total = accepted + rejected
    return {
        "accepted_assignments_rate": _rate(accepted, total),
        "rejected_assignments_rate": _rate(rejected, total),
        "total_assignments_count": float(total),
        "accepted_assignments_count": float(accepted),
        "rejected_assignments_count": float(rejected),
    }


def assessment(params: Mapping[str, Any], history: Sequence[Event]) -> Metrics:
    """Her reviews so far, the answers still waiting for one, and what the last event was: ACCEPT (1),
    REJECT (2) or ACCEPT_AFTER_REJECT (3, an accepted answer that had been rejected)."""
    metrics = acceptance_rate({}, history)
    last = history[-1] if history else Event("")
    event = 0.0
    if last.kind == "ACCEPTED":
        event = 3.0 if last.data.get("after_reject") else 1.0
    elif last.kind == "REJECTED":
        event = 2.0
    submitted = sum(e.kind == "SUBMITTED" for e in history)
    reviewed = sum(e.kind in ("ACCEPTED", "REJECTED") and not e.data.get("after_reject") for e in history)
    return {
        "accepted_assignments_count": metrics["accepted_assignments_count"],
        "rejected_assignments_count": metrics["rejected_assignments_count"],
        "pending_assignments_count": float(max(submitted - reviewed, 0)),
        "assessment_event": event,
    }


def skipped_in_row(params: Mapping[str, Any], history: Sequence[Event]) -> Metrics:
    count = 0
    for event in reversed(history):
        if event.kind == "SKIPPED":
            count += 1
        elif event.kind == "SUBMITTED":
            break
    return {"skipped_in_row_count": float(count)}


def answer_count(params: Mapping[str, Any], history: Sequence[Event]) -> Metrics:
    return {"assignments_accepted_count": float(sum(e.kind == "SUBMITTED" for e in history))}


def aggregated_quality(params: Mapping[str, Any], history: Sequence[Event]) -> Metrics:
    """The worker's quality from the latest aggregation run of `method` (and `field`, when given).

    AGGREGATED events carry one run's stored row for the worker: ``method``, ``field``, ``quality``
    (the method's probability that she answers correctly, 0-1, or None when it cannot rate her) and
    ``answers``. The quality comes out as a percentage, like the other rates. Without a matching run
    there are no metrics, so no rule fires; without a rating only the answer count is given.

    >>> aggregated_quality({"method": "ds"}, [Event("AGGREGATED", {"method": "ds", "field": "result",
    ...                                                           "quality": 0.5, "answers": 12})])
    {'aggregated_answers_count': 12.0, 'aggregated_worker_quality': 50.0}
    """
    method, wanted_field = params.get("method"), params.get("field")
    for event in reversed(history):
        if event.kind != "AGGREGATED" or event.data.get("method") != method:
            continue
        if wanted_field is not None and event.data.get("field") != wanted_field:
            continue
        metrics = {"aggregated_answers_count": float(event.data.get("answers") or 0)}
        quality = event.data.get("quality")
        if quality is not None:
            metrics["aggregated_worker_quality"] = 100.0 * float(quality)
        return metrics
    return {}


def majority_vote(params: Mapping[str, Any], history: Sequence[Event]) -> Metrics:
    """Her answers against each completed task's majority, over the last `history_size` of them.

    MAJORITY events (one per answer of hers, recorded when the task got all its answers) carry
    ``top``, how many answers the most common one has (0 on a tie), and ``agrees``, whether hers
    is it. Only tasks whose majority holds `answer_threshold` answers count; rates are absent until
    one does, so no rule fires on a worker never compared.

    >>> h = [Event("MAJORITY", {"top": 3, "agrees": a}) for a in (True, True, False, True)]
    >>> majority_vote({"answer_threshold": 2}, h)["correct_answers_rate"]
    75.0
    """
    threshold = int(params.get("answer_threshold") or 1)
    size = int(params.get("history_size") or 0)
    outcomes = [bool(e.data.get("agrees")) for e in history
                if e.kind == "MAJORITY" and int(e.data.get("top") or 0) >= threshold]
    if size:
        outcomes = outcomes[-size:]
    metrics = {"total_answers_count": float(len(outcomes))}
    if outcomes:
        metrics["correct_answers_rate"] = _rate(sum(outcomes), len(outcomes))
        metrics["incorrect_answers_rate"] = _rate(len(outcomes) - sum(outcomes), len(outcomes))
    return metrics


def income(params: Mapping[str, Any], history: Sequence[Event]) -> Metrics:
    """Her earnings in the pool over the last 24 hours, from the INCOME event the service measured."""
    for event in reversed(history):
        if event.kind == "INCOME":
            return {"income_sum_for_last_24_hours": float(event.data.get("sum_24h") or 0.0)}
    return {}


def users_assessment(params: Mapping[str, Any], history: Sequence[Event]) -> Metrics:
    """Why she just lost access to the pool (the last ACCESS_REVOKED event) and, for a skill
    change, which skill; nothing when the last event is not a loss of access."""
    if not history or history[-1].kind != "ACCESS_REVOKED":
        return {}
    data = history[-1].data
    metrics = {"pool_access_revoked_reason": REVOKED_REASONS.get(str(data.get("reason")), 0.0)}
    if data.get("skill_id") is not None:
        metrics["skill_id"] = float(data["skill_id"])
    return metrics


COLLECTORS: dict[str, Collector] = {
    "GOLDEN_SET": golden_set,
    "CAPTCHA": captcha,
    "ASSIGNMENT_SUBMIT_TIME": submit_time,
    "ACCEPTANCE_RATE": acceptance_rate,
    "ASSIGNMENTS_ASSESSMENT": assessment,
    "SKIPPED_IN_ROW_ASSIGNMENTS": skipped_in_row,
    "ANSWER_COUNT": answer_count,
    "AGGREGATED_QUALITY": aggregated_quality,
    "MAJORITY_VOTE": majority_vote,
    "INCOME": income,
    "USERS_ASSESSMENT": users_assessment,
}

TRIGGERS: dict[str, set[str]] = {
    "GOLDEN_SET": {"SUBMITTED"},
    "CAPTCHA": {"SUBMITTED"},
    "ASSIGNMENT_SUBMIT_TIME": {"SUBMITTED"},
    "ACCEPTANCE_RATE": {"ACCEPTED", "REJECTED"},
    "ASSIGNMENTS_ASSESSMENT": {"ACCEPTED", "REJECTED"},
    "SKIPPED_IN_ROW_ASSIGNMENTS": {"SKIPPED"},
    "ANSWER_COUNT": {"SUBMITTED"},
    "AGGREGATED_QUALITY": {"AGGREGATED"},
    "MAJORITY_VOTE": {"MAJORITY"},
    "INCOME": {"SUBMITTED"},
    "USERS_ASSESSMENT": {"ACCESS_REVOKED"},
}
