"""The desk's project and pool forms: form fields in, the API's bodies out, and back again.

Presentation only. A form becomes exactly the body a toloka-kit script would send, and
`services.projects` / `services.pools` check it as they check the API's; this module only bounds
what it reads, turns text into JSON values, and maps the services' field paths
(`task_spec.input_spec.emoji1.type`, `filter.and[2]`, `quality_control.configs[0]...`) back onto
the form field that held the value, so the page can show the message next to it.

A form is a flat `dict[str, str]` (what the browser posts, kept as typed for a re-render); rows
(spec fields, skill filters, quality rules) are numbered fields `in_name_0`, `qc_type_1`, ...
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from clipcrowd.domain.errors import ClipcrowdError, ValidationFailed
from clipcrowd.domain.filters import CLIENT_TYPES
from clipcrowd.domain.models.base import checked
from clipcrowd.domain.models.pool_changes import PoolPatch
from clipcrowd.domain.quality import COLLECTORS, CONDITION_OPERATORS, DURATION_UNITS, RESTRICTION_SCOPES
from clipcrowd.domain.specs import FIELD_TYPES
from clipcrowd.domain.timeutil import format_time, parse_time, utcnow

MAX_NAME = 200  # a project's or pool's name, in characters
MAX_TEXT = 20_000  # a description or comment
MAX_BIG_TEXT = 200_000  # instructions, the interface config, a JSON editor
MAX_SHORT = 64  # a number, a date, a select's value
MAX_ROWS = 50  # spec fields, skill filters, quality rules
MAX_TZ_MINUTES = 16 * 60
BIG = {"public_instructions", "view_config", "filter_json", "qc_json"}
TEXTS = {"public_description", "private_comment"}
NAMES = {"public_name", "private_name"}
FIELD_TYPE_CHOICES = sorted(FIELD_TYPES)
QC_COLLECTORS = sorted(c for c in COLLECTORS if c != "AGGREGATED_QUALITY")
QC_KEYS = sorted({k for c in QC_COLLECTORS for k in COLLECTORS[c][1]} - {"assessment_event"})
OPERATORS = sorted(CONDITION_OPERATORS)
SCOPES = sorted(RESTRICTION_SCOPES)
UNITS = sorted(DURATION_UNITS)


class FormInvalid(Exception):
    """Faults found while reading a form: form field name -> message (`_form` for the whole form)."""

    def __init__(self, errors: dict[str, str], form: dict[str, str] | None = None):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors, self.form = errors, form or {}


def read(pairs: Any) -> dict[str, str]:
    """The posted fields as one string per name, each held to its length bound (one error per field)."""
    form: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, value in pairs:
        if not isinstance(value, str) or len(name) > 40 or not re.fullmatch(r"[A-Za-z0-9_]+", name):
            continue  # files and names no form of ours has are ignored
        limit = (MAX_BIG_TEXT if name in BIG else MAX_TEXT if name in TEXTS else MAX_NAME if name in NAMES
                 else MAX_TEXT if name.startswith(("in_more_", "out_more_", "qc_comment_")) else MAX_SHORT)
        value = value.replace("\r\n", "\n")  # browsers send a textarea's line breaks as CRLF
        if len(value) > limit:
            errors[name] = f"is {len(value)} characters long; at most {limit}"
        form[name] = value
    if errors:
        raise FormInvalid(errors, form)  # the page shows what was typed, the field's message next to it
    return form


def _rows(form: Mapping[str, str], prefix: str) -> list[int]:
    found = {int(m.group(1)) for k in form if (m := re.fullmatch(rf"{prefix}(\d+)", k))}
    return sorted(i for i in found if i < MAX_ROWS)


def _json(text: str, name: str, errors: dict[str, str], kind: type, what: str) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        errors[name] = f"is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        return None
    if not isinstance(value, kind):
        errors[name] = f"must be {what}"
        return None
    return value


def _number(form: Mapping[str, str], name: str, errors: dict[str, str], *, integer: bool = True) -> Any:
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        return int(text) if integer else float(text)
    except ValueError:
        errors[name] = "must be a whole number" if integer else "must be a number"
        return None


# ---- projects ---------------------------------------------------------------------------------------


def _spec(form: Mapping[str, str], side: str, errors: dict[str, str]) -> tuple[dict[str, Any], dict[str, int]]:
    spec: dict[str, Any] = {}
    rows: dict[str, int] = {}
    for i in _rows(form, f"{side}_name_"):
        name = form.get(f"{side}_name_{i}", "").strip()
        if not name:
            continue
        if name in spec:
            errors[f"{side}_{i}"] = f"{name!r} appears twice"
            continue
        field: dict[str, Any] = {"type": form.get(f"{side}_type_{i}", ""), "required": f"{side}_required_{i}" in form}
        more = form.get(f"{side}_more_{i}", "").strip()
        if more:
            extra = _json(more, f"{side}_{i}", errors, dict, 'a JSON object, e.g. {"allowed_values": ["a", "b"]}')
            field.update({k: v for k, v in (extra or {}).items() if k not in ("type",)})
        spec[name], rows[name] = field, i
    return spec, rows


def project_body(form: Mapping[str, str],
                 existing: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The project body from the form (over `existing`'s other fields), and what maps errors back."""
    errors: dict[str, str] = {}
    body: dict[str, Any] = {k: v for k, v in (existing or {}).items()
                            if k not in ("public_name", "public_description", "public_instructions", "private_comment")}
    body["public_name"] = form.get("public_name", "")
    for name in ("public_description", "public_instructions", "private_comment"):
        if form.get(name, "").strip():
            body[name] = form[name]
    inputs, in_rows = _spec(form, "in", errors)
    outputs, out_rows = _spec(form, "out", errors)
    old_spec = dict(body.get("task_spec") or {})
    spec: dict[str, Any] = {"input_spec": inputs, "output_spec": outputs}
    config = form.get("view_config", "").strip()
    if config and _json(config, "view_config", errors, dict, 'a JSON object with a "view"') is not None:
        view = dict(old_spec.get("view_spec") or {})
        view.update({"type": "tb", "config": form["view_config"]})
        view.setdefault("lock", {"core": "1.0.0"})
        view.setdefault("inferDataSpec", False)
        spec["view_spec"] = view
    body["task_spec"] = spec
    if errors:
        raise FormInvalid(errors)
    return body, {"in": in_rows, "out": out_rows}


