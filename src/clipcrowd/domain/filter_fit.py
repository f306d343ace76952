"""What a new worker must declare to pass a pool's filter, and, for a given profile, which conditions fail.

An invite creates a worker, so it must give her a profile the pool admits: `fit` searches the filter
tree for facts that satisfy it (an OR takes its first branch that can hold together with the rest),
starting from the defaults a worker gets (EN, BROWSER). Skill conditions cannot be met by a new
worker (she has no skills) except "has no value"; they are reported, never invented. `failures`
names, in words a requester reads, the conditions a profile does not meet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from clipcrowd.domain.filters import CLIENT_TYPES, PROFILE_COMPUTED_KEYS, WorkerFacts, matches

DEFAULT_LANGUAGES = ("EN",)
DEFAULT_CLIENT = "BROWSER"
_NAMES = {"client_type": "client type", "languages": "languages", "region_by_ip": "region by IP",
          "region_by_phone": "region by phone", "os_family": "OS family", "device_category": "device category",
          "date_of_birth": "date of birth"}
_COMPUTED = frozenset(PROFILE_COMPUTED_KEYS)
_OPS = {"EQ": "is", "NE": "is not", "GT": "is above", "GTE": "is at least", "LT": "is below", "LTE": "is at most",
        "IN": "is one of", "NOT_IN": "is none of"}


@dataclass(frozen=True)
class Profile:
    """An invitee's declared facts: languages, client type and other profile or computed fields."""

    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    client_type: str = DEFAULT_CLIENT
    other: Mapping[str, Any] = field(default_factory=dict)

    def facts(self) -> WorkerFacts:
        computed = {k: v for k, v in self.other.items() if k in _COMPUTED}
        profile = {k: v for k, v in self.other.items() if k not in _COMPUTED}
        return WorkerFacts(profile={**profile, "languages": list(self.languages)},
                           computed={**computed, "client_type": self.client_type}, skills={})


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _leaf_fit(leaf: Mapping[str, Any], have: Profile) -> Profile | None:
    category, key, operator, value = leaf["category"], str(leaf["key"]), leaf["operator"], leaf.get("value")
    if category == "skill":
        return None  # a new worker has no skill value; "has none" already matches and never reaches here
    listed = value if isinstance(value, list) else [value]
    if key == "languages":
        if operator == "IN":
            return replace(have, languages=(*have.languages, str(_first(listed))))
        return replace(have, languages=tuple(x for x in have.languages if x not in listed))
    if key == "client_type":
        if operator in ("EQ", "IN"):
            return replace(have, client_type=str(_first(listed)))
        others = sorted(CLIENT_TYPES - {str(v) for v in listed})
        return replace(have, client_type=others[0]) if others else None
    if operator in ("EQ", "IN", "GTE", "LTE"):
        return replace(have, other={**have.other, key: _first(listed)})
    if operator in ("GT", "LT") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return replace(have, other={**have.other, key: value + (1 if operator == "GT" else -1)})
    if operator in ("NE", "NOT_IN"):
        return replace(have, other={k: v for k, v in have.other.items() if k != key})
    return None


def _fit(tree: Mapping[str, Any], have: Profile) -> Profile | None:
    if matches(tree, have.facts()):
        return have
    if "and" in tree:
        for child in tree["and"]:
            found = _fit(child, have)
            if found is None:
                return None
            have = found
        return have if matches(tree, have.facts()) else None
    if "or" in tree:
        for child in tree["or"]:
            found = _fit(child, have)
            if found is not None:
                return found
        return None
    found = _leaf_fit(tree, have)
    return found if found is not None and matches(tree, found.facts()) else None


def fit(tree: Mapping[str, Any] | None, start: Profile | None = None) -> Profile:
    """A profile that passes `tree`, changed from `start` only where the filter asks; when no profile can
    pass (skills, contradictions) what can be met is, and `failures` says what is left."""
    have = start or Profile()
    if not tree:
        return have
    if "and" in tree:  # meet what can be met, even when one group cannot
        for child in tree["and"]:
            have = _fit(child, have) or have
        return have
    return _fit(tree, have) or have


def describe(leaf: Mapping[str, Any]) -> str:
    """A condition in words: "client type is one of TOLOKA_APP"."""
    category, key, operator, value = leaf["category"], str(leaf["key"]), leaf["operator"], leaf.get("value")
    name = f"skill {key}" if category == "skill" else _NAMES.get(key, key.replace("_", " "))
    if category == "skill" and value is None:
        return f"{name} {'has no value' if operator == 'EQ' else 'has a value'}"
    if key == "languages":
        return f"{name} {'include one of' if operator == 'IN' else 'include none of'} " + ", ".join(
            str(v) for v in (value if isinstance(value, list) else [value]))
    shown = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return f"{name} {_OPS.get(operator, operator)} {shown}"


def failures(tree: Mapping[str, Any] | None, facts: WorkerFacts) -> list[str]:
    """The conditions a worker (or a profile's `facts()`) fails, one line per failing group (an OR fails
    when all its branches do)."""
    if not tree or matches(tree, facts):
        return []
    if "and" in tree:
        return [line for child in tree["and"] for line in failures(child, facts)]
    if "or" in tree:
        parts = [" and ".join(failures(child, facts)) for child in tree["or"]]
        return [" or ".join(p for p in parts if p)]
    return [describe(tree)]
