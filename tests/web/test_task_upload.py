"""The desk's task upload in Chromium: a TSV with golden rows, a bad file refused with a report per row
(nothing created), the same file with "skip bad rows", a JSON file, and an over-size file refused."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from clipcrowd.store.tables import tasks
from tests.factories import pool_body, text_project
from tests.web.axe import shots
from tests.web.conftest import LiveServer, sign_in_desk, start_server

# No module-wide browser mark: only the tests that drive Chromium have it, so the others sort after the
# browser tests (tests/conftest.py) and a test process does not close Chromium for them and start it again.


def _count(live: LiveServer, pool_id: str, golden: bool | None = None) -> int:
    query = select(func.count()).select_from(tasks).where(tasks.c.pool_id == int(pool_id))
    if golden is not None:
        query = query.where(tasks.c.golden.is_(golden))
    with live.db.read() as conn:
        return int(conn.execute(query).scalar_one())


def _upload(page: Any, path: Path, *, fmt: str = "", skip: bool = False) -> None:
    page.set_input_files("input[name=file]", str(path))
    if fmt:
        page.select_option("select[name=format]", fmt)
    if skip:
        page.check("input[name=skip_bad]")
    page.click("button:has-text('Upload tasks')")
    page.wait_for_load_state()


def _not_again(page: Any, name: str) -> None:
    """In place of `shots` for a page state already shot and audited in the test's other run."""


@pytest.mark.browser
def test_upload_tsv_report_bad_rows_then_skip_them(live_any_db: LiveServer, browser: Any, tmp_path: Path) -> None:
    live = live_any_db
    # the pages are the same on either database (the counts are checked on both): shot and audited once
    look = shots if live.db.engine.dialect.name == "sqlite" else _not_again
    project = live.project(text_project())
    pool_id = live.pool(pool_body(project), project)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_desk(page, live, f"/desk/pools/{pool_id}")
    page.click("a:has-text('Upload tasks')")
    page.wait_for_url(f"**/desk/pools/{pool_id}/tasks/upload")
    assert "INPUT:text" in page.inner_text("[data-testid=upload-columns]")
    look(page, "desk-tasks-upload")

    bad = tmp_path / "tasks.tsv"
    bad.write_bytes(b"INPUT:text\tGOLDEN:result\tHINT:text\n"
                    b"first\ta\tlook again\n"
                    b"=CMD|' /C calc'!A0\t\t\n"
                    b"<script>alert(1)</script>\tc\t\n"
                    b"caf\xe9\t\t\n"
                    b"fifth\t\t\n")
    _upload(page, bad)
    outcome = page.inner_text("[data-testid=upload-outcome]")
    assert "Nothing was created" in outcome and "3 of 5 rows" in outcome
    cells = [r.locator("td").all_inner_texts() for r in page.locator("[data-testid=upload-faults] tbody tr").all()]
    assert [c[:2] for c in cells] == [["3", "INPUT:text"], ["4", "GOLDEN:result"],
                                      ["5", "row"]]
    assert "formula" in cells[0][2] and "allowed values" in cells[1][2] and "UTF-8" in cells[2][2]
    assert page.locator("script:has-text('alert(1)')").count() == 0  # the cell is shown as text only
    assert _count(live, pool_id) == 0
    look(page, "desk-tasks-upload-report")

    _upload(page, bad, skip=True)
    outcome = page.inner_text("[data-testid=upload-outcome]")
    assert "Created 2 tasks (1 golden); skipped 3 bad rows" in outcome
    assert page.is_checked("input[name=skip_bad]")  # what the user chose stays chosen
    assert (_count(live, pool_id, golden=False), _count(live, pool_id, golden=True)) == (1, 1)
    look(page, "desk-tasks-upload-skipped")

    items = [{"input_values": {"text": f"item {i}"}, "overlap": 2} for i in range(3)]
    items.append({"input_values": {"text": "gold"}, "known_solutions": [{"output_values": {"result": "b"}}]})
    as_json = tmp_path / "tasks.data"
    as_json.write_text(json.dumps(items))
    _upload(page, as_json, fmt="json")
    assert "Created 4 tasks (1 golden)" in page.inner_text("[data-testid=upload-outcome]")
    assert _count(live, pool_id) == 6

    # the pool's page counts them (real tasks only)
    page.click("a:has-text('Back to the pool')")
    assert page.inner_text("dl.grid").count("Real tasks") == 1
    assert "4" in page.locator("dt:has-text('Real tasks') + dd").inner_text()


@pytest.mark.browser
def test_upload_refuses_an_oversized_file_and_no_file(browser: Any, tmp_path: Path) -> None:
    for live in start_server(tmp_path / "home", max_json_bytes=200_000):
        project = live.project(text_project())
        pool_id = live.pool(pool_body(project), project)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in_desk(page, live, f"/desk/pools/{pool_id}/tasks/upload")
        big = tmp_path / "big.tsv"
        big.write_bytes(b"INPUT:text\n" + b"y" * 60 + b"\n" * 1 + (b"x" * 99 + b"\n") * 4000)
        _upload(page, big)
        assert "too large" in page.inner_text("[data-testid=upload-error]")
        assert _count(live, pool_id) == 0
        unknown = tmp_path / "tasks.bin"
        unknown.write_bytes(b"INPUT:text\nx\n")
        _upload(page, unknown)
        assert "cannot tell from the file name" in page.inner_text("[data-testid=upload-error]")
        shots(page, "desk-tasks-upload-error")