def project_form(data: Mapping[str, Any]) -> dict[str, str]:
    """A stored project as the form's fields."""
    form = {k: str(data.get(k) or "") for k in ("public_name", "public_description", "public_instructions",
                                                 "private_comment")}
    spec = data.get("task_spec") or {}
    for side, key in (("in", "input_spec"), ("out", "output_spec")):
        for i, (name, field) in enumerate((spec.get(key) or {}).items()):
            form[f"{side}_name_{i}"] = name
            form[f"{side}_type_{i}"] = str(field.get("type", ""))
            if field.get("required", True):
                form[f"{side}_required_{i}"] = "on"
            more = {k: v for k, v in field.items() if k not in ("type", "required")}
            form[f"{side}_more_{i}"] = json.dumps(more, ensure_ascii=False) if more else ""
    config = (spec.get("view_spec") or {}).get("config")
    form["view_config"] = config if isinstance(config, str) else json.dumps(config, indent=2) if config else ""
    return form


def spec_rows(form: Mapping[str, str], side: str, spare: int = 2) -> list[int]:
    """Row numbers to draw: the filled ones and `spare` empty ones."""
    used = [i for i in _rows(form, f"{side}_name_") if form[f"{side}_name_{i}"].strip()]
    count = min((max(used) + 1 if used else 0) + spare, MAX_ROWS)
    return list(range(max(count, 1)))


