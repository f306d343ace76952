"""Quality-control and filter names of the requester dialect that clipcrowd evaluates (assessment
events by name, IN on computed keys, the correct-answers rate of a golden set) or refuses by name; and
the names added with the wide toloka-kit pass (ACCEPT_AFTER_REJECT, pending assignments, an acceptance
rate over a history, every rate a skill may be set from, the first restriction's `duration_days`,
version and user-agent family filters, `adult_allowed`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.domain.filters import WorkerFacts, matches, validate_filter
from clipcrowd.domain.quality import validate_quality_control
from clipcrowd.quality.collectors import Event, acceptance_rate, assessment
from clipcrowd.quality.rules import AcceptAll, ChangeOverlap, RejectAll, Restrict, SetSkill, evaluate

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


def test_majority_vote_rates_answers_against_majorities_over_the_threshold() -> None:
    qc = _qc({"type": "MAJORITY_VOTE", "parameters": {"answer_threshold": 3, "history_size": 4}},
             [{"key": "total_answers_count", "operator": "GTE", "value": 2},
              {"key": "correct_answers_rate", "operator": "LT", "value": 60}], RESTRICT)
    validate_quality_control(qc)
    weak = Event("MAJORITY", {"top": 2, "agrees": False})  # a majority of two: under the threshold
    assert evaluate(qc, "MAJORITY", [weak, weak, weak]) == []
    history = [Event("MAJORITY", {"top": 3, "agrees": a}) for a in (False, False, True, True, True)]
    assert evaluate(qc, "MAJORITY", history) == []  # the last four: 3 of 4 right (all five: 60 %)
    history += [Event("MAJORITY", {"top": 4, "agrees": False})] * 2  # the last four: 2 of 4
    assert evaluate(qc, "MAJORITY", history)[0].scope == "POOL"  # type: ignore[union-attr]
    assert evaluate(qc, "SUBMITTED", history) == []  # only a completed task re-rates her


def test_majority_vote_rate_sets_a_skill() -> None:
    qc = _qc({"type": "MAJORITY_VOTE", "parameters": {"answer_threshold": 2}},
             [{"key": "total_answers_count", "operator": "GT", "value": 2}],
             {"type": "SET_SKILL_FROM_OUTPUT_FIELD",
              "parameters": {"skill_id": "7", "from_field": "correct_answers_rate"}})
    validate_quality_control(qc)
    history = [Event("MAJORITY", {"top": 2, "agrees": a}) for a in (True, False, True, True)]
    assert evaluate(qc, "MAJORITY", history)[0].value == 75.0  # type: ignore[union-attr]


def test_income_and_users_assessment() -> None:
    income = _qc({"type": "INCOME"}, [{"key": "income_sum_for_last_24_hours", "operator": "GT", "value": 1}],
                 {"type": "REJECT_ALL_ASSIGNMENTS", "parameters": {"public_comment": "over the cap"}})
    validate_quality_control(income)
    assert evaluate(income, "SUBMITTED", [Event("INCOME", {"sum_24h": 0.5})]) == []
    assert evaluate(income, "SUBMITTED", [Event("INCOME", {"sum_24h": 1.5})]) == [RejectAll("over the cap")]
    revoked = _qc({"type": "USERS_ASSESSMENT"},
                  [{"key": "pool_access_revoked_reason", "operator": "EQ", "value": "SKILL_CHANGE"},
                   {"key": "skill_id", "operator": "EQ", "value": "000000000005"}],
                  {"type": "CHANGE_OVERLAP", "parameters": {"delta": 2, "open_pool": True}})
    validate_quality_control(revoked)
    change = Event("ACCESS_REVOKED", {"reason": "SKILL_CHANGE", "skill_id": 5})
    assert evaluate(revoked, "ACCESS_REVOKED", [change]) == [ChangeOverlap(delta=2, open_pool=True)]
    assert evaluate(revoked, "ACCESS_REVOKED", [Event("ACCESS_REVOKED", {"reason": "RESTRICTION"})]) == []
    assert evaluate(revoked, "ACCESS_REVOKED", [change, Event("SUBMITTED")]) == []  # the loss must be the news
    approve = _qc({"type": "ACCEPTANCE_RATE"}, [{"key": "accepted_assignments_rate", "operator": "GT", "value": 90}],
                  {"type": "APPROVE_ALL_ASSIGNMENTS"})
    validate_quality_control(approve)
    assert evaluate(approve, "ACCEPTED", [Event("ACCEPTED")]) == [AcceptAll()]


def test_training_collector_is_refused_saying_what_to_use() -> None:
    """toloka-kit's `Training` collector measures training tasks mixed into the pool; clipcrowd pools
    hold none (a training is a pool of its own), so it is refused with the way that works."""
    qc = _qc({"type": "TRAINING"}, [{"key": "correct_answers_rate", "operator": "LT", "value": 80}], RESTRICT)
    with pytest.raises(ValidationFailed, match=r"collector_config\.type") as refused:
        validate_quality_control(qc)
    assert "training_requirement" in str(refused.value) and "not supported" in str(refused.value)


@pytest.mark.parametrize(("collector", "condition", "action", "field"), [
    ("TRAINING", {"key": "x", "operator": "GT", "value": 1}, RESTRICT, "collector_config.type"),
    ("USERS_ASSESSMENT", {"key": "pool_access_revoked_reason", "operator": "EQ", "value": "BANNED"}, RESTRICT,
     "conditions[0].value"),
    ("USERS_ASSESSMENT", {"key": "skill_id", "operator": "GT", "value": "5"}, RESTRICT, "conditions[0].value"),
    ("INCOME", {"key": "income_sum_for_last_24_hours", "operator": "GT", "value": 1},
     {"type": "REJECT_ALL_ASSIGNMENTS", "parameters": {"public_comment": " "}}, "public_comment"),
    ("INCOME", {"key": "income_sum_for_last_24_hours", "operator": "GT", "value": 1},
     {"type": "CHANGE_OVERLAP", "parameters": {"delta": 0}}, "parameters.delta"),
    ("INCOME", {"key": "income_sum_for_last_24_hours", "operator": "GT", "value": 1},
     {"type": "CHANGE_OVERLAP", "parameters": {"delta": 1, "open_pool": "yes"}}, "open_pool"),
    ("INCOME", {"key": "income_sum_for_last_24_hours", "operator": "GT", "value": 1},
     {"type": "APPROVE_ALL_ASSIGNMENTS", "parameters": {"x": 1}}, "parameters"),
    ("MAJORITY_VOTE", {"key": "correct_answers_rate", "operator": "GT", "value": 1}, RESTRICT,
     "parameters.answer_threshold"),
])
def test_bad_new_names_are_refused(collector: str, condition: dict[str, Any], action: dict[str, Any],
                                   field: str) -> None:
    params = {"answer_threshold": -1} if collector == "MAJORITY_VOTE" else {}
    qc = _qc({"type": collector, "parameters": params}, [condition], action)
    with pytest.raises(ValidationFailed, match=field.replace("[", r"\[").replace("]", r"\]")):
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

def test_in_on_the_profile_city() -> None:
    """toloka-kit's `City.in_(213)` sends IN with one value; `City.not_in([...])` a list."""
    one = {"category": "profile", "key": "city", "operator": "IN", "value": 213}
    others = {"category": "profile", "key": "city", "operator": "NOT_IN", "value": [213, 2]}
    validate_filter({"and": [one, others]})
    assert matches(one, WorkerFacts(profile={"city": 213}))
    assert not matches(one, WorkerFacts(profile={"city": 2})) and not matches(one, WorkerFacts())
    assert matches(others, WorkerFacts(profile={"city": 54})) and not matches(others, WorkerFacts(profile={"city": 2}))
    for bad, field in (({**one, "value": []}, "value"), ({**one, "value": {"id": 1}}, "value"),
                       ({**one, "operator": "LIKE"}, "operator"),
                       ({**one, "key": "country", "operator": "IN", "value": ["US"]}, "operator")):
        with pytest.raises(ValidationFailed, match=field):
            validate_filter(bad)