def _declared_only(live: LiveServer, target: str, cookie: str) -> bytes:
    """A request that declares a terabyte and sends a byte: answered from the header alone."""
    host, port = live.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(f"POST {target} HTTP/1.1\r\nHost: {host}:{port}\r\nOrigin: {live.url}\r\nCookie: {cookie}\r\n"
                     f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {10**12}\r\n"
                     "Connection: close\r\n\r\nx".encode())
        return conn.recv(4096)


def test_upload_edge_refuses_cross_site_oversize_and_non_forms(live: LiveServer) -> None:
    """The upload passes the JSON edge unread, but not its cross-site check; its own caps answer as a page."""
    project = live.project(text_project())
    pool_id = live.pool(pool_body(project), project)
    target = f"/desk/pools/{pool_id}/tasks/upload"
    with httpx.Client(base_url=live.url, timeout=30, headers={"Origin": live.url}) as http:
        assert http.post("/desk/sign-in", data={"token": live.requester_token, "next": "/desk"}).status_code == 303
        files = {"file": ("t.tsv", b"INPUT:text\nhello\n", "text/tab-separated-values")}
        evil = http.post(target, files=files, headers={"Origin": "http://evil.example"})
        assert evil.status_code == 403 and evil.json()["code"] == "CSRF_REFUSED"
        assert b" 413 " in _declared_only(live, target, "; ".join(f"{k}={v}" for k, v in http.cookies.items()))
        streamed = http.post(target, files={"file": ("t.tsv", b"INPUT:text\n" + b"x" * (17 * 1024 * 1024))})
        assert streamed.status_code == 413 and "too large" in streamed.text  # counted while it came in
        plain = http.post(target, content=b"INPUT:text\nhello\n", headers={"Content-Type": "text/plain"})
        assert plain.status_code == 400 and "Choose a file" in plain.text
        multipart = {"Content-Type": "multipart/form-data; boundary=b"}
        broken = http.post(target, content=b"--b\r\nnonsense", headers=multipart)
        assert broken.status_code == 400 and 'data-testid="upload-error"' in broken.text
        many = http.post(target, data={f"f{i}": "x" for i in range(10)}, files=files)
        assert many.status_code == 400 and "could not be read" in many.text
        ok = http.post(target, files=files, data={"format": "tsv"})
        assert ok.status_code == 200 and "Created 1 task" in ok.text
    assert _count(live, pool_id) == 1


@pytest.mark.browser
def test_a_large_file_is_checked_by_a_job_whose_page_shows_the_report(browser: Any, tmp_path: Path) -> None:
    """Past the inline size the upload becomes a job: the page follows it by itself and then shows the
    same report as an inline upload; another pool's address for the job is a 404."""
    rows = b"INPUT:text\n" + b"".join(b"line %d\n" % i for i in range(200)) + b"=HYPERLINK(1)\n"  # > 1024 bytes
    big = tmp_path / "big.tsv"
    big.write_bytes(rows)
    for live in start_server(tmp_path / "home", task_upload_inline_bytes=1024):
        project = live.project(text_project())
        pool_id = live.pool(pool_body(project), project)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in_desk(page, live, f"/desk/pools/{pool_id}/tasks/upload")
        for skip in (False, True):
            page.goto(f"{live.url}/desk/pools/{pool_id}/tasks/upload")
            _upload(page, big, skip=skip)
            page.wait_for_url(f"**/desk/pools/{pool_id}/tasks/upload/*")
            outcome = page.wait_for_selector("[data-testid=upload-outcome]", timeout=60_000).inner_text()
            if skip:
                assert "Created 200 tasks" in outcome and "skipped 1 bad row" in outcome
            else:
                assert "Nothing was created" in outcome and "1 of 201 rows" in outcome
            cells = page.locator("[data-testid=upload-faults] tbody tr td").all_inner_texts()
            assert cells[:2] == ["202", "INPUT:text"] and "formula" in cells[2]
            shots(page, f"desk-tasks-upload-job-{'skipped' if skip else 'refused'}")
            job_path = page.url.removeprefix(live.url)
        page.goto("about:blank")  # the job page stops looking before its server stops
        assert _count(live, pool_id) == 200
        other = live.pool(pool_body(project), project)
        with httpx.Client(base_url=live.url, timeout=30, headers={"Origin": live.url}) as http:
            assert http.post("/desk/sign-in", data={"token": live.requester_token, "next": "/desk"}).status_code == 303
            assert http.get(job_path).status_code == 200
            assert http.get(job_path.replace(f"/pools/{pool_id}/", f"/pools/{other}/")).status_code == 404
