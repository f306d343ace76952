"""Kili's labelling status of an asset, derived on the server from the crowd's work on the tasks that
point at it: one asset driven through TODO, ONGOING, LABELED, TO_REVIEW and REVIEWED with real
tasks, a real worker API and real reviews, read through the asset API and the Kili facade."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from clipcrowd.compat.kili import LABELLING_STATUSES, Kili
from clipcrowd.services import maintenance
from tests.factories import pool_body
from tests.ingest.conftest import Web
from tests.ingest.test_kili_queries import INTERFACE
from tests.support import Live


class Crowd:
    """The requester's HTTP client, and workers who take a pool's next task and answer it."""

    def __init__(self, live: Live, http: httpx.Client) -> None:
        self.live, self.http, self.tokens = live, http, {}

    def worker(self, login: str) -> dict[str, str]:
        if login not in self.tokens:
            made = self.http.post("/api/v1/workers", json={"login": login})
            assert made.status_code == 201, made.text
            self.tokens[login] = made.json()["token"]
        return {"Authorization": f"Bearer {self.tokens[login]}"}

    def answer(self, login: str, pool_id: str, label: str = "A") -> str:
        """``login`` takes the pool's next suite and submits ``label``: the assignment's id."""
        headers = self.worker(login)
        suite = httpx.post(f"{self.live.url}/api/v1/worker/pools/{pool_id}/next", headers=headers)
        assert suite.status_code == 200, suite.text
        body = suite.json()
        sent = httpx.post(f"{self.live.url}/api/v1/worker/assignments/{body['id']}/submit", headers=headers,
                          json={"solutions": [{"output_values": {"JOB_0": label}} for _ in body["tasks"]]})
        assert sent.status_code == 200, sent.text
        return str(body["id"])

    def review(self, assignment_id: str, status: str) -> None:
        done = self.http.patch(f"/api/v1/assignments/{assignment_id}",
                               json={"status": status, "public_comment": "checked"})
        assert done.status_code == 200 and done.json()["status"] == status, done.text

    def pool(self, project_id: str, asset_id: str, overlap: int, **rules: Any) -> str:
        """A pool with one task pointing at the asset (made from it), opened."""
        pool = self.http.post("/api/v1/pools", json=pool_body(project_id, **rules))
        assert pool.status_code == 201, pool.text
        made = self.http.post("/api/v1/assets/tasks",
                              json={"pool_id": pool.json()["id"], "asset_ids": [asset_id], "overlap": overlap})
        assert made.status_code == 201, made.text
        assert self.http.post(f"/api/v1/pools/{pool.json()['id']}/open").status_code == 202
        return str(pool.json()["id"])


def test_one_asset_through_every_labelling_status(kili: Kili, ingest_live: Live, web: Web,
                                                  workdir: Path) -> None:
    project_id = kili.create_project("statuses", "", "VIDEO", INTERFACE)["id"]
    url = web.url("short_video.mp4")
    ids = kili.append_many_to_dataset(project_id, content_array=[url, url],
                                      external_id_array=["watched", "idle"])["asset_ids"]
    asset, idle = ids

    with httpx.Client(base_url=ingest_live.url, headers=ingest_live.headers) as http:
        crowd = Crowd(ingest_live, http)

        def api_status() -> str:
            got = http.get(f"/api/v1/assets/{asset}")
            assert got.status_code == 200 and got.json()["status"] == "READY"  # processing keeps its own field
            return str(got.json()["labelling_status"])

        def check(expected: str) -> None:
            assert api_status() == expected
            listed = http.get("/api/v1/assets", params={"project_id": project_id, "labelling_status": expected})
            assert [a["id"] for a in listed.json()["items"]] == ([asset] if expected != "TODO" else [asset, idle])
            assert kili.assets(project_id, fields=["id", "status", "processingStatus"], status_in=[expected]) == (
                [{"id": asset, "status": expected, "processingStatus": "READY"}] if expected != "TODO" else
                [{"id": asset, "status": "TODO", "processingStatus": "READY"},
                 {"id": idle, "status": "TODO", "processingStatus": "READY"}])
            others = [s for s in LABELLING_STATUSES if s != expected]
            assert kili.count_assets(project_id, status_in=others) == (0 if expected == "TODO" else 1)  # idle
            assert kili.count_assets(project_id, status_in=[expected, "TODO"]) == 2

        check("TODO")
        # a pool that accepts answers as they come: two answers wanted
        automatic = crowd.pool(project_id, asset, overlap=2)
        check("TODO")  # a task points at it, nobody answered yet
        crowd.answer("ann", automatic)
        check("ONGOING")
        crowd.answer("bob", automatic)
        check("LABELED")
        # then a pool whose answers the requester reviews, with a new task on the same asset
        manual = crowd.pool(project_id, asset, overlap=1, auto_accept_solutions=False, auto_accept_period_day=7)
        check("ONGOING")
        first = crowd.answer("ann", manual)
        check("TO_REVIEW")
        crowd.review(first, "REJECTED")
        check("ONGOING")  # a rejected answer frees its slot: the asset goes back to the crowd
        second = crowd.answer("bob", manual)
        check("TO_REVIEW")
        crowd.review(second, "ACCEPTED")
        check("REVIEWED")

        frame = kili.assets(project_id, fields=["externalId", "status", "processingStatus"], format="pandas")
        assert isinstance(frame, pd.DataFrame)
        assert frame.to_dict("records") == [
            {"externalId": "watched", "status": "REVIEWED", "processingStatus": "READY"},
            {"externalId": "idle", "status": "TODO", "processingStatus": "READY"}]
        page = http.get("/api/v1/assets", params={"project_id": project_id, "fields": "external_id,labelling_status"})
        assert page.json()["items"] == [{"id": asset, "external_id": "watched", "labelling_status": "REVIEWED"},
                                        {"id": idle, "external_id": "idle", "labelling_status": "TODO"}]


def test_bad_labelling_statuses_are_refused(kili: Kili, ingest_live: Live) -> None:
    project_id = kili.create_project("bad", "", "VIDEO", INTERFACE)["id"]
    with httpx.Client(base_url=ingest_live.url, headers=ingest_live.headers) as http:
        for value in ("READY", "labeled", "TODO,DONE", "x" * 5000):
            refused = http.get("/api/v1/assets", params={"project_id": project_id, "labelling_status": value})
            assert refused.status_code == 400, value
            body = refused.json()
            assert body["code"] == "VALIDATION_ERROR" and "labelling_status" in body["payload"], body
        many = http.get("/api/v1/assets", params={"labelling_status": ",".join(f"S{i}" for i in range(2000))})
        assert many.status_code == 400 and "labelling_status" in many.json()["payload"]
        fields = http.get("/api/v1/assets", params={"fields": "labelling_state"})
        assert fields.status_code == 400 and "fields" in fields.json()["payload"]
    for bad in (["READY"], ["labeled"], "LABELED", [None]):
        with pytest.raises(ValueError, match="status_in"):
            kili.assets(project_id, status_in=bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="status_in"):
            kili.count_assets(project_id, status_in=bad)  # type: ignore[arg-type]


def test_the_migration_links_tasks_that_existed_before(tmp_path: Path) -> None:
    """Tasks written before ``asset_tasks`` existed get their links when the schema is upgraded."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import insert, select

    from clipcrowd.domain.timeutil import utcnow
    from clipcrowd.store import db as store_db
    from clipcrowd.store.db import Database
    from clipcrowd.store.tables import asset_tasks, assets, pools, projects, tasks

    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(store_db._MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database.url)
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0011")
    now = utcnow()
    with database.engine.begin() as conn:
        for project in (1, 2):
            conn.execute(insert(projects).values(id=project, status="ACTIVE", created=now, data={}))
            conn.execute(insert(pools).values(id=project, project_id=project, status="OPEN", created=now, data={}))
        for asset, project in ((1, 1), (2, 1), (3, 2)):
            conn.execute(insert(assets).values(id=asset, project_id=project, external_id=str(asset), kind="VIDEO",
                                               status="READY", created=now, updated=now, source={}, json_metadata={}))
        values = {10: {"asset": "/api/v1/assets/000000000001/media"},
                  11: {"asset": "http://host/api/v1/assets/2/cover", "more": ["/api/v1/assets/1/frames/3"]},
                  12: {"asset": "/api/v1/assets/3/media"},  # an asset of another project: no link
                  13: {"asset": "/api/v1/assets/99/media"},  # no such asset
                  14: {"asset": "/api/v1/assets/1x/media", "text": "assets/1",  # not pointers
                       "huge": "/api/v1/assets/" + "9" * 40 + "/media"}}
        for task_id, inputs in values.items():
            conn.execute(insert(tasks).values(id=task_id, pool_id=1, overlap=1, infinite_overlap=False, golden=False,
                                              assigned_count=0, answered_count=0, created=now,
                                              data={"input_values": inputs}))
    database.migrate()
    with database.read() as conn:
        links = sorted(tuple(r) for r in conn.execute(select(asset_tasks.c.asset_id, asset_tasks.c.task_id)))
    assert links == [(1, 10), (1, 11), (2, 11)]
    database.dispose()