def project_errors(exc: ClipcrowdError, rows: Mapping[str, Any]) -> dict[str, str]:
    """A service's error as form field -> message."""
    out: dict[str, str] = {}
    for path, message in _faults(exc):
        field = _project_field(path, rows)
        rest = path
        for prefix in ("task_spec.view_spec.config.", "task_spec.view_spec.", "task_spec.input_spec.",
                       "task_spec.output_spec."):
            if path.startswith(prefix):
                rest = path[len(prefix):]
                if prefix.endswith("_spec.") and field not in ("in_rows", "out_rows"):
                    rest = rest.partition(".")[2]  # the row names the field already
                break
        out.setdefault(field, f"{rest}: {message}" if rest and rest != field else message)
    return out


def _project_field(path: str, rows: Mapping[str, Any]) -> str:
    head = path.split(".")[0].split("[")[0]
    if head in ("public_name", "public_description", "public_instructions", "private_comment"):
        return head
    for side, key in (("in", "task_spec.input_spec"), ("out", "task_spec.output_spec")):
        if path.startswith(key + "."):
            name = path[len(key) + 1:].split(".")[0]
            if name in rows.get(side, {}):
                return f"{side}_{rows[side][name]}"
        if path.startswith(key):
            return f"{side}_rows"
    if path.startswith("task_spec.view_spec"):
        return "view_config"
    return "_form"


def _faults(exc: ClipcrowdError) -> list[tuple[str, str]]:
    payload = exc.payload if isinstance(exc, ValidationFailed) and isinstance(exc.payload, dict) else None
    if not payload:
        return [("", exc.message)]
    return [(str(path), str(fault.get("message", fault)) if isinstance(fault, Mapping) else str(fault))
            for path, fault in payload.items()]


# ---- pools ------------------------------------------------------------------------------------------

POOL_FORM_KEYS = {"private_name", "public_description", "private_comment", "reward_per_assignment",
                  "assignment_max_duration_seconds", "will_expire", "auto_accept_solutions", "auto_accept_period_day",
                  "may_contain_adult_content", "priority", "filter", "defaults", "mixer_config", "quality_control"}


def _local_to_utc(form: Mapping[str, str], errors: dict[str, str]) -> str | None:
    """`will_expire_local` (a datetime-local value in the browser's zone) + `tz_offset` (minutes
    behind UTC, as JavaScript's getTimezoneOffset gives it) -> naive UTC ISO 8601."""
    text = form.get("will_expire_local", "").strip()
    if not text:
        errors["will_expire_local"] = "is required"
        return None
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        errors["will_expire_local"] = f"{text!r} is not a date and time"
        return None
    try:
        offset = int(form.get("tz_offset", "0") or "0")
    except ValueError:
        offset = 0
    if not -MAX_TZ_MINUTES <= offset <= MAX_TZ_MINUTES or local.tzinfo is not None:
        errors["will_expire_local"] = "the time zone offset is out of range"
        return None
    try:
        chosen = local + timedelta(minutes=offset)
    except OverflowError:
        errors["will_expire_local"] = "is out of range"
        return None
    try:
        was = parse_time(form.get("will_expire_was") or None, "will_expire")
    except ValidationFailed:
        was = None
    if was is not None and was.replace(second=0, microsecond=0) == chosen.replace(second=0, microsecond=0):
        return form["will_expire_was"]  # the date shown was not changed: keep it to the microsecond
    return format_time(chosen)