def test_user_agent_type_and_verified_read_the_recorded_profile() -> None:
    agent = {"category": "computed", "key": "user_agent_type", "operator": "EQ", "value": "BROWSER"}
    verified = {"category": "profile", "key": "verified", "operator": "EQ", "value": True}
    tree = {"and": [agent, verified]}
    validate_filter(tree)
    assert matches(tree, WorkerFacts(profile={"verified": True}, computed={"user_agent_type": "BROWSER"}))
    assert not matches(tree, WorkerFacts(profile={"verified": False}, computed={"user_agent_type": "BROWSER"}))
    assert not matches(tree, WorkerFacts(profile={"verified": True}))  # unknown agent: not admitted by guess
    for bad in ({**agent, "value": "PHONE"}, {**verified, "value": "yes"}, {**verified, "operator": "GT"}):
        with pytest.raises(ValidationFailed, match="value"):
            validate_filter(bad)
    with pytest.raises(ValidationFailed, match="not supported"):
        validate_filter({**agent, "key": "rating", "value": 4})


@pytest.mark.parametrize(("history", "event", "fires"), [
    ([("SUBMITTED", {}), ("REJECTED", {}), ("ACCEPTED", {"after_reject": True})], "ACCEPT_AFTER_REJECT", True),
    ([("SUBMITTED", {}), ("REJECTED", {}), ("ACCEPTED", {"after_reject": True})], "ACCEPT", False),
    ([("SUBMITTED", {}), ("ACCEPTED", {})], "ACCEPT_AFTER_REJECT", False)])
