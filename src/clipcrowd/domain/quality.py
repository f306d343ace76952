"""Quality-control configuration: collectors, the conditions on what they collect, and actions.

The shapes follow the requester dialect (`quality_control.configs[].collector_config/rules`).
Evaluation lives in `clipcrowd.quality`; this module only says what is well-formed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clipcrowd.domain import bounds
from clipcrowd.domain.errors import NotSupported, ValidationFailed
from clipcrowd.domain.ids import parse_id
from clipcrowd.domain.models.base import checked
from clipcrowd.domain.models.trainings import TrainingRequirement

# collector type -> (allowed parameters, condition keys it produces)
COLLECTORS: dict[str, tuple[set[str], set[str]]] = {
    # correct_answers_rate / incorrect_answers_rate count control and training tasks mixed into the pool;
    # clipcrowd pools mix in no training tasks, so they are the control tasks' rates
    "GOLDEN_SET": (
        {"history_size"},
        {"golden_set_correct_answers_rate", "golden_set_incorrect_answers_rate", "golden_set_answers_count",
         "total_answers_count", "correct_answers_rate", "incorrect_answers_rate"},
    ),
    # the captcha check, answered by the pool's golden tasks
    "CAPTCHA": ({"history_size"}, {"stored_results_count", "success_rate", "fail_rate"}),
    "ASSIGNMENT_SUBMIT_TIME": (
        {"history_size", "fast_submit_threshold_seconds"},
        {"fast_submitted_count", "total_submitted_count"},
    ),
    "ACCEPTANCE_RATE": (
        {"history_size"},
        {"accepted_assignments_rate", "rejected_assignments_rate", "total_assignments_count",
         "accepted_assignments_count", "rejected_assignments_count"},
    ),
    "ASSIGNMENTS_ASSESSMENT": (
        set(),
        {"accepted_assignments_count", "rejected_assignments_count", "pending_assignments_count",
         "assessment_event"},
    ),
    "SKIPPED_IN_ROW_ASSIGNMENTS": (set(), {"skipped_in_row_count"}),
    # her answers against the majority of a task's answers, once the task has all of them
    "MAJORITY_VOTE": (
        {"answer_threshold", "history_size"},
        {"total_answers_count", "correct_answers_rate", "incorrect_answers_rate"},
    ),
    # what her answers in the pool earned over the last 24 hours (submitted or accepted)
    "INCOME": (set(), {"income_sum_for_last_24_hours"}),
    # she lost access to the pool: a restriction, or a skill change that her filter no longer passes
    "USERS_ASSESSMENT": (set(), {"pool_access_revoked_reason", "skill_id"}),
    "ANSWER_COUNT": (set(), {"assignments_accepted_count"}),
    # clipcrowd's own: the worker quality an aggregation run of the pool stored (`worker_quality`)
    "AGGREGATED_QUALITY": (
        {"method", "field"},
        {"aggregated_worker_quality", "aggregated_answers_count"},
    ),
}
#: registry names of `clipcrowd.aggregation.AGGREGATORS`, kept here because the domain imports no
#: numeric library; `tests/test_aggregated_quality_rules.py` pins the two lists together
AGGREGATION_METHODS = ("mv", "wawa", "gold_mv", "zbs", "ds", "one_coin_ds", "glad", "mace", "k_of_n")
CONDITION_OPERATORS = {"EQ", "NE", "GT", "GTE", "LT", "LTE"}
#: `assessment_event` compares with a named event; the collector measures it as this number
ASSESSMENT_EVENTS = {"ACCEPT": 1.0, "REJECT": 2.0, "ACCEPT_AFTER_REJECT": 3.0}
#: `pool_access_revoked_reason` compares with a named reason, measured as this number
REVOKED_REASONS = {"RESTRICTION": 1.0, "SKILL_CHANGE": 2.0}
#: condition keys compared with a name (EQ / NE only), and the names they take
NAMED_KEYS = {"assessment_event": ASSESSMENT_EVENTS, "pool_access_revoked_reason": REVOKED_REASONS}
#: names the requester dialect knows but clipcrowd does not evaluate, with the reason the refusal
#: gives: refused, never stored unused. toloka-kit's `Training` collector counts a worker's answers to
#: training tasks mixed into the pool itself; clipcrowd pools serve none (trainings are pools of
#: their own, without quality control), so it would never measure anything.
UNSUPPORTED_COLLECTORS = {
    "TRAINING": "it counts answers to training tasks mixed into this pool, and clipcrowd pools serve none; "
                "a training (POST /api/v1/trainings) grants its own skill, the share of right first answers, "
                "and a pool admits who passed it with quality_control.training_requirement",
}
UNSUPPORTED_ACTIONS: set[str] = set()
RESTRICTION_SCOPES = {"POOL", "PROJECT", "ALL_PROJECTS"}
#: scopes a requester may set by hand: SYSTEM (in the requester dialect, a restriction by the
#: platform) bars the worker from every pool, like ALL_PROJECTS, and is listed under its own name
HAND_RESTRICTION_SCOPES = RESTRICTION_SCOPES | {"SYSTEM"}
#: scopes that bar a worker from every pool
EVERYWHERE_SCOPES = ("ALL_PROJECTS", "SYSTEM")
DURATION_UNITS = {"MINUTES", "HOURS", "DAYS", "PERMANENT"}
# fields that SetSkillFromOutputField may copy, in either spelling
SKILL_SOURCE_FIELDS = {
    "approvedAssignmentsRate": "accepted_assignments_rate",
    "accepted_assignments_rate": "accepted_assignments_rate",
    "correctAnswersRate": "golden_set_correct_answers_rate",
    "correct_answers_rate": "golden_set_correct_answers_rate",
    "golden_set_correct_answers_rate": "golden_set_correct_answers_rate",
    "rejectedAssignmentsRate": "rejected_assignments_rate",
    "rejected_assignments_rate": "rejected_assignments_rate",
    "incorrectAnswersRate": "golden_set_incorrect_answers_rate",
    "incorrect_answers_rate": "golden_set_incorrect_answers_rate",
    "golden_set_incorrect_answers_rate": "golden_set_incorrect_answers_rate",
    "success_rate": "success_rate",
    "fail_rate": "fail_rate",
    "aggregatedWorkerQuality": "aggregated_worker_quality",
    "aggregated_worker_quality": "aggregated_worker_quality",
}


def _check_action(action: Any, path: str, keys: set[str]) -> None:
    if not isinstance(action, Mapping) or "type" not in action:
        raise ValidationFailed.field(path, "an action needs a 'type'")
    kind, params = action["type"], action.get("parameters") or {}
    if kind in ("RESTRICTION_V2", "RESTRICTION"):
        scope = params.get("scope")
        if scope not in RESTRICTION_SCOPES:
            raise ValidationFailed.field(f"{path}.parameters.scope", f"one of {sorted(RESTRICTION_SCOPES)}")
        unit = params.get("duration_unit", "DAYS")
        if unit not in DURATION_UNITS:
            raise ValidationFailed.field(f"{path}.parameters.duration_unit", f"one of {sorted(DURATION_UNITS)}")
        duration = params.get("duration")
        if kind == "RESTRICTION" and "duration" not in params:
            # the first version's `duration_days`; left out, the restriction is permanent
            duration, unit = params.get("duration_days"), "DAYS" if "duration_days" in params else "PERMANENT"
            duration_path = f"{path}.parameters.duration_days"
        else:
            duration_path = f"{path}.parameters.duration"
        if unit != "PERMANENT":
            bounds.check_number(duration, duration_path, minimum=1,
                                maximum=bounds.MAX_RESTRICTION_DURATION, integer=True)
    elif kind == "SET_SKILL_FROM_OUTPUT_FIELD":
        if not params.get("skill_id"):
            raise ValidationFailed.field(f"{path}.parameters.skill_id", "is required")
        if params.get("from_field") not in SKILL_SOURCE_FIELDS:
            raise ValidationFailed.field(
                f"{path}.parameters.from_field", f"one of {sorted(SKILL_SOURCE_FIELDS)}"
            )
        if SKILL_SOURCE_FIELDS[params["from_field"]] == "aggregated_worker_quality" and \
                "aggregated_worker_quality" not in keys:
            raise ValidationFailed.field(
                f"{path}.parameters.from_field", "the aggregated worker quality needs collector AGGREGATED_QUALITY")
    elif kind == "SET_SKILL":
        if not params.get("skill_id"):
            raise ValidationFailed.field(f"{path}.parameters.skill_id", "is required")
        value = params.get("skill_value")
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 100:
            raise ValidationFailed.field(f"{path}.parameters.skill_value", "a number from 0 to 100")
    elif kind == "APPROVE_ALL_ASSIGNMENTS":
        if params:
            raise ValidationFailed.field(f"{path}.parameters", "APPROVE_ALL_ASSIGNMENTS takes no parameters")
    elif kind == "REJECT_ALL_ASSIGNMENTS":
        comment = params.get("public_comment")
        if not isinstance(comment, str) or not comment.strip() or len(comment) > bounds.MAX_COMMENT:
            raise ValidationFailed.field(f"{path}.parameters.public_comment",
                                         f"is required to reject: text of at most {bounds.MAX_COMMENT} characters")
    elif kind == "CHANGE_OVERLAP":
        bounds.check_number(params.get("delta"), f"{path}.parameters.delta", minimum=1,
                            maximum=bounds.MAX_OVERLAP, integer=True)
        if not isinstance(params.get("open_pool", False), bool):
            raise ValidationFailed.field(f"{path}.parameters.open_pool", "true or false")
    elif kind in UNSUPPORTED_ACTIONS:
        raise ValidationFailed.field(f"{path}.type", f"action {kind} is not supported by clipcrowd")
    else:
        raise ValidationFailed.field(f"{path}.type", f"unknown action {kind!r}")


def _check_aggregated_params(params: Mapping[str, Any], path: str) -> None:
    """AGGREGATED_QUALITY: `method` (required) names an aggregation method; `field` (optional) an output field."""
    method = params.get("method")
    if method is None:
        raise ValidationFailed.field(f"{path}.method", f"is required: one of {sorted(AGGREGATION_METHODS)}")
    if not isinstance(method, str) or method not in AGGREGATION_METHODS:
        raise ValidationFailed.field(
            f"{path}.method", f"unknown method {method!r}; one of {sorted(AGGREGATION_METHODS)}")
    field = params.get("field")
    if field is not None and (not isinstance(field, str) or not field.strip()):
        raise ValidationFailed.field(f"{path}.field", "must be the name of an output field")


def validate_quality_control(qc: Any, path: str = "quality_control") -> None:
    if qc is None:
        return
    if not isinstance(qc, Mapping):
        raise ValidationFailed.field(path, "must be an object with 'configs'")
    if qc.get("training_requirement") is not None:
        checked(TrainingRequirement, qc["training_requirement"], f"{path}.training_requirement")
    if qc.get("checkpoints_config") is not None:
        raise NotSupported.field(f"{path}.checkpoints_config", "is not supported: no task's overlap is raised to "
                                 "check a worker against the majority (leave it out; a MAJORITY_VOTE collector "
                                 "rates workers against the majority of every task)")
    configs = qc.get("configs", [])
    if not isinstance(configs, list):
        raise ValidationFailed.field(f"{path}.configs", "must be a list")
    for i, config in enumerate(configs):
        where = f"{path}.configs[{i}]"
        collector = (config or {}).get("collector_config") if isinstance(config, Mapping) else None
        if isinstance(collector, Mapping) and collector.get("type") in UNSUPPORTED_COLLECTORS:
            raise ValidationFailed.field(f"{where}.collector_config.type",
                                         f"collector {collector['type']} is not supported by clipcrowd: "
                                         f"{UNSUPPORTED_COLLECTORS[collector['type']]}")
        if not isinstance(collector, Mapping) or collector.get("type") not in COLLECTORS:
            raise ValidationFailed.field(f"{where}.collector_config.type", f"one of {sorted(COLLECTORS)}")
        params_allowed, keys = COLLECTORS[collector["type"]]
        params = collector.get("parameters") or {}
        if not isinstance(params, Mapping):
            raise ValidationFailed.field(f"{where}.collector_config.parameters", "must be an object")
        for name in params:
            if name not in params_allowed:
                raise ValidationFailed.field(f"{where}.collector_config.parameters.{name}", "unknown parameter")
        if collector["type"] == "AGGREGATED_QUALITY":
            _check_aggregated_params(params, f"{where}.collector_config.parameters")
        else:
            for name, value in params.items():
                if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                    raise ValidationFailed.field(f"{where}.collector_config.parameters.{name}", "a positive number")
        rules = config.get("rules", [])
        if not isinstance(rules, list) or not rules:
            raise ValidationFailed.field(f"{where}.rules", "must be a non-empty list")
        for j, rule in enumerate(rules):
            rwhere = f"{where}.rules[{j}]"
            conditions = rule.get("conditions") if isinstance(rule, Mapping) else None
            if not isinstance(conditions, list) or not conditions:
                raise ValidationFailed.field(f"{rwhere}.conditions", "must be a non-empty list")
            for k, cond in enumerate(conditions):
                cwhere = f"{rwhere}.conditions[{k}]"
                if not isinstance(cond, Mapping) or cond.get("key") not in keys:
                    raise ValidationFailed.field(f"{cwhere}.key", f"for {collector['type']}: one of {sorted(keys)}")
                if cond.get("operator") not in CONDITION_OPERATORS:
                    raise ValidationFailed.field(f"{cwhere}.operator", f"one of {sorted(CONDITION_OPERATORS)}")
                value = cond.get("value")
                if cond["key"] in NAMED_KEYS:
                    names = NAMED_KEYS[cond["key"]]
                    if value not in names or cond["operator"] not in ("EQ", "NE"):
                        raise ValidationFailed.field(
                            f"{cwhere}.value", f"{cond['key']} is EQ or NE one of {sorted(names)}")
                    continue
                if cond["key"] == "skill_id":
                    if parse_id(value) is None or cond["operator"] not in ("EQ", "NE"):
                        raise ValidationFailed.field(f"{cwhere}.value", "skill_id is EQ or NE a skill's id")
                    continue
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValidationFailed.field(f"{cwhere}.value", "must be a number")
            _check_action(rule.get("action"), f"{rwhere}.action", keys)
