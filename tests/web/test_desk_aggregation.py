"""The desk in the browser: run an aggregation from the pool page, see the stored labels on the
review queue (answers that disagree marked) and each worker's quality in the worker table.
On SQLite and on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from clipcrowd.services import aggregation, operations
from tests.answered_pool import TRUTH, answered_pool
from tests.apiclient import Api
from tests.web.conftest import LiveServer, shot, sign_in_desk

pytestmark = pytest.mark.browser


def test_aggregate_from_the_pool_page_then_review_and_workers(live_any_db: LiveServer, browser: Any) -> None:
    live = live_any_db
    with httpx.Client(base_url=live.url, timeout=30) as http:
        api = Api(http, live.requester_token)  # type: ignore[arg-type]
        pool = answered_pool(api, auto_accept_solutions=False, auto_accept_period_day=1)
        submitted = api.ok("GET", "/api/v1/assignments", params={"pool_id": pool["id"], "limit": 100})["items"]
    truth = dict(zip(pool["task_ids"], TRUTH, strict=True))
    disagreeing = sum(a["solutions"][0]["output_values"]["result"] != truth[a["tasks"][0]["id"]] for a in submitted)
    assert len(submitted) == 18 and disagreeing >= 1  # cat said "b" on the "a" tasks she got

    page = browser.new_page(viewport={"width": 1100, "height": 900})
    sign_in_desk(page, live, f"/desk/pools/{pool['id']}")
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator("[data-testid=stored-aggregations]").count() == 0
    options = page.locator("[data-testid=aggregation-method] option").all_inner_texts()
    # methods by name, never by code (the codes stay the values sent)
    assert "Dawid-Skene" in options and "Majority vote" in options
    assert "Majority vote weighted by golden accuracy (needs golden tasks)" in options
    assert not {"ds", "mv", "wawa", "zbs", "k_of_n"} & set(options)

    # a refusal is shown on the page (no answer is accepted yet)
    page.select_option("[data-testid=aggregation-method]", "ds")
    page.click("button:has-text('Aggregate')")
    assert "no accepted answers" in page.inner_text("[role=status]")

    page.select_option("[data-testid=aggregation-method]", "ds")
    page.check("input[name=include_submitted]")
    page.click("button:has-text('Aggregate')")
    page.wait_for_selector("[data-testid=aggregation-status]:has-text('SUCCESS')", timeout=30000)
    assert f"{len(TRUTH)} tasks labelled, 4 workers rated" in page.inner_text("[data-testid=aggregation-state]")
    cells = page.locator("[data-testid=stored-aggregations] tbody tr").first.locator("td").all_inner_texts()
    assert cells[:4] == ["Dawid-Skene", "result", str(len(TRUTH)), "4"]
    shot(page, "desk-pool-aggregated")

    # while a run is RUNNING the page says so, watches the operation and redraws when it ends
    checked = aggregation.prepare(live.db, {"pool_id": pool["id"], "method": "mv", "include_submitted": True})
    op_id = operations.new_id(None)
    with live.db.write() as conn:  # the operation alone, without its job: it stays RUNNING until run below
        operations.start(conn, aggregation.OPERATION, checked.public(), op_id=op_id)
    page.goto(f"{live.url}/desk/pools/{pool['id']}?aggregation={op_id}")
    page.wait_for_selector("body[data-ready='1']")
    assert page.inner_text("[data-testid=aggregation-status]") == "RUNNING"
    assert "refreshes when it ends" in page.inner_text("[data-testid=aggregation-state]")
    aggregation.run(live.db, checked, op_id)
    page.wait_for_selector("[data-testid=aggregation-status]:has-text('SUCCESS')", timeout=10000)
    assert page.locator("[data-testid=stored-aggregations] tbody tr").count() == 2

    page.goto(f"{live.url}/desk/pools/{pool['id']}/review")
    page.wait_for_selector("body[data-ready='1']")
    shown = page.locator("[data-testid=aggregate]")
    assert shown.count() == 18
    assert page.locator("[data-testid=aggregate][data-disagrees='1']").count() == disagreeing
    assert page.locator("dd.disagrees").count() == disagreeing
    first = page.locator("article.review").first
    task_label = truth[submitted[0]["tasks"][0]["id"]]
    assert first.locator("[data-testid=aggregate] .agg-label").inner_text() == task_label
    assert "Majority vote, confidence" in first.locator("[data-testid=aggregate]").inner_text()  # the latest run
    flagged = page.locator("[data-testid=aggregate][data-disagrees='1']").first
    assert "this answer disagrees" in flagged.inner_text()
    flagged.scroll_into_view_if_needed()
    shot(page, "desk-review-aggregates")

    page.goto(f"{live.url}/desk/pools/{pool['id']}/workers")
    quality = page.locator("[data-testid=aggregated-quality]").all_inner_texts()
    assert len(quality) == 4 and all(q.startswith("Dawid-Skene: ") and ", Majority vote: " in q for q in quality)
    by_login = {row.locator("td").first.inner_text().split()[0]: float(
        row.locator("[data-testid=aggregated-quality]").inner_text().split(",")[0].removeprefix("Dawid-Skene: ")[:-1])
        for row in page.locator("[data-testid=workers] tbody tr").all()}
    assert by_login["cat"] < min(by_login[x] for x in ("ann", "bob", "dan"))
    shot(page, "desk-workers-aggregated-quality")