def test_accept_after_reject(history: list[tuple[str, dict[str, Any]]], event: str, fires: bool) -> None:
    qc = _qc({"type": "ASSIGNMENTS_ASSESSMENT"}, [{"key": "assessment_event", "operator": "EQ", "value": event}],
             {"type": "CHANGE_OVERLAP", "parameters": {"delta": 1}})
    validate_quality_control(qc)
    assert bool(evaluate(qc, "ACCEPTED", [Event(k, d) for k, d in history])) is fires


def test_pending_assignments_and_acceptance_over_a_history_size() -> None:
    history = [Event(k) for k in ("SUBMITTED", "REJECTED", "SUBMITTED", "ACCEPTED", "SUBMITTED", "SUBMITTED",
                                  "ACCEPTED")]
    assert assessment({}, history)["pending_assignments_count"] == 1  # four answers, three reviewed... one left
    last_two = acceptance_rate({"history_size": 2}, history)
    assert last_two["accepted_assignments_rate"] == 100.0 and last_two["total_assignments_count"] == 2
    assert acceptance_rate({}, history)["rejected_assignments_rate"] == pytest.approx(100 / 3)
    qc = _qc({"type": "ACCEPTANCE_RATE", "parameters": {"history_size": 2}},
             [{"key": "accepted_assignments_rate", "operator": "GTE", "value": 100}], RESTRICT)
    validate_quality_control(qc)
    assert evaluate(qc, "ACCEPTED", history)


@pytest.mark.parametrize(("collector", "key", "outcomes", "value"), [
    ("GOLDEN_SET", "incorrect_answers_rate", [True, False, False, False], 75.0),
    ("GOLDEN_SET", "correct_answers_rate", [True, False, False, False], 25.0),
    ("CAPTCHA", "success_rate", [True, True, True, False], 75.0),
    ("CAPTCHA", "fail_rate", [True, True, True, False], 25.0)])
def test_skill_from_every_rate(collector: str, key: str, outcomes: list[bool], value: float) -> None:
    first = {"GOLDEN_SET": "golden_set_answers_count", "CAPTCHA": "stored_results_count"}[collector]
    qc = _qc({"type": collector}, [{"key": first, "operator": "GTE", "value": 1}],
             {"type": "SET_SKILL_FROM_OUTPUT_FIELD", "parameters": {"skill_id": "7", "from_field": key}})
    validate_quality_control(qc)
    decisions = evaluate(qc, "SUBMITTED", [Event("SUBMITTED", {"golden_outcomes": outcomes, "tasks": 4})])
    assert decisions == [SetSkill(skill_id="7", value=value)]


def test_first_restriction_version_takes_duration_days() -> None:
    action = {"type": "RESTRICTION", "parameters": {"scope": "PROJECT", "duration_days": 10}}
    qc = _qc({"type": "SKIPPED_IN_ROW_ASSIGNMENTS"}, [{"key": "skipped_in_row_count", "operator": "GT", "value": 0}],
             action)
    validate_quality_control(qc)
    assert evaluate(qc, "SKIPPED", [Event("SKIPPED")]) == [Restrict("PROJECT", timedelta(days=10), None)]
    forever = {"type": "RESTRICTION", "parameters": {"scope": "PROJECT"}}
    assert evaluate({"configs": [{**qc["configs"][0], "rules": [{**qc["configs"][0]["rules"][0], "action": forever}]}]},
                    "SKIPPED", [Event("SKIPPED")]) == [Restrict("PROJECT", None, None)]
    condition = qc["configs"][0]["rules"][0]["conditions"]
    for bad in (0, -1, "ten", True, 10**9):
        with pytest.raises(ValidationFailed, match=r"parameters\.duration_days"):
            validate_quality_control(_qc({"type": "SKIPPED_IN_ROW_ASSIGNMENTS"}, condition,
                                         {**action, "parameters": {"scope": "PROJECT", "duration_days": bad}}))


def test_versions_agent_family_and_adult_allowed_read_the_recorded_profile() -> None:
    version = {"category": "computed", "key": "os_version_major", "operator": "GTE", "value": 10}
    family = {"category": "computed", "key": "user_agent_family", "operator": "IN", "value": ["CHROME", "FIREFOX"]}
    adult = {"category": "profile", "key": "adult_allowed", "operator": "EQ", "value": True}
    tree = {"and": [version, family, adult]}
    validate_filter(tree)
    known = WorkerFacts(profile={"adult_allowed": True},
                        computed={"os_version_major": 11, "user_agent_family": "CHROME"})
    assert matches(tree, known)
    assert not matches(tree, WorkerFacts(profile={"adult_allowed": True}, computed={"user_agent_family": "CHROME"}))
    assert not matches(tree, WorkerFacts(profile={"adult_allowed": False}, computed=known.computed))
    for bad, field in (({**version, "value": "10"}, "value"), ({**version, "value": True}, "value"),
                       ({**version, "operator": "IN"}, "operator"), ({**adult, "value": 1}, "value"),
                       ({**family, "value": []}, "value")):
        with pytest.raises(ValidationFailed, match=field):
            validate_filter(bad)
