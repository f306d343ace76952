"""services/invites.py: an invite's profile comes from the pool's filter; an override that fails it is
refused with the condition named (or made when asked, listing it); the created worker carries it all."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.services import invites, pools, projects, skills
from clipcrowd.store.db import Database
from clipcrowd.store.tables import workers
from tests.factories import pool_body, text_project

FILTER = {"and": [{"or": [{"category": "profile", "key": "languages", "operator": "IN", "value": ["RU"]}]},
                  {"or": [{"category": "computed", "key": "client_type", "operator": "EQ", "value": "TOLOKA_APP"}]},
                  {"or": [{"category": "profile", "key": "country", "operator": "EQ", "value": "KZ"}]}]}


def _pool(db: Database, tree: Any) -> int:
    made = projects.create(db, text_project())
    return int(pools.create(db, pool_body(made["id"], filter=tree))["id"])


def test_defaults_pass_the_filter_and_reach_the_worker(db: Database) -> None:
    pool_id = _pool(db, FILTER)
    assert invites.defaults(db, pool_id) == {"client_type": "TOLOKA_APP", "languages": ["EN", "RU"],
                                              "profile": {"country": "KZ"}, "unmet": []}
    made = invites.create(db, pool_id, {})
    assert made["failing"] == [] and made["profile"] == {"country": "KZ"}
    token, landed = invites.redeem(db, made["code"], "aigerim", "password123")
    assert landed == pool_id and token
    with db.read() as conn:
        row = conn.execute(select(workers).where(workers.c.login == "aigerim")).one()
    assert (row.client_type, row.languages, row.profile) == ("TOLOKA_APP", ["EN", "RU"], {"country": "KZ"})


def test_an_override_that_fails_is_refused_unless_accepted(db: Database) -> None:
    pool_id = _pool(db, FILTER)
    with pytest.raises(ValidationFailed) as refused:
        invites.create(db, pool_id, {"client_type": "BROWSER"})
    assert "client_type" in refused.value.payload and "client type is TOLOKA_APP" in refused.value.message
    made = invites.create(db, pool_id, {"client_type": "BROWSER", "accept_failing": True})
    assert made["failing"] == ["client type is TOLOKA_APP"]


def test_skill_conditions_are_unmet_by_any_invite(db: Database) -> None:
    skill = skills.create(db, {"name": "accuracy"})["id"]
    pool_id = _pool(db, {"and": [{"category": "skill", "key": skill, "operator": "GTE", "value": 70}]})
    assert invites.defaults(db, pool_id)["unmet"] == [f"skill {skill} is at least 70"]
    with pytest.raises(ValidationFailed):
        invites.create(db, pool_id, {})


@pytest.mark.parametrize(("body", "field"), [
    ({"languages": ["E N"]}, "languages"),
    ({"languages": ["x" * 50]}, "languages"),
    ({"languages": [5]}, "languages"),
    ({"client_type": "FAX"}, "client_type"),
    ({"profile": {"country": {"nested": 1}}}, "profile"),
    ({"profile": {"country": "x" * 500}}, "profile"),
    ({"profile": "KZ"}, "profile"),
    ({"max_uses": 0}, "max_uses"),
], ids=["space", "long", "number", "client", "nested", "long-value", "not-object", "max-uses"])
def test_bad_invite_fields_are_named(db: Database, body: dict[str, Any], field: str) -> None:
    pool_id = _pool(db, None)
    with pytest.raises(ValidationFailed) as refused:
        invites.create(db, pool_id, body)
    assert field in refused.value.payload
