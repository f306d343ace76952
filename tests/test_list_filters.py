"""Search filters toloka-kit sends that lists used to ignore (answering with every item instead of the
few asked for): overlap ranges of tasks and task suites, attachments by name and type; a filter a list
does not have is refused naming it; an unset time sorts last on both databases; and a verified-language
filter (toloka-kit's `Languages.in_(..., verified=True)`) is refused saying why; projects sort by
their public name and private comment, as toloka-kit offers.
"""

from __future__ import annotations

from typing import Any

from tests.apiclient import Api, add_tasks, make_pool, worker
from tests.apiclient import expect_error as _error
from tests.factories import pool_body, text_project


def _ids(api: Api, path: str, **params: Any) -> list[str]:
    return [item["id"] for item in api.ok("GET", path, params=params)["items"]]


def test_tasks_by_overlap_range(api: Api) -> None:
    pool = make_pool(api)
    one = add_tasks(api, pool["id"], 2, overlap=1)
    three = add_tasks(api, pool["id"], 1, overlap=3)
    path = "/api/v1/tasks"
    assert _ids(api, path, pool_id=pool["id"], overlap_gte=2) == [three[0]["id"]]
    assert _ids(api, path, pool_id=pool["id"], overlap_lt=3) == [t["id"] for t in one]
    assert _ids(api, path, pool_id=pool["id"], overlap_gt=3) == []
    assert _ids(api, path, pool_id=pool["id"], overlap=3, sort="-id") == [three[0]["id"]]
    _error(api.call("GET", path, params={"overlap_gte": "two"}), 400, "VALIDATION_ERROR", "overlap_gte")


def test_task_suites_by_overlap(api: Api) -> None:
    pool = make_pool(api)
    made = api.ok("POST", "/api/v1/task-suites", json=[
        {"pool_id": pool["id"], "overlap": overlap, "tasks": [{"input_values": {"text": f"s{overlap}"}}]}
        for overlap in (1, 4)])
    low, high = made["items"]["0"]["id"], made["items"]["1"]["id"]
    path = "/api/v1/task-suites"
    assert _ids(api, path, pool_id=pool["id"], overlap=4) == [high]
    assert _ids(api, path, pool_id=pool["id"], overlap_lte=2) == [low]
    assert _ids(api, path, pool_id=pool["id"], overlap_gt=0) == [low, high]
    assert _ids(api, path, pool_id=pool["id"], overlap_gt=4) == []


def test_attachments_by_name_and_type(api: Api) -> None:
    pool = make_pool(api)
    add_tasks(api, pool["id"], 1)
    api.ok("POST", f"/api/v1/pools/{pool['id']}/open")
    person = worker(api, "attaching", languages=["EN"], client_type="BROWSER")
    suite = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=person["headers"])
    made = {name: api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/attachments", params={"name": name},
                         content=f"notes in {name}".encode(),
                         headers={**person["headers"], "Content-Type": "text/plain"})["id"]
            for name in ("a.txt", "b.txt")}
    path = "/api/v1/attachments"
    assert _ids(api, path, name="b.txt") == [made["b.txt"]]
    assert _ids(api, path, name="c.txt") == []
    assert _ids(api, path, type="ASSIGNMENT_ATTACHMENT", sort="-id") == [made["b.txt"], made["a.txt"]]
    _error(api.call("GET", path, params={"type": "PROFILE_PHOTO"}), 400, "VALIDATION_ERROR", "type")


def test_a_filter_the_list_does_not_have_is_refused(api: Api) -> None:
    pool = make_pool(api)
    add_tasks(api, pool["id"], 1)
    for path, name in (("/api/v1/tasks", "color"), ("/api/v1/attachments", "owner_id"),
                       ("/api/v1/assignments", "solution"), ("/api/v1/pools", "projectid"),
                       ("/api/v1/operations", "pool_id"), ("/api/v1/user-skills", "value_gte")):
        body = _error(api.call("GET", path, params={name: "1"}), 400, "VALIDATION_ERROR", name, "not supported")
        assert name in body["payload"]
    # what the lists do have still works
    assert len(_ids(api, "/api/v1/tasks", pool_id=pool["id"], created_gte="2000-01-01T00:00:00", limit=5)) == 1


def test_an_unset_time_sorts_last_both_ways(api: Api) -> None:
    started, never = make_pool(api), make_pool(api)
    add_tasks(api, started["id"], 1)
    api.ok("POST", f"/api/v1/pools/{started['id']}/open")
    for sort in ("last_started", "-last_started"):
        assert _ids(api, "/api/v1/pools", sort=sort) == [started["id"], never["id"]], sort
    # a range filter on the time leaves only the pools that have one
    assert _ids(api, "/api/v1/pools", sort="-last_started", last_started_gte="2000-01-01T00:00:00") == [started["id"]]


def test_a_verified_language_filter_is_refused_saying_why(api: Api) -> None:
    """toloka-kit's `Languages.in_('EN', verified=True)` adds Toloka's English-test skill (26366): there is
    no such test here, and the refusal says so rather than only calling the skill unknown."""
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    verified_english = {"and": [{"category": "profile", "key": "languages", "operator": "IN", "value": "EN"},
                                {"category": "skill", "key": "26366", "operator": "EQ", "value": 100}]}
    body = _error(api.call("POST", "/api/v1/pools", json=pool_body(project["id"], filter=verified_english)),
                  400, "VALIDATION_ERROR", "26366 (EN)", "verified=True", "not supported")
    assert "filter" in body["payload"]
    assert _ids(api, "/api/v1/pools") == []  # nothing written
    # a skill id that is no language test is only unknown
    other = {"category": "skill", "key": "777", "operator": "GTE", "value": 1}
    body = _error(api.call("POST", "/api/v1/pools", json=pool_body(project["id"], filter=other)), 400,
                  "VALIDATION_ERROR", "unknown skill id(s): 777")
    assert "verified" not in body["message"]


def test_projects_sort_by_name_and_comment(api: Api) -> None:
    made = {name: api.ok("POST", "/api/v1/projects", json=text_project(public_name=name, **extra))["id"]
            for name, extra in (("beta", {"private_comment": "2"}), ("alpha", {}), ("gamma", {"private_comment": "1"}))}
    path = "/api/v1/projects"
    assert _ids(api, path, sort="public_name") == [made["alpha"], made["beta"], made["gamma"]]
    assert _ids(api, path, sort="-public_name", limit=2) == [made["gamma"], made["beta"]]
    # a project without a comment comes last both ways
    assert _ids(api, path, sort="private_comment") == [made["gamma"], made["beta"], made["alpha"]]
    assert _ids(api, path, sort="-private_comment") == [made["beta"], made["gamma"], made["alpha"]]
    _error(api.call("GET", path, params={"sort": "public_description"}), 400, "VALIDATION_ERROR", "sort",
           "public_name")
