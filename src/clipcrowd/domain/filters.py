"""Pool filters: a tree of `and` / `or` nodes over leaves that test a worker's profile and skills.

Requesters send AND-of-ORs (`{"and": [{"or": [leaf, ...]}, ...]}`) but any nesting is accepted.
A leaf is `{"category", "key", "operator", "value"}`; for skills `EQ null` means "has no value".
"""

from __future__ import annotations

import operator as op
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from clipcrowd.domain.errors import ValidationFailed

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": op.eq, "NE": op.ne, "GT": op.gt, "GTE": op.ge, "LT": op.lt, "LTE": op.le,
}
_PROFILE_KEYS = {"languages", "country", "citizenship", "gender", "education", "date_of_birth", "city", "verified",
                 "adult_allowed"}
#: profile keys compared with true or false
_BOOLEAN_PROFILE_KEYS = {"verified", "adult_allowed"}
#: profile keys tested with IN / NOT_IN, a list of values (toloka-kit's `Languages.in_`, `City.in_`);
#: languages with nothing else. Every computed key takes them too.
_PROFILE_INCLUSION_KEYS = {"languages", "city"}
#: computed version numbers, compared with numbers (toloka-kit's `OSVersion >= 10`, `UserAgentVersionMajor > 80`)
_VERSION_KEYS = {"os_version", "os_version_major", "os_version_minor", "os_version_bugfix", "user_agent_version",
                 "user_agent_version_major", "user_agent_version_minor", "user_agent_version_bugfix"}
_COMPUTED_KEYS = {"client_type", "os_family", "device_category", "region_by_phone", "region_by_ip",
                  "user_agent_type", "user_agent_family"} | _VERSION_KEYS
#: computed keys a worker's profile may record (clipcrowd measures only her client type itself); a
#: worker whose profile does not record a key fails EQ/IN and every comparison on it, so a filter
#: never admits by guess
PROFILE_COMPUTED_KEYS = ("os_family", "device_category", "region_by_phone", "region_by_ip", "user_agent_type",
                         "user_agent_family", *sorted(_VERSION_KEYS))
USER_AGENT_TYPES = {"BROWSER", "MOBILE_BROWSER", "OTHER"}
#: keys of the requester dialect that clipcrowd has no fact for: refused by name, never ignored
_UNSUPPORTED_KEYS = {"rating", "region_by_ip_org"}
CLIENT_TYPES = {"BROWSER", "TOLOKA_APP"}


@dataclass(frozen=True)
class WorkerFacts:
    """What a filter may look at: profile fields, computed fields and skill values."""

    profile: Mapping[str, Any] = field(default_factory=dict)
    computed: Mapping[str, Any] = field(default_factory=dict)
    skills: Mapping[str, float] = field(default_factory=dict)


