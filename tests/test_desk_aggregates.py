"""The requester desk over stored aggregation results, through real HTTP on SQLite and PostgreSQL:
starting a run from the pool page, labels on the review queue and in the downloads, qualities in
the worker table.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from clipcrowd.store.tables import operations
from tests.answered_pool import TRUTH, answered_pool
from tests.apiclient import Api
from tests.support import Live

MANUAL_REVIEW = {"auto_accept_solutions": False, "auto_accept_period_day": 1}


@pytest.fixture
def desk(live: Live) -> Iterator[httpx.Client]:
    # a browser sends its page's Origin with every form post; the server refuses cookie posts without one
    with httpx.Client(base_url=live.url, cookies={"clipcrowd_token": live.token}, headers={"Origin": live.url},
                      timeout=30) as client:
        yield client


@pytest.fixture
def api(live: Live) -> Iterator[Api]:
    with httpx.Client(base_url=live.url, timeout=30) as client:
        yield Api(client, live.token)  # type: ignore[arg-type]


def wait(api: Api, op_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        op = api.ok("GET", f"/api/v1/operations/{op_id}")
        if op["status"] not in ("RUNNING", "PENDING") or time.monotonic() > deadline:
            return op
        time.sleep(0.05)


def aggregate(api: Api, pool_id: str, method: str) -> dict[str, Any]:
    started = api.ok("POST", "/api/v1/aggregated-solutions/aggregate-by-pool",
                     json={"pool_id": pool_id, "method": method, "include_submitted": True})
    op = wait(api, started["id"])
    assert op["status"] == "SUCCESS", op
    return op


def aggregation_runs(live: Live) -> int:
    with live.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(operations).where(
            operations.c.type == "SOLUTION.AGGREGATE")).scalar_one())


def queue_data(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="queue-data">(.*?)</script>', page, re.S)
    assert found, page
    data: dict[str, Any] = json.loads(found.group(1).replace("<\\/", "</"))
    return data


def test_pool_page_starts_a_run_and_shows_its_state(live: Live, desk: httpx.Client, api: Api) -> None:
    pool = answered_pool(api, **MANUAL_REVIEW)
    page = desk.get(f"/desk/pools/{pool['id']}").text
    assert 'action="/desk/pools/{}/aggregate"'.format(pool["id"]) in page
    assert re.findall(r'<option value="(\w+)"', page) == [
        "mv", "wawa", "gold_mv", "zbs", "ds", "one_coin_ds", "glad", "mace", "k_of_n"]
    assert "Majority vote weighted by golden accuracy (needs golden tasks)" in page  # named, not `gold_mv`
    assert "stored-aggregations" not in page

    # refused before anything starts: the page says why, with a 4xx, and no operation exists
    for form, status, needle in (({"method": "nope"}, 400, "unknown method &#39;nope&#39;"),
                                 ({"method": "ds"}, 400, "has no accepted answers"),
                                 ({"method": "gold_mv", "include_submitted": "true"}, 400, "needs golden tasks"),
                                 ({"method": "ds", "field": "colour", "include_submitted": "true"}, 400, "colour")):
        refused = desk.post(f"/desk/pools/{pool['id']}/aggregate", data=form)
        assert refused.status_code == status and needle in refused.text, (form, refused.text[:2000])
    assert aggregation_runs(live) == 0

    started = desk.post(f"/desk/pools/{pool['id']}/aggregate", data={"method": "ds", "include_submitted": "true"})
    assert started.status_code == 303
    location = started.headers["location"]
    op_id = re.fullmatch(rf"/desk/pools/{pool['id']}\?aggregation=([0-9a-f-]+)#aggregation", location)
    assert op_id is not None, location
    assert wait(api, op_id.group(1))["status"] == "SUCCESS"
    done = desk.get(location).text
    assert 'data-status="SUCCESS"' in done
    assert f"{len(TRUTH)} tasks labelled, 4 workers rated from 18 answers" in done
    rows = re.findall(r"<tr><td>([\w -]+)</td><td>(\w+)</td><td>(\d+)</td><td>(\d+)</td>", done)
    assert rows == [("Dawid-Skene", "result", str(len(TRUTH)), "4")]
    assert aggregation_runs(live) == 1
    # an id that is not an aggregation run of this pool shows no state
    other = desk.get(f"/desk/pools/{pool['id']}", params={"aggregation": "6f1c3cda-6a43-4f9b-8d1e-000000000000"})
    assert other.status_code == 200 and "aggregation-state" not in other.text


def test_review_downloads_and_workers_show_stored_results(desk: httpx.Client, api: Api) -> None:
    pool = answered_pool(api, **MANUAL_REVIEW)
    truth = dict(zip(pool["task_ids"], TRUTH, strict=True))
    review = f"/desk/pools/{pool['id']}/review"
    assert queue_data(desk.get(review).text)["aggregates"] == {}
    plain = desk.get(f"/desk/pools/{pool['id']}/results.csv").text
    assert "AGGREGATED:" not in plain.splitlines()[0]
    assert all("aggregated" not in r for r in desk.get(f"/desk/pools/{pool['id']}/results.json").json())

    op = aggregate(api, pool["id"], "ds")
    stored = {i["task_id"]: i for i in api.ok("GET", f"/api/v1/aggregated-solutions/{op['id']}")["items"]}
    queue = queue_data(desk.get(review).text)
    assert len(queue["items"]) == 18
    assert {t: a["result"]["label"] for t, a in queue["aggregates"].items()} == truth
    for task_id, agg in queue["aggregates"].items():
        assert agg["result"]["method"] == "ds"
        assert agg["result"]["confidence"] == pytest.approx(stored[task_id]["confidence"], abs=1e-4)

    rows = desk.get(f"/desk/pools/{pool['id']}/results.json").json()
    assert len(rows) == 18
    for row in rows:
        assert row["aggregated"]["result"]["label"] == truth[row["task_id"]]
        assert row["aggregated"]["result"]["method"] == "ds"
    table = list(csv.DictReader(io.StringIO(desk.get(f"/desk/pools/{pool['id']}/results.csv").text)))
    assert len(table) == 18
    for line in table:
        assert line["AGGREGATED:result"] == truth[line["ASSIGNMENT:task_id"]]
        assert line["AGGREGATED_BY:result"] == "ds"
        assert float(line["CONFIDENCE:result"]) == pytest.approx(stored[line["ASSIGNMENT:task_id"]]["confidence"],
                                                                 abs=1e-4)

    # the worker table shows each worker's stored quality per method
    aggregate(api, pool["id"], "mv")
    page = html.unescape(desk.get(f"/desk/pools/{pool['id']}/workers").text)
    cells = re.findall(r'<td[^>]*data-testid="aggregated-quality"[^>]*>(.*?)</td>', page, re.S)
    assert len(cells) == 4
    quality = {(q["user_id"], q["method"]): q["quality"]
               for q in api.ok("GET", "/api/v1/worker-quality", params={"pool_id": pool["id"]})["items"]}
    for login, user in pool["workers"].items():
        row = re.search(rf"<tr><td[^>]*>{login} .*?</tr>", page, re.S)
        assert row, login
        for method, name in (("ds", "Dawid-Skene"), ("mv", "Majority vote")):
            assert f"{name}: {round(100 * quality[(user, method)], 1)}%" in row.group(0), (login, row.group(0))
    assert quality[(pool["workers"]["cat"], "ds")] < min(
        quality[(pool["workers"][w], "ds")] for w in ("ann", "bob", "dan"))

    # the latest run wins on the review queue and in the downloads
    assert {a["result"]["method"] for a in queue_data(desk.get(review).text)["aggregates"].values()} == {"mv"}
    assert {r["aggregated"]["result"]["method"] for r in desk.get(f"/desk/pools/{pool['id']}/results.json").json()} \
        == {"mv"}
