"""domain/filter_fit.py: the profile an invite gives so its worker passes a pool's filter, and the words
for the conditions a profile fails."""

from __future__ import annotations

from typing import Any

import pytest

from clipcrowd.domain.filter_fit import Profile, failures, fit
from clipcrowd.domain.filters import matches


def leaf(key: str, operator: str, value: Any, category: str = "computed") -> dict[str, Any]:
    return {"category": category, "key": key, "operator": operator, "value": value}


APP_ONLY = {"and": [{"or": [leaf("languages", "IN", "EN", "profile")]},
                    {"or": [leaf("client_type", "EQ", "TOLOKA_APP")]},
                    {"or": [leaf("100002", "EQ", None, "skill"), leaf("100002", "GTE", 75, "skill")]}]}


@pytest.mark.parametrize(("tree", "expected"), [
    (None, Profile()),
    (APP_ONLY, Profile(client_type="TOLOKA_APP")),
    ({"and": [{"or": [leaf("languages", "IN", ["RU", "UK"], "profile")]}]}, Profile(languages=("EN", "RU"))),
    ({"and": [{"or": [leaf("languages", "NOT_IN", ["EN"], "profile")]},
              {"or": [leaf("languages", "IN", "DE", "profile")]}]},
     Profile(languages=("DE",))),
    (leaf("client_type", "NE", "BROWSER"), Profile(client_type="TOLOKA_APP")),
    ({"or": [leaf("country", "EQ", "FR", "profile"), leaf("region_by_ip", "IN", [225])]},
     Profile(other={"country": "FR"})),
    ({"and": [leaf("date_of_birth", "GT", 100, "profile")]}, Profile(other={"date_of_birth": 101})),
], ids=["none", "app-only-seed-000", "language", "not-en-but-de", "not-browser", "country-or-region", "greater"])
def test_fit_passes_the_filter(tree: Any, expected: Profile) -> None:
    got = fit(tree)
    assert got == expected
    assert matches(tree, got.facts()) and failures(tree, got.facts()) == []


def test_what_no_new_worker_can_meet_is_named() -> None:
    tree = {"and": [leaf("client_type", "EQ", "TOLOKA_APP"), leaf("7", "GTE", 80, "skill")]}
    got = fit(tree)
    assert got.client_type == "TOLOKA_APP"  # what can be met is met
    assert failures(tree, got.facts()) == ["skill 7 is at least 80"]


def test_failures_in_words() -> None:
    browser = Profile()
    assert failures(APP_ONLY, browser.facts()) == ["client type is TOLOKA_APP"]
    tree = {"and": [{"or": [leaf("languages", "IN", ["RU"], "profile"), leaf("country", "EQ", "RU", "profile")]}]}
    assert failures(tree, browser.facts()) == ["languages include one of RU or country is RU"]
