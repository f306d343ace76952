"""One test per class of attack the edge must hold against (stored XSS through uploads, bad text,
page JSON, media access, CSRF, guessable golden tasks, out-of-range values, 5xx on bad input,
spreadsheet formulas, sign-in guessing, limits and defaults), against a live server per database."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from clipcrowd.services import auth
from tests.factories import pool_body
from tests.hardening.conftest import PASSWORD, World, cookie, free_text_project, make_world
from tests.media._generate import write_video
from tests.support import CLIENT_TLS, Live

_count = iter(range(10_000))


@pytest.fixture
def http(server: Live) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60, verify=CLIENT_TLS) as client:
        yield client


@pytest.fixture
def fresh(server: Live, http: httpx.Client) -> World:
    """A world of its own for each test (new project, pool and workers; none of these tests signs in
    by password, test_sign_in_and_pool.py does)."""
    return make_world(server, http, tag=f"-{next(_count)}", passwords=False)


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return write_video(tmp_path_factory.mktemp("video") / "clip.mp4", frames=12).path.read_bytes()


def _upload(world: World, content: bytes, media_type: str, name: str) -> httpx.Response:
    return world.http.post(f"/api/v1/worker/assignments/{world.assignment_id}/attachments", params={"name": name},
                           content=content, headers={**world.ann, "Content-Type": media_type})


def _desk(world: World) -> dict[str, str]:
    return {**cookie(world.live.token), "Origin": world.live.url}


# 1 -------------------------------------------------------------------------------------------------


def test_1_uploads_are_served_as_detected_never_as_declared(fresh: World, video: bytes) -> None:
    disguised = _upload(fresh, video, "text/html", "clip.html")
    assert disguised.status_code == 201, disguised.text
    assert disguised.json()["media_type"] == "video/mp4"  # found by decoding, not the declared text/html
    page = _upload(fresh, b"<html><script>document.title='owned'</script></html>", "text/html", "page.html")
    assert page.status_code == 201 and page.json()["media_type"] == "application/octet-stream"
    for attachment, kind, disposition in ((disguised.json(), "video/mp4", "inline"),
                                          (page.json(), "application/octet-stream", "attachment")):
        served = fresh.http.get(f"/desk/attachments/{attachment['id']}", headers=cookie(fresh.live.token))
        assert served.status_code == 200
        assert served.headers["content-type"] == kind
        assert served.headers["content-disposition"].startswith(disposition)
        assert served.headers["x-content-type-options"] == "nosniff"
        download = fresh.http.get(f"/api/v1/attachments/{attachment['id']}/download", headers=fresh.requester)
        assert download.headers["content-type"] == kind and download.headers["x-content-type-options"] == "nosniff"
    for path, headers in (("/w", cookie(fresh.ann_cookie)), ("/desk", cookie(fresh.live.token)),
                          ("/api/v1/projects", fresh.requester)):
        policy = fresh.http.get(path, headers=headers).headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy


# 2 -------------------------------------------------------------------------------------------------


def test_2_a_lone_surrogate_is_refused_where_it_enters(fresh: World) -> None:
    submit = f"/api/v1/worker/assignments/{fresh.assignment_id}/submit"
    body = '{"solutions": [{"output_values": {"result": "a", "comment": "bad \\ud83d here"}}]}'
    refused = fresh.http.post(submit, content=body, headers={**fresh.ann, "Content-Type": "application/json"})
    assert refused.status_code == 400 and "solutions[0].output_values.comment" in refused.json()["payload"]
    project = json.dumps(free_text_project(public_name="\udc00")).encode()
    refused = fresh.http.post("/api/v1/projects", content=project,
                              headers={**fresh.requester, "Content-Type": "application/json"})
    assert refused.status_code == 400 and "public_name" in refused.json()["payload"]
    assert fresh.http.get(f"/api/v1/worker/assignments/{fresh.assignment_id}", headers=fresh.ann).json()[
        "status"] == "ACTIVE"
    fresh.assert_reads_work()
    fine = fresh.http.post(submit, json={"solutions": [{"output_values": {"result": "a", "comment": "🙂 fine"}}]},
                           headers=fresh.ann)
    assert fine.status_code == 200, fine.text
    fresh.assert_reads_work()


# 3 -------------------------------------------------------------------------------------------------


def test_3_page_json_cannot_be_ended_by_data(server: Live, http: httpx.Client) -> None:
    hostile = "<!--<script>x</script><script>window.__xss=1</script>\u2028&amp;"
    world = make_world(server, http, tag=f"-{next(_count)}", passwords=False)
    items = [{"pool_id": world.pool_id, "input_values": {"text": hostile}}]
    http.post("/api/v1/tasks", json=items, params={"allow_defaults": "true"}, headers=world.requester)
    page = http.get(f"/w/assignments/{world.assignment_id}", headers=cookie(world.ann_cookie)).text
    block = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', page, re.S)
    assert block is not None and not re.search(r"[<>&]", block.group(1))
    data = json.loads(block.group(1))
    assert data["assignment"]["id"] == world.assignment_id
    # the suite's own task is plain; a suite of the hostile task round-trips it exactly
    other = make_world(server, http, tag=f"-{next(_count)}", passwords=False)
    http.post("/api/v1/tasks", json=[{"pool_id": other.pool_id, "input_values": {"text": hostile}}],
              params={"allow_defaults": "true"}, headers=other.requester)
    texts = {t["input_values"]["text"] for t in json.loads(re.search(
        r'id="page-data">(.*?)</script>', http.get(f"/w/assignments/{other.assignment_id}",
                                                    headers=cookie(other.ann_cookie)).text, re.S).group(1))[
        "assignment"]["tasks"]}
    assert texts <= {f"t{i}" for i in range(6)} | {hostile}


# 4 -------------------------------------------------------------------------------------------------


def _ready_asset_tasks(http: httpx.Client, live: Live, video: bytes) -> tuple[str, list[dict[str, Any]]]:
    interface = {"jobs": {"JOB_0": {"mlTask": "CLASSIFICATION", "required": 1, "content": {
        "input": "checkbox", "categories": {"A": {"name": "A"}, "B": {"name": "B"}}}}}}
    project = http.post("/api/v1/projects/from-interface", headers=live.headers,
                        json={"title": "media", "input_type": "VIDEO", "json_interface": interface}).json()
    items = []
    for name in ("one.mp4", "two.mp4"):
        made = http.post("/api/v1/assets/uploads", params={"project_id": project["id"], "name": name},
                         content=video + name.encode(), headers={**live.headers, "Content-Type": "video/mp4"})
        assert made.status_code == 201, made.text
        items.append({"external_id": name, "content": made.json()["ref"]})
    imported = http.post("/api/v1/assets", json={"project_id": project["id"], "assets": items}, headers=live.headers)
    assert imported.status_code == 201, imported.text
    deadline = time.monotonic() + 120
    while True:  # the job worker process decodes the uploads
        rows = http.get("/api/v1/assets", params={"project_id": project["id"]}, headers=live.headers).json()["items"]
        if all(r["status"] == "READY" for r in rows) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert [r["status"] for r in rows] == ["READY", "READY"], rows
    pool = http.post("/api/v1/pools", json=pool_body(project["id"]), headers=live.headers).json()
    made = http.post("/api/v1/assets/tasks", json={"pool_id": pool["id"]}, headers=live.headers)
    assert made.status_code == 201, made.text
    assert http.post(f"/api/v1/pools/{pool['id']}/open", headers=live.headers).status_code == 202
    return pool["id"], rows


def test_4_a_worker_reads_media_only_of_her_tasks(server: Live, http: httpx.Client, video: bytes) -> None:
    pool_id, rows = _ready_asset_tasks(http, server, video)
    people = [http.post("/api/v1/workers", json={"login": f"viewer{next(_count)}"}, headers=server.headers).json()
              for _ in range(2)]
    holder, stranger = ({"Authorization": f"Bearer {p['token']}"} for p in people)
    suite = http.post(f"/api/v1/worker/pools/{pool_id}/next", headers=holder).json()
    mine = suite["tasks"][0]["input_values"]["asset"].split("/")[4]
    other = next(r["id"] for r in rows if r["id"] != mine)
    for part in ("content", "media", "cover", "frame-table"):
        assert http.get(f"/api/v1/assets/{mine}/{part}", headers=holder).status_code == 200, part
        assert http.get(f"/api/v1/assets/{mine}/{part}", headers=server.headers).status_code == 200, part
        for who, asset in ((holder, other), (stranger, mine), (stranger, other), (stranger, "000000999999")):
            refused = http.get(f"/api/v1/assets/{asset}/{part}", headers=who)
            assert refused.status_code == 403 and refused.json()["code"] == "ACCESS_DENIED", (part, refused.text)
    # she keeps access to what she held after submitting
    http.post(f"/api/v1/worker/assignments/{suite['id']}/submit", headers=holder,
              json={"solutions": [{"output_values": suite_answer(http, server, pool_id)}]})
    assert http.get(f"/api/v1/assets/{mine}/cover", headers=holder).status_code == 200


def suite_answer(http: httpx.Client, live: Live, pool_id: str) -> dict[str, Any]:
    pool = http.get(f"/api/v1/pools/{pool_id}", headers=live.headers).json()
    spec = http.get(f"/api/v1/projects/{pool['project_id']}", headers=live.headers).json()["task_spec"]["output_spec"]
    name, field = next(iter(spec.items()))
    allowed = field.get("allowed_values") or ["A"]
    return {name: [allowed[0]] if field["type"].startswith("array") else allowed[0]}


# 5 -------------------------------------------------------------------------------------------------


def test_5_cookie_requests_from_another_origin_change_nothing(fresh: World) -> None:
    pool = f"/desk/pools/{fresh.pool_id}/close"
    for headers in ({"Origin": "http://127.0.0.1:1"}, {"Referer": "http://evil.example/page"}, {}):
        refused = fresh.http.post(pool, headers={**cookie(fresh.live.token), **headers})
        assert refused.status_code == 403 and refused.json()["code"] == "CSRF_REFUSED"
    assert fresh.http.get(f"/api/v1/pools/{fresh.pool_id}", headers=fresh.requester).json()["status"] == "OPEN"
    before = len(fresh.http.get("/api/v1/projects", headers=fresh.requester).json()["items"])
    plain = fresh.http.post("/api/v1/projects", content=json.dumps(free_text_project()),
                            headers={**_desk(fresh), "Content-Type": "text/plain"})
    assert plain.status_code == 415
    assert len(fresh.http.get("/api/v1/projects", headers=fresh.requester).json()["items"]) == before
    # the same requests from the desk's own pages go through
    made = fresh.http.post("/api/v1/projects", json=free_text_project(), headers=_desk(fresh))
    assert made.status_code == 201
    closed = fresh.http.post(pool, headers={**cookie(fresh.live.token), "Referer": f"{fresh.live.url}/desk"})
    assert closed.status_code == 303
    assert fresh.http.get(f"/api/v1/pools/{fresh.pool_id}", headers=fresh.requester).json()["status"] == "CLOSED"


# 6 -------------------------------------------------------------------------------------------------


def test_6_golden_tasks_look_like_real_ones(server: Live, http: httpx.Client) -> None:
    mixer = {"real_tasks_count": 1, "golden_tasks_count": 1, "training_tasks_count": 0}
    world = make_world(server, http, tag=f"-{next(_count)}", passwords=False, mixer_config=mixer)
    golden = [{"pool_id": world.pool_id, "input_values": {"text": f"g{i}"}, "infinite_overlap": True,
               "known_solutions": [{"output_values": {"result": "a"}}]} for i in range(3)]
    assert http.post("/api/v1/tasks", json=golden, headers=world.requester).status_code == 201  # their own batch
    suites = []
    for _ in range(12):
        made = http.post("/api/v1/workers", json={"login": f"g{next(_count)}"}, headers=world.requester).json()
        got = http.post(f"/api/v1/worker/pools/{world.pool_id}/next",
                        headers={"Authorization": f"Bearer {made['token']}"})
        if got.status_code == 200:
            suites.append(got.json())
    assert len(suites) >= 6
    positions = set()
    for suite in suites:
        assert [t["id"] for t in suite["tasks"]] == [f"{suite['id']}-{n + 1}" for n in range(len(suite["tasks"]))]
        assert {frozenset(t) for t in suite["tasks"]} == {frozenset({"id", "input_values"})}
        positions |= {n for n, t in enumerate(suite["tasks"]) if t["input_values"]["text"].startswith("g")}
    assert positions == {0, 1}  # the golden task sits first in some suites and second in others


# 7 -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "raw"), [
    ("reward_per_assignment", "NaN"), ("reward_per_assignment", "Infinity"), ("reward_per_assignment", "1e308"),
    ("reward_per_assignment", "1000.01"), ("assignment_max_duration_seconds", "1000000000000"),
    ("defaults.default_overlap_for_new_task_suites", str(2**63)),
    ("defaults.default_overlap_for_new_task_suites", str(2**63 - 1))])
def test_7_values_out_of_range_are_refused_at_creation(fresh: World, field: str, raw: str) -> None:
    body = pool_body(fresh.project_id)
    *parents, name = field.split(".")
    target = body
    for part in parents:
        target = target[part]
    target[name] = "__RAW__"
    text = json.dumps(body).replace('"__RAW__"', raw)
    refused = fresh.http.post("/api/v1/pools", content=text,
                              headers={**fresh.requester, "Content-Type": "application/json"})
    assert refused.status_code == 400 and field in refused.json()["message"], refused.text
    edge = fresh.http.post("/api/v1/pools", json=pool_body(fresh.project_id, reward_per_assignment=1000.0,
                                                           assignment_max_duration_seconds=30 * 24 * 3600),
                           headers=fresh.requester)
    assert edge.status_code == 201, edge.text  # the bounds themselves are allowed
    assert fresh.http.get("/api/v1/worker/pools", headers=fresh.bob).status_code == 200


# 8 -------------------------------------------------------------------------------------------------


def test_8_inputs_that_used_to_crash_get_a_4xx(fresh: World) -> None:
    submit = f"/api/v1/worker/assignments/{fresh.assignment_id}/submit"
    json_type = {"Content-Type": "application/json"}
    cases = [
        ("POST", submit, {**fresh.ann, **json_type}, ("[" * 50_000 + "]" * 50_000).encode()),
        ("POST", submit, {**fresh.ann, **json_type}, b'{"solutions": ' + b"7" * 10_000 + b"}"),
        ("POST", "/api/v1/pools", {**fresh.requester, **json_type}, b'{"reward_per_assignment": 9223372036854775808}'),
        ("GET", "/api/v1/pools/%C2%B2", fresh.requester, None),
        ("GET", "/api/v1/tasks?limit=%D9%A3", fresh.requester, None),
        ("POST", f"/api/v1/worker/assignments/{fresh.assignment_id}/attachments?name=x.svg",
         {**fresh.ann, "Content-Type": "image/svg+xml"}, b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
        ("POST", f"/api/v1/worker/assignments/{fresh.assignment_id}/attachments?name=a%00b",
         {**fresh.ann, "Content-Type": "video/mp4"}, b"x"),
    ]
    for method, path, headers, content in cases:
        got = fresh.http.request(method, path, headers=headers, content=content)
        assert 400 <= got.status_code < 500 and got.json()["message"], (path, got.status_code, got.text[:200])
    fresh.assert_reads_work()


# 9 -------------------------------------------------------------------------------------------------


def test_9_formulas_in_results_csv_are_neutralised(fresh: World) -> None:
    formula = "=HYPERLINK(\"http://evil.example\",\"x\")"
    answer = {"solutions": [{"output_values": {"result": "a", "comment": formula}}]}
    assert fresh.http.post(f"/api/v1/worker/assignments/{fresh.assignment_id}/submit", json=answer,
                           headers=fresh.ann).status_code == 200
    text = fresh.http.get(f"/desk/pools/{fresh.pool_id}/results.csv", headers=cookie(fresh.live.token)).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["OUTPUT:comment"] for r in rows if r["OUTPUT:comment"]] == ["'" + formula]
    as_json = fresh.http.get(f"/desk/pools/{fresh.pool_id}/results.json", headers=cookie(fresh.live.token)).json()
    assert formula in [r["output_values"].get("comment") for r in as_json]  # programs get the value unchanged


# 11 ------------------------------------------------------------------------------------------------


def test_11_filtered_out_workers_read_no_pool_texts(server: Live, http: httpx.Client) -> None:
    secret = f"secret-title-{next(_count)}"
    project = http.post("/api/v1/projects", headers=server.headers,
                        json=free_text_project(public_name=secret, public_instructions=f"{secret} instructions")).json()
    only_de = {"and": [{"category": "profile", "key": "languages", "operator": "IN", "value": "DE"}]}
    pool = http.post("/api/v1/pools", json=pool_body(project["id"], filter=only_de), headers=server.headers).json()
    http.post("/api/v1/tasks", json=[{"pool_id": pool["id"], "input_values": {"text": "x"}}],
              params={"allow_defaults": "true"}, headers=server.headers)
    closed = http.post("/api/v1/pools", json=pool_body(project["id"]), headers=server.headers).json()
    assert http.post(f"/api/v1/pools/{pool['id']}/open", headers=server.headers).status_code == 202
    outsider = http.post("/api/v1/workers", json={"login": f"en{next(_count)}", "password": PASSWORD},
                         headers=server.headers).json()
    for pool_id, status in ((pool["id"], 403), (closed["id"], 409)):
        page = http.get(f"/w/pools/{pool_id}", headers=cookie(outsider["token"]))
        assert page.status_code == status and secret not in page.text, page.text[:300]


def test_11_docs_are_served_from_this_server(server: Live, http: httpx.Client) -> None:
    page = http.get("/docs")
    assert page.status_code == 200 and "/openapi.json" in page.text
    assert not re.search(r'(src|href)="(https?:)?//', page.text)  # nothing from a CDN
    assert http.get("/static/web/api_docs.js").status_code == 200
    assert http.get("/openapi.json").json()["paths"]
    assert http.get("/redoc").status_code == 404


def test_11_sign_out_revokes_the_session_and_revocation_is_immediate(server: Live, http: httpx.Client) -> None:
    signed = http.post("/desk/sign-in", data={"token": server.token, "next": "/desk"},
                       headers={"Origin": server.url}, follow_redirects=False)
    assert signed.status_code == 303
    session = signed.cookies["clipcrowd_token"]
    assert session != server.token  # the desk keeps a session token of its own, not the API token
    assert http.get("/api/v1/projects", headers={"Authorization": f"OAuth {session}"}).status_code == 200
    out = http.post("/desk/sign-out", headers={**cookie(session), "Origin": server.url}, follow_redirects=False)
    assert out.status_code == 303
    assert http.get("/api/v1/projects", headers={"Authorization": f"OAuth {session}"}).status_code == 401
    assert http.get("/api/v1/projects", headers=server.headers).status_code == 200  # the API token lives on
    made = http.post("/api/v1/workers", json={"login": f"r{next(_count)}"}, headers=server.headers).json()
    as_her = {"Authorization": f"Bearer {made['token']}"}
    assert http.get("/api/v1/worker/me", headers=as_her).status_code == 200
    assert auth.revoke(server.db, made["token"])  # what `clipcrowd tokens revoke` does
    assert http.get("/api/v1/worker/me", headers=as_her).status_code == 401


def test_11_body_cap_and_405_allow(fresh: World) -> None:
    big = {"public_name": "x", "public_instructions": "y" * 4000, "pad": ["z" * 4000] * 60}
    refused = fresh.http.post("/api/v1/projects", json=big, headers=fresh.requester)
    assert refused.status_code == 413 and "body" in refused.json()["payload"]
    wrong = fresh.http.delete("/api/v1/projects", headers=fresh.requester)
    assert wrong.status_code == 405
    assert {"GET", "POST"} <= {m.strip() for m in wrong.headers["allow"].split(",")}


def test_page_json_escapes_every_markup_character() -> None:
    from clipcrowd.web.page_json import embed

    values = ["</script><script>alert(1)</script>", "<!--<script>", "a\u2028b\u2029c", "&amp;", "\ud800"]
    text = embed({"v": values})
    assert not re.search("[<>&\u2028\u2029]", text) and text.isascii()
    assert json.loads(text) == {"v": values}


def test_csv_neutralise_follows_owasp() -> None:
    from clipcrowd.domain.csvsafe import neutralise

    for formula in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\uff1d1"):
        assert neutralise(formula) == "'" + formula
    for plain in ("hello", "1-2", "", "a=b"):
        assert neutralise(plain) == plain