def _filter(form: Mapping[str, str], errors: dict[str, str]) -> tuple[dict[str, Any] | None, list[str]]:
    """AND of: languages, client types, one clause per skill row, then the JSON editor's clauses.
    Returns the tree and, per clause, the form field it came from."""
    clauses: list[Any] = []
    sources: list[str] = []
    langs = [x.strip().upper() for x in form.get("f_languages", "").split(",") if x.strip()]
    if langs:
        clauses.append({"or": [{"category": "profile", "key": "languages", "operator": "IN", "value": x}
                               for x in langs]})
        sources.append("f_languages")
    clients = [c for c in sorted(CLIENT_TYPES, reverse=True) if f"f_client_{c}" in form]
    if clients:
        clauses.append({"or": [{"category": "computed", "key": "client_type", "operator": "EQ", "value": c}
                               for c in clients]})
        sources.append("f_client")
    for i in _rows(form, "f_skill_"):
        skill = form.get(f"f_skill_{i}", "").strip()
        if not skill:
            continue
        leaves: list[dict[str, Any]] = []
        if f"f_skill_none_{i}" in form:
            leaves.append({"category": "skill", "key": skill, "operator": "EQ", "value": None})
        low = _number(form, f"f_skill_min_{i}", errors, integer=False)
        low = int(low) if isinstance(low, float) and low.is_integer() else low
        if low is not None:
            leaves.append({"category": "skill", "key": skill, "operator": "GTE", "value": low})
        if not leaves:
            errors[f"f_skill_{i}"] = "give a lowest value, or tick “or has no value”"
            continue
        clauses.append({"or": leaves})
        sources.append(f"f_skill_{i}")
    text = form.get("filter_json", "").strip()
    if text:
        extra = _json(text, "filter_json", errors, list, "a JSON list of conditions, each {and: …}, {or: …} or a leaf")
        for clause in extra or []:
            clauses.append(clause)
            sources.append("filter_json")
    return ({"and": clauses} if clauses else None), sources


def _qc(form: Mapping[str, str], errors: dict[str, str]) -> tuple[list[Any], list[str]]:
    configs: list[Any] = []
    sources: list[str] = []
    for i in _rows(form, "qc_type_"):
        kind = form.get(f"qc_type_{i}", "")
        if not kind:
            continue
        params: dict[str, Any] = {}
        for param in ("history_size", "fast_submit_threshold_seconds"):
            value = _number(form, f"qc_{param}_{i}", errors)
            if value is not None:
                params[param] = value
        conditions = []
        for c in ("1", "2"):
            key = form.get(f"qc_key{c}_{i}", "")
            if key:
                value = _number(form, f"qc_value{c}_{i}", errors, integer=False)
                conditions.append({"key": key, "operator": form.get(f"qc_op{c}_{i}", ""),
                                   "value": int(value) if isinstance(value, float) and value.is_integer() else value})
        action: dict[str, Any] = {"scope": form.get(f"qc_scope_{i}", ""),
                                  "duration_unit": form.get(f"qc_unit_{i}", "")}
        duration = _number(form, f"qc_duration_{i}", errors)
        if duration is not None:
            action["duration"] = duration
        if form.get(f"qc_comment_{i}", "").strip():
            action["private_comment"] = form[f"qc_comment_{i}"]
        config: dict[str, Any] = {"collector_config": {"type": kind}, "rules": [
            {"conditions": conditions, "action": {"type": "RESTRICTION_V2", "parameters": action}}]}
        if params:
            config["collector_config"]["parameters"] = params
        configs.append(config)
        sources.append(f"qc_{i}")
    text = form.get("qc_json", "").strip()
    if text:
        for config in _json(text, "qc_json", errors, list, "a JSON list of quality configs") or []:
            configs.append(config)
            sources.append("qc_json")
    return configs, sources


