"""One application from two siblings: the same error is a page under /w and /desk and a
`{code, message, payload}` body under /api, whichever package was installed first."""

from __future__ import annotations

from clipcrowd.http.deps import COOKIE
from tests.apiclient import Api, worker


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
