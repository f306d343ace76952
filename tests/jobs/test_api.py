"""The jobs API and SDK: pages and filters, the job object, items by status, bad input, auth;
aggregation as a job behind its operation."""

from __future__ import annotations

import pytest

from clipcrowd.client import Client
from clipcrowd.domain.ids import format_id
from tests.answered_pool import answered_pool
from tests.apiclient import Api, worker
from tests.jobs.support import run_to_the_end, submit, wait_for
from tests.support import Live


def _db(api: Api):  # type: ignore[no-untyped-def]
    return api.client.app.state.db  # type: ignore[attr-defined]


def test_jobs_are_paged_and_filtered(api: Api) -> None:
    db = _db(api)
    made = [submit(db, "test.digest", {"items": [f"{n}-{i}" for i in range(n + 1)], "rounds": 5}) for n in range(5)]
    crash = submit(db, "test.crash", {"items": ["x"]})
    run_to_the_end(db, [*made, crash])
    first = api.ok("GET", "/api/v1/jobs", params={"limit": 2, "kind": "test.digest"})
    assert [j["job_id"] for j in first["items"]] == [format_id(made[0]), format_id(made[1])] and first["has_more"]
    rest = api.ok("GET", "/api/v1/jobs", params={"kind": "test.digest", "id_gt": first["items"][-1]["job_id"]})
    assert [j["job_id"] for j in rest["items"]] == [format_id(j) for j in made[2:]] and not rest["has_more"]
    failed = api.ok("GET", "/api/v1/jobs", params={"status": "failed"})["items"]
    assert [(j["job_id"], j["kind"]) for j in failed] == [(format_id(crash), "test.crash")]
    both = api.ok("GET", "/api/v1/jobs", params={"status": "failed,complete"})["items"]
    assert len(both) == 6
    assert api.ok("GET", "/api/v1/jobs", params={"kind": "no.such.kind"}) == {"items": [], "has_more": False}


def test_a_job_and_its_items(api: Api) -> None:
    db = _db(api)
    job_id = submit(db, "test.digest", {"items": ["a", "bad-1", "b", "skip-1", "bad-2"], "shard_size": 2, "rounds": 2})
    run_to_the_end(db, [job_id])
    job = api.ok("GET", f"/api/v1/jobs/{format_id(job_id)}")
    assert job["job_id"] == format_id(job_id) and job["kind"] == "test.digest"
    assert job["status"] == "complete_with_errors"
    assert job["request"]["items"][0] == "a"
    assert sorted(job["shard_map"], key=int) == ["0", "1", "2"]
    assert {k: (s["item_count"], s["status"]) for k, s in job["shard_map"].items()} == {
        "0": (2, "complete"), "1": (2, "complete"), "2": (1, "complete")}
    assert job["counts"] == {"expected": 5, "received": 5, "processed": 2, "failed": 2, "skipped": 1, "pending": 0}
    assert {"created_at", "finished_at", "updated_at"} <= set(job)
    failed = api.ok("GET", f"/api/v1/jobs/{job['job_id']}/items", params={"status": "failed", "limit": 1})
    assert [i["key"] for i in failed["items"]] == ["bad-1"] and failed["has_more"]
    assert failed["items"][0]["error"] == "bad-1 cannot be digested" and failed["items"][0]["shard_id"] == "0"
    after = api.ok("GET", f"/api/v1/jobs/{job['job_id']}/items",
                   params={"status": "failed", "id_gt": failed["items"][0]["id"]})
    assert [i["key"] for i in after["items"]] == ["bad-2"] and not after["has_more"]
    shard1 = api.ok("GET", f"/api/v1/jobs/{job['job_id']}/items", params={"shard_id": "1"})["items"]
    assert [(i["key"], i["status"]) for i in shard1] == [("b", "done"), ("skip-1", "skipped")]
    assert set(shard1[0]["result"]) == {"digest", "attempt"}


