"""`auto_close_after_complete_delay_seconds`: a complete pool stays open that long after its last
submission (so more tasks can be added without reopening it), then the maintenance loop closes it;
without the setting the last submission closes it at once, as before."""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import select, update

from clipcrowd.domain.bounds import MAX_AUTO_CLOSE_DELAY_SECONDS
from clipcrowd.services import maintenance
from clipcrowd.services.pools import close_all_complete
from clipcrowd.store.db import Database
from clipcrowd.store.tables import pools
from tests.apiclient import Api, add_tasks, make_pool, worker
from tests.apiclient import expect_error as _error
from tests.factories import pool_body, text_project
from tests.support import ManualClock, migrate


def _answer_all(api: Api, pool_id: str, person: dict[str, Any]) -> int:
    done = 0
    while (got := api.call("POST", f"/api/v1/worker/pools/{pool_id}/next", headers=person["headers"])).status_code \
            == 200:
        api.ok("POST", f"/api/v1/worker/assignments/{got.json()['id']}/submit", headers=person["headers"],
               json={"solutions": [{"output_values": {"result": "a"}} for _ in got.json()["tasks"]]})
        done += 1
    return done


def _status(api: Api, pool_id: str) -> tuple[str, str | None]:
    pool = api.ok("GET", f"/api/v1/pools/{pool_id}")
    return pool["status"], pool.get("last_close_reason")


def test_a_complete_pool_waits_out_its_delay(api: Api, db: Database, clock: ManualClock) -> None:
    pool = make_pool(api, auto_close_after_complete_delay_seconds=600,
                     defaults={"default_overlap_for_new_tasks": 1, "default_overlap_for_new_task_suites": 1})
    assert pool["auto_close_after_complete_delay_seconds"] == 600
    add_tasks(api, pool["id"], 1)
    api.ok("POST", f"/api/v1/pools/{pool['id']}/open")
    person = worker(api, "patient", languages=["EN"], client_type="BROWSER")
    assert _answer_all(api, pool["id"], person) == 1
    assert _status(api, pool["id"]) == ("OPEN", None)  # complete, but within its delay
    clock.advance(300)
    maintenance.tick(db)
    assert _status(api, pool["id"]) == ("OPEN", None)
    add_tasks(api, pool["id"], 1)  # the delay is for this: more work, no reopening
    assert _answer_all(api, pool["id"], person) == 1
    clock.advance(599)
    maintenance.tick(db)
    assert _status(api, pool["id"]) == ("OPEN", None)  # the delay counts from the last submission
    clock.advance(2)
    maintenance.tick(db)
    assert _status(api, pool["id"]) == ("CLOSED", "COMPLETED")


def test_without_a_delay_the_last_submission_closes_the_pool(api: Api) -> None:
    for delay in (None, 0):
        extra = {} if delay is None else {"auto_close_after_complete_delay_seconds": delay}
        pool = make_pool(api, defaults={"default_overlap_for_new_tasks": 1}, **extra)
        add_tasks(api, pool["id"], 1)
        api.ok("POST", f"/api/v1/pools/{pool['id']}/open")
        assert _answer_all(api, pool["id"], worker(api, f"quick{delay}", languages=["EN"])) == 1
        assert _status(api, pool["id"]) == ("CLOSED", "COMPLETED")


def test_a_bad_delay_is_refused(api: Api) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    for bad in (-1, "60", 1.5, True, 10**9):
        body = pool_body(project["id"], auto_close_after_complete_delay_seconds=bad)
        _error(api.call("POST", "/api/v1/pools", json=body), 400, "VALIDATION_ERROR",
               "auto_close_after_complete_delay_seconds")
    assert api.ok("GET", "/api/v1/pools")["items"] == []


def test_stored_delays_of_any_shape_are_made_whole_seconds_by_the_migration(api: Api, db: Database) -> None:
    """Pools stored while the field passed through unread may hold any JSON there; after 0028 each is a
    whole number of seconds within bounds, or absent, and the statements that read it run on both databases."""
    shapes: dict[str, Any] = {"text": "600", "fraction": 90.6, "negative": -5, "huge": 1e30, "boolean": True,
                              "null": None, "whole": 120}
    ids = {name: make_pool(api)["id"] for name in [*shapes, "absent"]}
    migrate(db, command.downgrade, "0027_aggregate")
    with db.write() as conn:
        for name, value in shapes.items():
            row = conn.execute(select(pools.c.data).where(pools.c.id == int(ids[name]))).scalar_one()
            conn.execute(update(pools).where(pools.c.id == int(ids[name])).values(
                data={**row, "auto_close_after_complete_delay_seconds": value}))
    migrate(db, command.upgrade, "head")
    with db.read() as conn:
        stored = {name: conn.execute(select(pools.c.data).where(pools.c.id == int(pool_id))).scalar_one()
                  for name, pool_id in ids.items()}
    delays = {name: data.get("auto_close_after_complete_delay_seconds", "gone") for name, data in stored.items()}
    assert delays == {"text": "gone", "fraction": 91, "negative": 0, "huge": MAX_AUTO_CLOSE_DELAY_SECONDS,
                      "boolean": "gone", "null": "gone", "whole": 120, "absent": "gone"}
    with db.write() as conn:
        assert close_all_complete(conn) == 0  # nothing complete; the statement reads every pool's delay
