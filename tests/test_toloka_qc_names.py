"""Quality-control and filter names of the requester dialect that clipcrowd evaluates (assessment
events by name, IN on computed keys, the correct-answers rate of a golden set) or refuses by name.
"""

from __future__ import annotations

from typing import Any

import pytest

from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.domain.filters import WorkerFacts, matches, validate_filter
from clipcrowd.domain.quality import validate_quality_control
from clipcrowd.quality.collectors import Event
from clipcrowd.quality.rules import evaluate

RESTRICT = {"type": "RESTRICTION_V2", "parameters": {"scope": "POOL", "duration": 1, "duration_unit": "DAYS"}}


def _qc(collector: dict[str, Any], conditions: list[dict[str, Any]], action: dict[str, Any]) -> dict[str, Any]:
    return {"configs": [{"collector_config": collector, "rules": [{"conditions": conditions, "action": action}]}]}


@pytest.mark.parametrize(("event", "history", "fires"), [
    ("REJECT", ["SUBMITTED", "REJECTED"], True), ("REJECT", ["SUBMITTED", "ACCEPTED"], False),
    ("ACCEPT", ["SUBMITTED", "ACCEPTED"], True), ("ACCEPT", ["REJECTED"], False)])
def test_assessment_event_by_name(event: str, history: list[str], fires: bool) -> None:
    qc = _qc({"type": "ASSIGNMENTS_ASSESSMENT"}, [{"key": "assessment_event", "operator": "EQ", "value": event}],
             RESTRICT)
    validate_quality_control(qc)
    decisions = evaluate(qc, history[-1], [Event(kind) for kind in history])
    assert bool(decisions) is fires


@pytest.mark.parametrize("value", ["REVIEW", 2, None])
def test_assessment_event_other_values_refused(value: Any) -> None:
    qc = _qc({"type": "ASSIGNMENTS_ASSESSMENT"}, [{"key": "assessment_event", "operator": "EQ", "value": value}],
             RESTRICT)
    with pytest.raises(ValidationFailed, match=r"conditions\[0\]\.value"):
        validate_quality_control(qc)


def test_correct_answers_rate_of_a_golden_set_sets_the_skill() -> None:
    qc = _qc({"type": "GOLDEN_SET", "parameters": {"history_size": 5}},
             [{"key": "golden_set_answers_count", "operator": "GTE", "value": 2}],
             {"type": "SET_SKILL_FROM_OUTPUT_FIELD",
              "parameters": {"skill_id": "7", "from_field": "correct_answers_rate"}})
    validate_quality_control(qc)
    history = [Event("SUBMITTED", {"golden_outcomes": [c]}) for c in (1, 0, 1, 1)]
    decisions = evaluate(qc, "SUBMITTED", history)
    assert len(decisions) == 1 and decisions[0].value == 75.0  # type: ignore[union-attr]


def test_captcha_is_answered_by_golden_tasks() -> None:
    qc = _qc({"type": "CAPTCHA", "parameters": {"history_size": 5}},
             [{"key": "success_rate", "operator": "LT", "value": 60},
              {"key": "stored_results_count", "operator": "GTE", "value": 3}], RESTRICT)
    validate_quality_control(qc)
    assert evaluate(qc, "SUBMITTED", [Event("SUBMITTED")]) == []  # never checked: no rate, no decision
    good = [Event("SUBMITTED", {"golden_outcomes": [c]}) for c in (1, 1, 0, 1)]
    bad = [Event("SUBMITTED", {"golden_outcomes": [c]}) for c in (0, 1, 0, 0)]
    assert evaluate(qc, "SUBMITTED", good) == []
    assert evaluate(qc, "SUBMITTED", bad)[0].scope == "POOL"  # type: ignore[union-attr]
    assert evaluate(qc, "SUBMITTED", bad[:2]) == []  # fewer than three captchas entered


@pytest.mark.parametrize(("collector", "action"), [
    ("MAJORITY_VOTE", RESTRICT), ("INCOME", RESTRICT), ("USERS_ASSESSMENT", RESTRICT),
    ("ASSIGNMENTS_ASSESSMENT", {"type": "APPROVE_ALL_ASSIGNMENTS"}),
    ("ASSIGNMENTS_ASSESSMENT", {"type": "REJECT_ALL_ASSIGNMENTS", "parameters": {"public_comment": "x"}}),
    ("ASSIGNMENTS_ASSESSMENT", {"type": "CHANGE_OVERLAP", "parameters": {"delta": 1, "open_pool": True}})])
def test_unsupported_names_are_refused(collector: str, action: dict[str, Any]) -> None:
    qc = _qc({"type": collector}, [{"key": "rejected_assignments_count", "operator": "GT", "value": 1}], action)
    with pytest.raises(ValidationFailed, match="not supported"):
        validate_quality_control(qc)


def test_in_on_computed_keys() -> None:
    tree = {"category": "computed", "key": "region_by_phone", "operator": "IN", "value": [225, 187]}
    validate_filter(tree)
    assert matches(tree, WorkerFacts(computed={"region_by_phone": 187}))
    assert not matches(tree, WorkerFacts(computed={"region_by_phone": 1}))
    assert not matches(tree, WorkerFacts())  # a worker whose region is unknown is not in any region
    for bad in ({**tree, "value": []}, {**tree, "value": [{"x": 1}]}, {**tree, "operator": "GT"},
                {**tree, "key": "client_type", "value": ["BROWSER", "PHONE"]}):
        with pytest.raises(ValidationFailed):
            validate_filter(bad)
    for key in ("user_agent_type", "verified"):
        with pytest.raises(ValidationFailed, match="not supported"):
            validate_filter({"category": "computed" if key != "verified" else "profile", "key": key,
                             "operator": "EQ", "value": True})