@pytest.mark.parametrize(("path", "params", "status", "field"), [
    ("/api/v1/jobs", {"status": "DONE"}, 400, "status"),
    ("/api/v1/jobs", {"limit": "0"}, 400, "limit"),
    ("/api/v1/jobs", {"id_gt": "abc"}, 400, "id_gt"),
    ("/api/v1/jobs", {"project_id": "x"}, 400, "project_id"),
    ("/api/v1/jobs", {"sort": "kind"}, 400, "sort"),
    ("/api/v1/jobs/{job}/items", {"status": "lost"}, 400, "status"),
    ("/api/v1/jobs/{job}/items", {"shard_id": "-1"}, 400, "shard_id"),
    ("/api/v1/jobs/{job}/items", {"limit": "many"}, 400, "limit"),
    ("/api/v1/jobs/abc", {}, 404, None),
    ("/api/v1/jobs/999999999", {}, 404, None),
    ("/api/v1/jobs/1e9", {}, 404, None),
    ("/api/v1/jobs/999999999/items", {}, 404, None),
    ("/api/v1/jobs/-1/items", {}, 404, None),
])
def test_bad_requests_are_4xx_naming_the_field(api: Api, path: str, params: dict, status: int,
                                               field: str | None) -> None:
    job_id = submit(_db(api), "test.digest", {"items": ["a"]})
    response = api.call("GET", path.format(job=format_id(job_id)), params=params)
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"code", "message"}
    if field is not None:
        assert field in body["payload"]


def test_jobs_need_a_requester(api: Api) -> None:
    job_id = format_id(submit(_db(api), "test.digest", {"items": ["a"]}))
    person = worker(api, "w-jobs")
    for path in ("/api/v1/jobs", f"/api/v1/jobs/{job_id}", f"/api/v1/jobs/{job_id}/items"):
        assert api.client.get(path).status_code == 401
        assert api.client.get(path, headers=person["headers"]).status_code == 403


def test_aggregation_runs_as_a_job_behind_its_operation(api: Api) -> None:
    pool = answered_pool(api)
    started = api.call("POST", "/api/v1/aggregated-solutions/aggregate-by-pool", expect=202,
                       json={"pool_id": pool["id"], "method": "mv"}).json()
    assert set(started) >= {"id", "type", "status", "submitted", "progress", "parameters"}
    op = wait_for(lambda: (lambda o: o if o["status"] != "RUNNING" else None)(
        api.ok("GET", f"/api/v1/operations/{started['id']}")), what="the aggregation")
    assert op["status"] == "SUCCESS" and op["details"]["tasks"] == 6 and op["progress"] == 100

    def ended() -> list[dict] | None:
        """The aggregation's jobs once they ended: the operation ends when the labels are stored, its
        job when the shard has also packed the pool's answers for the next run (CI saw "processing")."""
        items = api.ok("GET", "/api/v1/jobs", params={"kind": "aggregation.pool"})["items"]
        return items if all(j["status"] not in ("queued", "processing") for j in items) else None

    found = wait_for(ended, what="the aggregation job")
    assert [(j["operation_id"], j["status"]) for j in found] == [(started["id"], "complete")]
    assert found[0]["request"]["pool_id"] == pool["id"] and found[0]["shard_map"]["0"]["item_count"] == 1


def test_the_sdk_reads_jobs_and_items(live: Live) -> None:
    job_id = format_id(submit(live.db, "test.digest", {"items": ["a", "bad-1", "c"], "rounds": 3}))
    other = format_id(submit(live.db, "test.crash", {"items": ["x"]}))
    with Client(live.url, live.token) as client:
        job = client.wait_job(job_id, timeout=60)  # the server's executor runs it
        assert job["status"] == "complete_with_errors" and client.get_job(other) is not None
        assert [j["job_id"] for j in client.get_jobs(kind="test.digest", limit=1)] == [job_id]
        assert client.wait_job(other, timeout=60)["status"] == "failed"
        assert [j["job_id"] for j in client.get_jobs(status="failed")] == [other]
        assert [i["key"] for i in client.get_job_items(job_id, status="done", limit=1)] == ["a", "c"]
        assert [i["key"] for i in client.get_job_items(job_id, status="failed")] == ["bad-1"]