def test_an_answer_accepted_when_the_review_period_ran_out_is_labeled_not_reviewed(
        kili: Kili, ingest_live: Live, web: Web) -> None:
    """Only a person's review makes an asset REVIEWED: the maintenance tick's acceptance leaves it LABELED."""
    project_id = kili.create_project("late review", "", "VIDEO", INTERFACE)["id"]
    asset, other = kili.append_many_to_dataset(project_id, content_array=[web.url("short_video.mp4")] * 2,
                                               external_id_array=["unreviewed", "reviewed"])["asset_ids"]
    with httpx.Client(base_url=ingest_live.url, headers=ingest_live.headers) as http:
        crowd = Crowd(ingest_live, http)
        # a review period of 0 days: the next tick (the server's own, or this one) accepts what nobody
        # reviewed; 7 days: the requester reviews first
        answered = {}
        for target, login, days in ((asset, "ann", 0), (other, "bob", 7)):
            pool = crowd.pool(project_id, target, overlap=1, auto_accept_solutions=False, auto_accept_period_day=days)
            answered[target] = crowd.answer(login, pool)
        crowd.review(answered[other], "ACCEPTED")
        maintenance.tick(ingest_live.db)
        for assignment_id in answered.values():
            assert http.get(f"/api/v1/assignments/{assignment_id}").json()["status"] == "ACCEPTED"
        statuses = {a["id"]: a["labelling_status"] for a in http.get(
            "/api/v1/assets", params={"project_id": project_id, "fields": "labelling_status"}).json()["items"]}
        assert statuses == {asset: "LABELED", other: "REVIEWED"}
        assert kili.assets(project_id, fields=["id", "status"], status_in=["LABELED"]) == [
            {"id": asset, "status": "LABELED"}]
