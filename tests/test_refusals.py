"""services/refusals.py: each refusal says what happened, why and until when, with the API's codes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.services import pools, projects, refusals, restrictions, workers
from clipcrowd.store.db import Database
from tests.factories import pool_body, text_project


@pytest.mark.parametrize(("status", "reason", "words"), [
    ("CLOSED", "COMPLETED", "all its tasks have the answers they need"),
    ("CLOSED", "MANUAL", "its requester closed it"),
    ("CLOSED", "EXPIRED", "reached its end date"),
    ("CLOSED", "NOT_STARTED", "has not opened it yet"),
    ("CLOSED", None, "it is closed"),
    ("ARCHIVED", "MANUAL", "archived"),
])
def test_closed_pools_say_why(status: str, reason: str | None, words: str) -> None:
    exc = refusals.closed(7, status, reason)
    assert exc.code == "POOL_CLOSED" and exc.status_code == 409 and words in exc.message
    assert "another pool" in exc.message and exc.payload is None


def test_the_longest_restriction_is_the_one_told(db: Database) -> None:
    project = projects.create(db, text_project())["id"]
    pool_id = int(pools.create(db, pool_body(project))["id"])
    ann = workers.create(db, {"login": "ann"})
    soon = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    later = soon + timedelta(days=5)
    for scope, until in (("POOL", soon), ("PROJECT", later)):
        restrictions.create(db, {"user_id": ann["id"], "scope": scope, "project_id": project,
                                 "pool_id": str(pool_id), "will_expire": format_time(until)})
    with db.read() as conn:
        exc = refusals.restricted(conn, int(ann["id"]), int(project), pool_id)
    assert exc.code == "RESTRICTED" and exc.until == later and "every pool of this project" in exc.message
    assert refusals.shown(exc)["until"] == later.isoformat(timespec="seconds")
    restrictions.create(db, {"user_id": ann["id"], "scope": "ALL_PROJECTS"})
    with db.read() as conn:
        exc = refusals.restricted(conn, int(ann["id"]), int(project), pool_id)
    assert exc.until is None and "every pool of every project with no end date" in exc.message