def validate_filter(tree: Any, path: str = "filter") -> None:
    """Raise ValidationFailed naming the first faulty node of a filter tree."""
    if tree is None:
        return
    if not isinstance(tree, Mapping):
        raise ValidationFailed.field(path, "must be an object: {'and': [...]}, {'or': [...]} or a condition")
    for joint in ("and", "or"):
        if joint in tree:
            children = tree[joint]
            if len(tree) != 1 or not isinstance(children, list) or not children:
                raise ValidationFailed.field(f"{path}.{joint}", "must be the only key, with a non-empty list")
            for i, child in enumerate(children):
                validate_filter(child, f"{path}.{joint}[{i}]")
            return
    missing = [k for k in ("category", "key", "operator") if k not in tree]
    if missing:
        raise ValidationFailed.field(path, f"a condition needs {', '.join(missing)}")
    category, key, operator, value = tree["category"], tree["key"], tree["operator"], tree.get("value")
    if category == "skill":
        if operator not in _COMPARE:
            raise ValidationFailed.field(f"{path}.operator", f"skill filters use one of {sorted(_COMPARE)}")
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ValidationFailed.field(f"{path}.value", "a skill value is a number or null")
        if value is None and operator not in ("EQ", "NE"):
            raise ValidationFailed.field(f"{path}.value", "null (no value) only works with EQ or NE")
    elif category in ("profile", "computed") and key in _UNSUPPORTED_KEYS:
        raise ValidationFailed.field(f"{path}.key", f"filter key {key!r} is not supported by clipcrowd")
    elif category == "profile":
        if key not in _PROFILE_KEYS:
            raise ValidationFailed.field(f"{path}.key", f"unknown profile key {key!r}")
        if key == "languages" and operator not in ("IN", "NOT_IN"):
            raise ValidationFailed.field(f"{path}.operator", "languages use IN or NOT_IN")
        if key not in _PROFILE_INCLUSION_KEYS and operator not in _COMPARE:
            raise ValidationFailed.field(f"{path}.operator", f"unknown operator {operator!r}")
        if key in _BOOLEAN_PROFILE_KEYS and (operator not in ("EQ", "NE") or not isinstance(value, bool)):
            raise ValidationFailed.field(f"{path}.value", f"{key} is EQ or NE true or false")
        if key == "city":
            _check_values(path, operator, value, ("EQ", "NE", "IN", "NOT_IN"))
    elif category == "computed":
        if key not in _COMPUTED_KEYS:
            raise ValidationFailed.field(f"{path}.key", f"unknown computed key {key!r}")
        if key in _VERSION_KEYS:
            if operator not in _COMPARE:
                raise ValidationFailed.field(f"{path}.operator", f"{key} uses one of {sorted(_COMPARE)}")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValidationFailed.field(f"{path}.value", f"{key} is compared with a number")
            return
        listed = _check_values(path, operator, value, ("EQ", "NE", "IN", "NOT_IN"))
        if key == "client_type" and any(v not in CLIENT_TYPES for v in listed):
            raise ValidationFailed.field(f"{path}.value", f"client_type is one of {sorted(CLIENT_TYPES)}")
        if key == "user_agent_type" and any(v not in USER_AGENT_TYPES for v in listed):
            raise ValidationFailed.field(f"{path}.value", f"user_agent_type is one of {sorted(USER_AGENT_TYPES)}")
    else:
        raise ValidationFailed.field(f"{path}.category", f"unknown category {category!r}")


def _check_values(path: str, operator: Any, value: Any, operators: tuple[str, ...]) -> list[Any]:
    """The leaf's values (one, or IN/NOT_IN's list), after checking the operator and their shape."""
    if operator not in operators:
        raise ValidationFailed.field(f"{path}.operator", f"this key uses {', '.join(operators)}")
    listed = value if isinstance(value, list) and operator in ("IN", "NOT_IN") else [value]
    if not listed or any(isinstance(v, (dict, list)) for v in listed):
        raise ValidationFailed.field(f"{path}.value", "a value, or for IN/NOT_IN a non-empty list of values")
    return listed


def _leaf_matches(leaf: Mapping[str, Any], facts: WorkerFacts) -> bool:
    category, key, operator, value = leaf["category"], str(leaf["key"]), leaf["operator"], leaf.get("value")
    if category == "skill":
        have = facts.skills.get(key)
        if value is None:
            return (have is None) == (operator == "EQ")
        return have is not None and _COMPARE[operator](have, value)
    source = facts.profile if category == "profile" else facts.computed
    have = source.get(key)
    if operator in ("IN", "NOT_IN"):
        values = have if isinstance(have, (list, tuple, set)) else ([have] if have is not None else [])
        wanted = value if isinstance(value, list) else [value]
        found = any(v in values for v in wanted)
        return found if operator == "IN" else not found
    if have is None:
        return operator == "NE"
    try:
        return _COMPARE[operator](have, value)
    except TypeError:
        return False


def matches(tree: Mapping[str, Any] | None, facts: WorkerFacts) -> bool:
    """True when the worker passes the filter (no filter admits everyone)."""
    if not tree:
        return True
    if "and" in tree:
        return all(matches(child, facts) for child in tree["and"])
    if "or" in tree:
        return any(matches(child, facts) for child in tree["or"])
    return _leaf_matches(tree, facts)


def skill_ids(tree: Mapping[str, Any] | None) -> set[str]:
    """Skill ids a filter refers to (to check they exist)."""
    if not tree:
        return set()
    for joint in ("and", "or"):
        if joint in tree:
            return set().union(*(skill_ids(c) for c in tree[joint]))
    return {str(tree["key"])} if tree.get("category") == "skill" else set()
