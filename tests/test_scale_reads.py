"""Every read the desk and the API offer, on a pool of more than 65,535 tasks (PostgreSQL's limit of
bound parameters per statement), on SQLite and PostgreSQL, through real HTTP; and no statement sent
while doing so binds more than 1,000 parameters (an engine hook counts them).

The pool is filled once per database (module scope) in bulk: tasks through the task service,
answers written directly (`services.bulk_fill`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest
from sqlalchemy import event

from clipcrowd.services import bulk_fill
from clipcrowd.store.db import Database
from tests.factories import pool_body, text_project
from tests.support import Live, fresh_database, live_server

TASKS = 70_001  # more than 65,535: one parameter per task would break PostgreSQL
SUITE = 10
MAX_PARAMETERS = 1000


class ParameterCounter:
    """The most parameters any one statement carried since the last `reset`, and that statement."""

    def __init__(self, db: Database):
        self.most, self.statement = 0, ""
        event.listen(db.engine, "before_cursor_execute", self.seen)

    def seen(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        sets = parameters if many else [parameters]
        for one in sets or ():
            n = len(one) if one is not None else 0
            if n > self.most:
                self.most, self.statement = n, statement[:300]

    def reset(self) -> None:
        self.most, self.statement = 0, ""


class Big:
    def __init__(self, live: Live, filled: bulk_fill.Filled, counter: ParameterCounter):
        self.live, self.filled, self.counter = live, filled, counter
        self.http = httpx.Client(base_url=live.url, headers=live.headers, cookies={"clipcrowd_token": live.token},
                                 timeout=300)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        response = self.http.get(path, **kw)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def big(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Big]:
    home = tmp_path_factory.mktemp(f"big-{request.param}")
    db = fresh_database(request.param, home)
    pool = {k: v for k, v in pool_body("0", auto_accept_solutions=False, auto_accept_period_day=1).items()
            if k != "project_id"}
    filled = bulk_fill.fill(db, text_project(), pool, count=TASKS, overlap=1, suite=SUITE, crowd=25,
                            status="SUBMITTED")
    counter = ParameterCounter(db)
    with live_server(db, home) as live:
        made = Big(live, filled, counter)
        yield made
        made.http.close()
    db.dispose()


@pytest.fixture(autouse=True)
def few_parameters(big: Big) -> Iterator[None]:
    big.counter.reset()
    yield
    assert big.counter.most <= MAX_PARAMETERS, (big.counter.most, big.counter.statement)


def test_parameter_counter_sees_statements(big: Big) -> None:
    """The hook is live: a page read reaches it, and a statement with many parameters is caught."""
    big.get(f"/api/v1/pools/{big.filled.pool_id}")
    assert big.counter.most >= 1
    with big.live.db.read() as conn:
        from sqlalchemy import select

        from clipcrowd.store.tables import tasks
        conn.execute(select(tasks.c.id).where(tasks.c.id.in_(list(range(1500))))).all()
    assert big.counter.most >= 1500
    big.counter.reset()


def test_csv_and_json_exports(big: Big) -> None:
    pool_id = big.filled.pool_id
    table = list(csv.DictReader(io.StringIO(big.get(f"/desk/pools/{pool_id}/results.csv").text)))
    assert len(table) == TASKS
    assert len({r["ASSIGNMENT:task_id"] for r in table}) == TASKS
    assert {r["OUTPUT:result"] for r in table} == {"a", "b"}
    rows = big.get(f"/desk/pools/{pool_id}/results.json").json()
    assert len(rows) == TASKS and rows[0]["status"] == "SUBMITTED"
    assert rows[-1]["input_values"]["text"] == f"t{TASKS - 1}"
    lines = big.get(f"/api/v1/pools/{pool_id}/results.jsonl").text.splitlines()
    assert len(lines) == TASKS and json.loads(lines[5]) == rows[5]


def test_parquet_and_tsv_exports(big: Big, tmp_path: Path) -> None:
    pool_id = big.filled.pool_id
    path = tmp_path / "r.parquet"
    path.write_bytes(big.get(f"/api/v1/pools/{pool_id}/results.parquet").content)
    parquet = pq.ParquetFile(path)
    assert parquet.metadata.num_rows == TASKS and parquet.metadata.num_row_groups > 1
    tsv = big.get(f"/api/new/requester/pools/{pool_id}/assignments.tsv",
                  params={"status": "SUBMITTED", "field": "ASSIGNMENT:task_id,ASSIGNMENT:worker_id"}).text
    assert len(tsv.splitlines()) == TASKS + 1
    assert big.get(f"/api/new/requester/pools/{pool_id}/assignments.tsv").text.count("\n") == 1  # none APPROVED


def test_assignments_paging(big: Big) -> None:
    seen, last, pages = 0, None, 0
    while True:
        params = {"pool_id": big.filled.pool_id, "sort": "id", "limit": 2000, **({"id_gt": last} if last else {})}
        page = big.get("/api/v1/assignments", params=params).json()
        seen += sum(len(a["tasks"]) for a in page["items"])
        pages += 1
        if not page["has_more"]:
            break
        last = page["items"][-1]["id"]
    assert seen == TASKS and pages == -(-TASKS // SUITE // 2000)
    # one page as large as the server allows names every task of the pool: still one list parameter
    whole = big.get("/api/v1/assignments", params={"pool_id": big.filled.pool_id, "limit": 100_000}).json()
    assert sum(len(a["tasks"]) for a in whole["items"]) == TASKS


def test_desk_pages_and_analytics(big: Big) -> None:
    pool_id = big.filled.pool_id
    assert "test pool" in big.get("/desk").text
    assert "100" in big.get(f"/desk/pools/{pool_id}").text  # completion
    review = big.get(f"/desk/pools/{pool_id}/review").text
    queue = json.loads(re.search(r'<script type="application/json" id="queue-data">(.*?)</script>', review, re.S)
                       .group(1))  # type: ignore[union-attr]
    assert len(queue["items"]) == 50 and all(len(i["tasks"]) == SUITE for i in queue["items"])
    workers = big.get(f"/desk/pools/{pool_id}/workers").text
    assert workers.count("bulk-") >= 25
    # the charts, from the counts the database's triggers kept while the pool was filled
    charts = {name: big.get(f"/desk/pools/{pool_id}/charts/{name}.svg").text
              for name in ("completion", "answers-per-worker", "submit-times")}
    assert f"{TASKS} answers of {TASKS} wanted received, 100.0% complete" in charts["completion"]
    assert "25 workers answered." in charts["answers-per-worker"]
    assert f"{-(-TASKS // SUITE)} suites submitted" in charts["submit-times"]
    body = [{"subject": "POOL", "subject_id": pool_id, "name": n}
            for n in ("submitted_assignments_count", "real_tasks_count", "workers_count", "completion_percentage")]
    op = big.http.post("/api/staging/analytics-2", json=body).json()
    values = [v["result"] for v in op["details"]["value"]]
    assert values == [-(-TASKS // SUITE), TASKS, 25, {"value": 100.0}]


def test_aggregate_by_pool_then_labelled_exports(big: Big) -> None:
    pool_id = big.filled.pool_id
    started = big.http.post("/api/v1/aggregated-solutions/aggregate-by-pool",
                            json={"pool_id": pool_id, "method": "mv", "include_submitted": True}).json()
    deadline = time.monotonic() + 600
    while (op := big.get(f"/api/v1/operations/{started['id']}").json())["status"] in ("RUNNING", "PENDING"):
        assert time.monotonic() < deadline, op
        time.sleep(0.2)
    assert op["status"] == "SUCCESS", op
    assert op["details"]["tasks"] == TASKS
    table = csv.DictReader(io.StringIO(big.get(f"/desk/pools/{pool_id}/results.csv").text))
    labelled = [r for r in table if r["AGGREGATED:result"]]
    assert len(labelled) == TASKS and all(r["AGGREGATED:result"] == r["OUTPUT:result"] for r in labelled)
    review = big.get(f"/desk/pools/{pool_id}/review").text
    assert '"method":"mv"' in review
    assert "Majority vote" in big.get(f"/desk/pools/{pool_id}/workers").text