def pool_body(form: Mapping[str, str], project_id: str,
              existing: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The pool body from the form (over `existing`'s other fields), and what maps errors back."""
    errors: dict[str, str] = {}
    old = dict(existing or {})
    body: dict[str, Any] = {k: v for k, v in old.items() if k not in POOL_FORM_KEYS}
    body["project_id"] = project_id
    body["private_name"] = form.get("private_name", "")
    for name in ("public_description", "private_comment"):
        if form.get(name, "").strip():
            body[name] = form[name]
    for name, integer in (("reward_per_assignment", False), ("assignment_max_duration_seconds", True)):
        value = _number(form, name, errors, integer=integer)
        if value is None and name not in errors:
            errors[name] = "is required"
        body[name] = value
    body["will_expire"] = _local_to_utc(form, errors)
    review = form.get("acceptance") == "review"
    body["auto_accept_solutions"] = not review
    period = _number(form, "auto_accept_period_day", errors)
    if period is not None:
        body["auto_accept_period_day"] = period
    elif review:
        errors["auto_accept_period_day"] = "how many days you take to review"
    body["may_contain_adult_content"] = "may_contain_adult_content" in form
    overlap = _number(form, "default_overlap", errors)
    defaults = {k: v for k, v in (old.get("defaults") or {}).items() if k != "default_overlap_for_new_task_suites"}
    if overlap is not None:
        defaults["default_overlap_for_new_task_suites"] = overlap
    if defaults:
        body["defaults"] = defaults
    mixer = dict(old.get("mixer_config") or {})
    for kind in ("real", "golden", "training"):  # no training field: a training is a pool of its own
        count = _number(form, f"mixer_{kind}", errors)
        mixer[f"{kind}_tasks_count"] = {"real": 1}.get(kind, 0) if count is None else count
    body["mixer_config"] = mixer
    priority = _number(form, "priority", errors)
    if priority is not None:
        try:
            body["priority"] = checked(PoolPatch, {"priority": priority}).priority
        except ValidationFailed as exc:
            errors["priority"] = _faults(exc)[0][1]
    tree, filter_sources = _filter(form, errors)
    if tree is not None:
        body["filter"] = tree
    configs, qc_sources = _qc(form, errors)
    qc = {k: v for k, v in (old.get("quality_control") or {}).items() if k != "configs"}
    if configs:
        qc["configs"] = configs
    if qc:
        body["quality_control"] = qc
    else:
        body.pop("quality_control", None)
    if errors:
        raise FormInvalid(errors)
    return body, {"filter": filter_sources, "qc": qc_sources}


def _utc_input(value: Any) -> str:
    parsed = parse_time(value, "will_expire") if value else None
    return parsed.strftime("%Y-%m-%dT%H:%M") if parsed else ""


def new_pool_form() -> dict[str, str]:
    return {"reward_per_assignment": "0.01", "assignment_max_duration_seconds": "600", "default_overlap": "1",
            "acceptance": "auto", "auto_accept_period_day": "7", "mixer_real": "1", "mixer_golden": "0",
            "will_expire_local": _utc_input(format_time(utcnow() + timedelta(days=30))),
            "tz_offset": "0", "from_utc": "1"}


def _number_text(value: Any) -> str:
    return "" if value is None else str(value)


def _is_langs(clause: Any) -> bool:
    leaves = (clause.get("or") if isinstance(clause, Mapping) else None) or []
    return bool(leaves) and all(isinstance(x, Mapping) and x.get("category") == "profile"
                                and x.get("key") == "languages"
                                and x.get("operator") == "IN" and isinstance(x.get("value"), str) for x in leaves)


def _is_clients(clause: Any) -> bool:
    leaves = (clause.get("or") if isinstance(clause, Mapping) else None) or []
    return bool(leaves) and all(isinstance(x, Mapping) and x.get("key") == "client_type" and x.get("operator") == "EQ"
                                and x.get("category") == "computed" and x.get("value") in CLIENT_TYPES for x in leaves)


def _skill_row(clause: Any) -> tuple[str, Any, bool] | None:
    leaves = clause.get("or") if isinstance(clause, Mapping) else None
    if not leaves or not all(isinstance(x, Mapping) and x.get("category") == "skill" for x in leaves):
        return None
    keys = {str(x.get("key")) for x in leaves}
    nulls = [x for x in leaves if x.get("operator") == "EQ" and x.get("value") is None]
    lows = [x for x in leaves if x.get("operator") == "GTE" and x.get("value") is not None]
    if len(keys) != 1 or len(nulls) > 1 or len(lows) > 1 or len(nulls) + len(lows) != len(leaves):
        return None
    return keys.pop(), (lows[0]["value"] if lows else None), bool(nulls)


def _qc_row(config: Any) -> bool:
    """Does the config fit one row of the form: one rule, one or two conditions, a RESTRICTION_V2?"""
    if not isinstance(config, Mapping) or set(config) - {"collector_config", "rules"}:
        return False
    collector, rules = config.get("collector_config") or {}, config.get("rules") or []
    if not isinstance(collector, Mapping) or collector.get("type") not in QC_COLLECTORS or len(rules) != 1:
        return False
    params = collector.get("parameters") or {}
    rule = rules[0] if isinstance(rules[0], Mapping) else {}
    action = rule.get("action") or {}
    conditions = rule.get("conditions") or []
    return (isinstance(params, Mapping) and set(params) <= {"history_size", "fast_submit_threshold_seconds"}
            and isinstance(action, Mapping) and action.get("type") == "RESTRICTION_V2"
            and set(action.get("parameters") or {}) <= {"scope", "duration", "duration_unit", "private_comment"}
            and 1 <= len(conditions) <= 2
            and all(isinstance(c, Mapping) and c.get("key") in QC_KEYS for c in conditions))


def pool_form(data: Mapping[str, Any]) -> dict[str, str]:
    """A stored pool as the form's fields (what the rows cannot hold goes to the JSON editors)."""
    form = {k: str(data.get(k) or "") for k in ("private_name", "public_description", "private_comment")}
    form["reward_per_assignment"] = _number_text(data.get("reward_per_assignment"))
    form["assignment_max_duration_seconds"] = _number_text(data.get("assignment_max_duration_seconds"))
    form["will_expire_local"], form["tz_offset"], form["from_utc"] = _utc_input(data.get("will_expire")), "0", "1"
    form["will_expire_was"] = str(data.get("will_expire") or "")
    form["acceptance"] = "auto" if data.get("auto_accept_solutions") is not False else "review"
    form["auto_accept_period_day"] = _number_text(data.get("auto_accept_period_day"))
    if data.get("may_contain_adult_content"):
        form["may_contain_adult_content"] = "on"
    form["default_overlap"] = _number_text((data.get("defaults") or {}).get("default_overlap_for_new_task_suites"))
    mixer = data.get("mixer_config") or {}
    for kind in ("real", "golden"):
        form[f"mixer_{kind}"] = _number_text(mixer.get(f"{kind}_tasks_count"))
    form["priority"] = _number_text(data.get("priority"))
    tree = data.get("filter")
    clauses = list(tree["and"]) if isinstance(tree, Mapping) and list(tree) == ["and"] else ([tree] if tree else [])
    extra: list[Any] = []
    skill_i = 0
    for clause in clauses:
        skill = _skill_row(clause)
        if _is_langs(clause) and "f_languages" not in form:
            form["f_languages"] = ", ".join(x["value"] for x in clause["or"])
        elif _is_clients(clause) and not any(k.startswith("f_client_") for k in form):
            for leaf in clause["or"]:
                form[f"f_client_{leaf['value']}"] = "on"
        elif skill is not None:
            form[f"f_skill_{skill_i}"], form[f"f_skill_min_{skill_i}"] = skill[0], _number_text(skill[1])
            if skill[2]:
                form[f"f_skill_none_{skill_i}"] = "on"
            skill_i += 1
        else:
            extra.append(clause)
    form["filter_json"] = json.dumps(extra, indent=2, ensure_ascii=False) if extra else ""
    configs = ((data.get("quality_control") or {}).get("configs") or [])
    others: list[Any] = []
    row = 0
    for config in configs:
        if not _qc_row(config):
            others.append(config)
            continue
        collector, rule = config["collector_config"], config["rules"][0]
        form[f"qc_type_{row}"] = collector["type"]
        for param, value in (collector.get("parameters") or {}).items():
            form[f"qc_{param}_{row}"] = _number_text(value)
        for c, cond in enumerate(rule["conditions"], start=1):
            form[f"qc_key{c}_{row}"], form[f"qc_op{c}_{row}"] = cond["key"], str(cond.get("operator", ""))
            form[f"qc_value{c}_{row}"] = _number_text(cond.get("value"))
        params = rule["action"].get("parameters") or {}
        form[f"qc_scope_{row}"] = str(params.get("scope", ""))
        form[f"qc_unit_{row}"] = str(params.get("duration_unit", ""))
        form[f"qc_duration_{row}"] = _number_text(params.get("duration"))
        form[f"qc_comment_{row}"] = str(params.get("private_comment") or "")
        row += 1
    form["qc_json"] = json.dumps(others, indent=2, ensure_ascii=False) if others else ""
    return form


def row_numbers(form: Mapping[str, str], prefix: str, spare: int = 1) -> list[int]:
    used = [i for i in _rows(form, prefix) if form[f"{prefix}{i}"].strip()]
    return list(range(min((max(used) + 1 if used else 0) + spare, MAX_ROWS)))


def pool_errors(exc: ClipcrowdError, sources: Mapping[str, list[str]]) -> dict[str, str]:
    """A service's error as form field -> message; a row's message names the part of the row."""
    out: dict[str, str] = {}
    for path, message in _faults(exc):
        field = _pool_field(path, sources)
        out.setdefault(field, _where(path, field, sources) + message)
    return out


def _where(path: str, field: str, sources: Mapping[str, list[str]]) -> str:
    """The part of a row or JSON editor a fault is in, in the form's words (`condition 1 key: `)."""
    for kind, head in (("qc", "quality_control.configs"), ("filter", "filter.and")):
        found = re.match(rf"{re.escape(head)}\[(\d+)\]\.?(.*)", path)
        if not found:
            continue
        index, rest = int(found.group(1)), found.group(2)
        if field.endswith("_json"):  # numbered as in the JSON editor, which holds what the rows cannot
            before = sum(1 for s in sources.get(kind, [])[:index] if not s.endswith("_json"))
            return f"item {index - before + 1}{' ' + rest if rest else ''}: "
        rest = re.sub(r"^rules\[0\]\.", "", rest)
        rest = re.sub(r"conditions\[(\d+)\]", lambda m: f"condition {int(m.group(1)) + 1}", rest)
        rest = rest.replace("action.parameters.", "block ").replace("collector_config.parameters.", "")
        rest = rest.replace("collector_config.type", "collector").replace(".", " ")
        return f"{rest}: " if rest else ""
    return ""


def _pool_field(path: str, sources: Mapping[str, list[str]]) -> str:
    head = path.split(".")[0].split("[")[0]
    simple = {"private_name": "private_name", "public_description": "public_description",
              "private_comment": "private_comment", "reward_per_assignment": "reward_per_assignment",
              "assignment_max_duration_seconds": "assignment_max_duration_seconds", "will_expire": "will_expire_local",
              "auto_accept_period_day": "auto_accept_period_day", "auto_accept_solutions": "acceptance",
              "priority": "priority", "defaults": "default_overlap",
              "may_contain_adult_content": "may_contain_adult_content"}
    if head in simple:
        return simple[head]
    if head == "mixer_config":
        for kind in ("real", "golden", "training"):
            if f"{kind}_tasks_count" in path:
                return f"mixer_{kind}"
        return "mixer_real"
    for key, field, fallback in (("filter", r"filter\.and\[(\d+)\]", "filter_json"),
                                 ("quality_control", r"quality_control\.configs\[(\d+)\]", "qc_json")):
        if head == key:
            found = re.match(field, path)
            listed = sources.get("filter" if key == "filter" else "qc", [])
            if found and int(found.group(1)) < len(listed):
                return listed[int(found.group(1))]
            return fallback
    return "_form"
