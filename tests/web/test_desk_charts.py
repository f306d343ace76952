"""The desk's charts: SVG drawn on the server from SQL counts, on the pool page and for a project's
pools, read back with xml.etree (bars follow the data, labels stay text), shown in Chromium at
1280 and 375 px. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import httpx
import pytest
from jinja2 import Environment
from sqlalchemy import select, update

from clipcrowd.services import bulk_fill, pools
from clipcrowd.services import tasks as task_service
from clipcrowd.store.tables import assignments, pool_worker_stats, workers
from clipcrowd.web._session import templates
from tests.web.axe import shots
from tests.web.conftest import LiveServer, sign_in_desk

# No module-wide browser mark: only the tests that drive Chromium have it, so the others sort after the
# browser tests (tests/conftest.py) and a test process does not close Chromium for them and start it again.

SVG = "{http://www.w3.org/2000/svg}"
PROJECT = {"public_name": "Charts", "task_spec": {"input_spec": {"text": {"type": "string"}},
                                                  "output_spec": {"result": {"type": "string"}}}}
POOL = {"private_name": "Charted pool", "reward_per_assignment": 0.01, "assignment_max_duration_seconds": 600,
        "will_expire": "2099-01-01T00:00:00", "defaults": {"default_overlap_for_new_task_suites": 3},
        "quality_control": {"configs": [{
            "collector_config": {"type": "ASSIGNMENT_SUBMIT_TIME", "parameters": {
                "history_size": 5, "fast_submit_threshold_seconds": 20}},
            "rules": [{"conditions": [{"key": "fast_submitted_count", "operator": "GTE", "value": 3}],
                       "action": {"type": "RESTRICTION_V2", "parameters": {
                           "scope": "POOL", "duration": 1, "duration_unit": "DAYS", "private_comment": "fast"}}}]}]}}
HOSTILE = "<script>alert(1)</script>"


def charted(live: LiveServer) -> dict[str, Any]:
    """A pool of 30 tasks answered 3 times by 5 workers (18 suites of one task each), then: worker 5's
    suites skipped, worker 4's after the 30th expired, worker 2 named `<script>…`, the first six
    suites submitted in 5 s (fast), golden sums 9/10, 5/10 and 10/10 for workers 1-3."""
    filled = bulk_fill.fill(live.db, PROJECT, POOL, count=30, overlap=3, crowd=5, status="SUBMITTED")
    w = filled.worker_ids
    pool_id = int(filled.pool_id)
    a = assignments.c
    with live.db.write() as conn:
        conn.execute(update(assignments).where(a.worker_id == w[4]).values(status="SKIPPED", submitted=None))
        conn.execute(update(assignments).where(a.worker_id == w[3], a.id > 30).values(status="EXPIRED", submitted=None))
        conn.execute(update(workers).where(workers.c.id == w[1]).values(login=HOSTILE))
        fast = [i for (i,) in conn.execute(select(a.id).where(a.pool_id == pool_id).order_by(a.id).limit(6))]
        submitted = conn.execute(select(a.submitted).where(a.id == fast[0])).scalar_one()
        conn.execute(update(assignments).where(a.id.in_(fast)).values(created=submitted - timedelta(seconds=5)))
        for worker, right in ((w[0], 9), (w[1], 5), (w[2], 10)):
            conn.execute(update(pool_worker_stats).where(pool_worker_stats.c.pool_id == pool_id,
                                                         pool_worker_stats.c.worker_id == worker)
                         .values(golden_right=right, golden_total=10))
    return {"pool": filled.pool_id, "project": filled.project_id, "workers": w,
            "answered": answered_per_worker(live, pool_id)}


def answered_per_worker(live: LiveServer, pool_id: int) -> dict[int, int]:
    """What the chart should show, counted the plain way: SUBMITTED suites (one task each) per worker."""
    with live.db.read() as conn:
        rows = conn.execute(select(assignments.c.worker_id, assignments.c.id).where(
            assignments.c.pool_id == pool_id, assignments.c.status == "SUBMITTED")).all()
    counts: dict[int, int] = {}
    for worker, _ in rows:
        counts[worker] = counts.get(worker, 0) + 1
    return counts


def get_svg(live: LiveServer, path: str) -> tuple[str, ET.Element]:
    response = httpx.get(f"{live.url}{path}", cookies={"clipcrowd_token": live.requester_token}, timeout=30)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    return response.text, ET.fromstring(response.text)


def bars(root: ET.Element, series: str = "0") -> list[float]:
    return [float(r.get("height") or 0) for r in root.iter(f"{SVG}rect")
            if r.get("class") == "bar" and r.get("data-series") == series]


def values(root: ET.Element, series: str = "0") -> list[float]:
    return [float(r.get("data-value") or 0) for r in root.iter(f"{SVG}rect")
            if r.get("class") == "bar" and r.get("data-series") == series]


def test_pool_charts_follow_the_data_and_escape_labels(live_any_db: LiveServer) -> None:
    live = live_any_db
    made = charted(live)
    base = f"/desk/pools/{made['pool']}/charts"

    raw, root = get_svg(live, f"{base}/answers-per-worker.svg")
    assert root.get("role") == "img" and root.get("viewBox") and root.get("width") == "100%"
    assert "Answers per worker" in (root.findtext(f"{SVG}title") or "")
    expected = sorted(made["answered"].values(), reverse=True)
    assert values(root) == expected and len(expected) == 4 and expected[0] > expected[-1]  # most first
    heights = bars(root)
    assert heights[-1] / heights[0] == pytest.approx(expected[-1] / expected[0])  # heights follow the data
    assert HOSTILE not in raw and "&lt;script&gt;" in raw  # escaped in the text, in titles and in the desc
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "x-label"]
    assert any((label or "").startswith("<script>") for label in labels)  # read back as the characters
    assert HOSTILE in (root.findtext(f"{SVG}desc") or "")

    _, root = get_svg(live, f"{base}/quality.svg")
    assert values(root) == [0, 0, 0, 0, 0, 1, 0, 0, 0, 2]  # 50 %; 90 % and 100 % in the top tenth
    assert values(root, "1") == []  # no aggregation run yet: golden accuracy only
    assert "No aggregation run" in (root.findtext(f"{SVG}desc") or "")

    _, root = get_svg(live, f"{base}/submit-times.svg")
    counted = values(root)
    answered = sum(made["answered"].values())
    assert sum(counted) == answered and [v for v in counted if v] == [6, answered - 6]  # fast six at 5 s, rest 30 s
    markers = [m for m in root.iter(f"{SVG}line") if m.get("class") == "marker"]
    assert len(markers) == 1
    rects = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar" and float(r.get("data-value") or 0)]
    marker_x = float(markers[0].get("x1") or 0)
    assert float(rects[0].get("x") or 0) < marker_x < float(rects[-1].get("x") or 0)  # 20 s: between 5 and 30
    assert "fast-submit threshold 20 s" in (root.findtext(f"{SVG}desc") or "")

    _, root = get_svg(live, f"{base}/completion.svg")
    points = [float(c.get("data-value") or 0) for c in root.iter(f"{SVG}circle")]
    assert points and points[-1] == round(100 * answered / 90, 1) and points == sorted(points)
    assert f"{answered} answers of 90 wanted" in (root.findtext(f"{SVG}desc") or "")

    missing = httpx.get(f"{live.url}{base}/pie.svg", cookies={"clipcrowd_token": live.requester_token})
    assert missing.status_code == 404 and "no chart" in missing.text
    signed_out = httpx.get(f"{live.url}{base}/quality.svg", follow_redirects=False)
    assert signed_out.status_code == 303 and "/desk/sign-in" in signed_out.headers["location"]


def test_project_charts_count_across_its_pools(live_any_db: LiveServer) -> None:
    live = live_any_db
    made = charted(live)
    second = pools.create(live.db, {**POOL, "private_name": "second", "project_id": made["project"]})
    batch = task_service.prepare(live.db, [{"pool_id": second["id"], "input_values": {"text": f"s{i}"},
                                            "overlap": 2} for i in range(10)], allow_defaults=False, skip_invalid=False)
    with live.db.write() as conn:
        task_service.write(conn, batch)
    bulk_fill.answer(live.db, int(second["id"]), overlap=2, crowd=2, status="ACCEPTED")
    base = f"/desk/projects/{made['project']}/charts"
    answered = sum(made["answered"].values())
    _, root = get_svg(live, f"{base}/completion.svg")
    assert f"{answered + 20} answers of 110 wanted" in (root.findtext(f"{SVG}desc") or "")
    assert "all pools of project Charts" in (root.findtext(f"{SVG}title") or "")
    _, root = get_svg(live, f"{base}/answers-per-worker.svg")
    assert sorted(values(root)) == sorted([*made["answered"].values(), 10, 10])
    _, root = get_svg(live, f"{base}/submit-times.svg")
    assert sum(values(root)) == answered + 20
    gone = httpx.get(f"{live.url}/desk/projects/999999/charts/quality.svg",
                     cookies={"clipcrowd_token": live.requester_token})
    assert gone.status_code == 404


@pytest.mark.browser
def test_charts_on_the_pool_page_and_the_project_partial(live: LiveServer, browser: Any) -> None:
    made = charted(live)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_desk(page, live, f"/desk/pools/{made['pool']}")
    figures = page.locator("[data-testid=charts] figure img")
    assert figures.count() == 4
    for i in range(4):
        img = figures.nth(i)
        img.scroll_into_view_if_needed()
        page.wait_for_function("(el) => el.complete && el.naturalWidth > 0", arg=img.element_handle())
        assert len(img.get_attribute("alt") or "") > 30
    # the action bar no longer sticks over the figures at 375 px
    page.set_viewport_size({"width": 375, "height": 800})
    bar = page.locator(".pool-actions").evaluate("(el) => getComputedStyle(el).position")
    assert bar == "static"
    shots(page, "desk-pool-charts")

    # the project page is another room's: its partial, rendered alone inside the desk's layout
    partial = templates.env.get_template("desk/_project_charts.html").render(project={"id": made["project"]})
    assert isinstance(templates.env, Environment)
    page_url = f"{live.url}/desk/_test/project-charts"
    html = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>project charts</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="stylesheet" href="/static/web/style.css"></head><body><main>{partial}</main></body></html>')
    page.route(page_url, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(page_url)
    imgs = page.locator("[data-testid=charts] img")
    assert imgs.count() == 4
    assert imgs.first.get_attribute("src") == f"/desk/projects/{made['project']}/charts/completion.svg"
    for i in range(4):
        imgs.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("(el) => el.complete && el.naturalWidth > 0", arg=imgs.nth(i).element_handle())
    shots(page, "desk-project-charts")
