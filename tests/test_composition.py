"""One application from two siblings: the same error is a page under /w and /desk and a
`{code, message, payload}` body under /api, whichever package was installed first; apps built in one
process share their routes and nothing else."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from clipcrowd.http.deps import COOKIE
from clipcrowd.server import create_app, routes
from clipcrowd.services import auth
from clipcrowd.settings import Settings
from tests.apiclient import Api, worker
from tests.factories import text_project
from tests.support import fresh_sqlite


def test_a_page_error_is_a_page_and_an_api_error_is_json(api: Api) -> None:
    ann = worker(api, "ann")
    api.client.cookies.set(COOKIE, ann["token"])
    page = api.client.get("/w/pools/000000000404")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "pool 404 does not exist" in page.text
    answer = api.call("POST", "/api/v1/worker/pools/000000000404/next", headers=ann["headers"])
    assert answer.status_code == 404 and answer.json()["code"] == "DOES_NOT_EXIST"
    assert "pool 404 does not exist" in answer.json()["message"]


def test_the_api_reads_the_sign_in_cookie_the_pages_set(api: Api) -> None:
    ann = worker(api, "bea")
    api.client.cookies.set(COOKIE, ann["token"])
    me = api.client.get("/api/v1/worker/me")
    assert me.status_code == 200 and me.json()["login"] == "bea"


def test_apps_share_their_routes_and_nothing_else(tmp_path: Path) -> None:
    """Two apps in one process, each on its own database: the route objects are the same (prepared
    once), yet each answers from its own database, token table and settings."""
    made = []
    for name in ("a", "b"):
        db = fresh_sqlite(tmp_path / name)
        token = auth.create_token(db, "requester", requester_id=auth.ensure_requester(db))
        settings = Settings(home=tmp_path / name, database_url=db.url, maintenance_interval_seconds=86400)
        made.append((create_app(settings, db), {"Authorization": f"OAuth {token}"}, db))
    (first, first_auth, first_db), (second, second_auth, second_db) = made
    shared = {id(r) for r in routes()}
    assert len(shared) > 30 and all(shared <= {id(r) for r in app.routes} for app in (first, second))
    with TestClient(first) as one, TestClient(second) as two:
        project = one.post("/api/v1/projects", json=text_project(), headers=first_auth)
        assert project.status_code == 201, project.text
        assert [p["id"] for p in one.get("/api/v1/projects", headers=first_auth).json()["items"]] == [
            project.json()["id"]]
        assert two.get("/api/v1/projects", headers=second_auth).json()["items"] == []
        assert two.get("/api/v1/projects", headers=first_auth).status_code == 401  # a's token is not b's
        assert one.get("/desk", follow_redirects=False).status_code in (200, 303)
    for db in (first_db, second_db):
        db.dispose()
