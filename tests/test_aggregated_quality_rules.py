"""Quality rules on stored aggregation results (collector AGGREGATED_QUALITY), on SQLite and PostgreSQL.

A simulated crowd with one known spammer answers through the worker API; the requester aggregates
through the API; the rules run right after the run stores its worker qualities.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from clipcrowd.aggregation import AGGREGATORS
from clipcrowd.client import Client
from clipcrowd.client.transport import http_client
from clipcrowd.domain.quality import AGGREGATION_METHODS
from clipcrowd.quality import Event, Restrict, SetSkill, evaluate
from clipcrowd.sim import simulate
from tests.apiclient import Api, make_pool
from tests.factories import pool_body, text_project
from tests.support import Live

OPTIONS = ["a", "b", "c", "d"]  # four options: a spammer is right a quarter of the time
RESTRICT_PROJECT = {"type": "RESTRICTION_V2", "parameters": {"scope": "PROJECT", "duration_unit": "PERMANENT",
                                                             "private_comment": "low aggregated quality"}}


def four_option_project() -> dict[str, Any]:
    body = text_project(public_name="Pick one of four")
    body["task_spec"]["output_spec"]["result"]["allowed_values"] = OPTIONS
    view = json.loads(body["task_spec"]["view_spec"]["config"])
    view["view"]["items"][1]["options"] = [{"label": o.upper(), "value": o} for o in OPTIONS]
    body["task_spec"]["view_spec"]["config"] = json.dumps(view)
    return body


def aggregated_rules(skill_id: str, method: str = "ds", **params: Any) -> dict[str, Any]:
    return {"configs": [{
        "collector_config": {"type": "AGGREGATED_QUALITY", "parameters": {"method": method, **params}},
        "rules": [
            {"conditions": [{"key": "aggregated_worker_quality", "operator": "LT", "value": 60},
                            {"key": "aggregated_answers_count", "operator": "GTE", "value": 10}],
             "action": RESTRICT_PROJECT},
            {"conditions": [{"key": "aggregated_answers_count", "operator": "GTE", "value": 1}],
             "action": {"type": "SET_SKILL_FROM_OUTPUT_FIELD",
                        "parameters": {"skill_id": skill_id, "from_field": "aggregatedWorkerQuality"}}},
        ]}]}


def test_spammer_is_restricted_after_aggregation_and_skills_are_set(live: Live) -> None:
    with Client(live.url, live.token) as client, http_client(live.url, headers=live.headers) as http:
        skill = client.create_skill("aggregated quality")
        project = client.create_project(four_option_project())
        pool = client.create_pool(pool_body(project["id"], quality_control=aggregated_rules(skill["id"]),
                                            defaults={"default_overlap_for_new_task_suites": 3}))
        client.create_tasks([{"pool_id": pool["id"], "input_values": {"text": f"item {i}"}} for i in range(60)])
        other = client.create_pool(pool_body(project["id"], private_name="next pool"))
        client.create_tasks([{"pool_id": other["id"], "input_values": {"text": "later"}}])
        client.open_pool(other["id"])
        client.open_pool(pool["id"])
        report = simulate(live.url, live.token, pool["id"], workers=5, accuracy=0.95, spammers=0.2, timeout=120,
                          idle_seconds=1, seed=3)
        # every wanted answer came in (on PostgreSQL the pool may close a moment later, by the maintenance loop)
        assert sum(report.submitted.values()) == 180, (report.stopped, report.submitted)
        (spammer,) = [w for w in report.workers if w.spammer]
        honest = [w for w in report.workers if not w.spammer]
        assert all(report.submitted[w.user_id] >= 10 for w in report.workers), report.submitted
        # submissions alone never trigger this collector
        assert client.get_restrictions() == []

        # a run of another method does not match the rule's method: nothing happens
        client.aggregate(pool["id"], method="mv")
        assert client.get_restrictions() == []
        assert http.get("/api/v1/user-skills", params={"skill_id": skill["id"]}).json()["items"] == []

        client.aggregate(pool["id"], method="ds")
        restricted = client.get_restrictions()
        assert [(r["user_id"], r["scope"], r["project_id"]) for r in restricted] == [
            (spammer.user_id, "PROJECT", project["id"])]
        assert "will_expire" not in restricted[0] and restricted[0]["private_comment"] == "low aggregated quality"

        quality = client.get_worker_quality(pool["id"], method="ds").set_index("worker")["quality"]
        assert quality[spammer.user_id] < 0.6 < min(quality[w.user_id] for w in honest)
        skills = {s["user_id"]: s["exact_value"]
                  for s in http.get("/api/v1/user-skills", params={"skill_id": skill["id"]}).json()["items"]}
        assert skills.keys() == {w.user_id for w in report.workers}
        for user, value in skills.items():
            assert value == pytest.approx(round(100 * quality[user], 2))

        # the restriction acts on the whole project; a good worker still gets work there
        barred = http.post(f"/api/v1/worker/pools/{other['id']}/next",
                           headers={"Authorization": f"Bearer {spammer.token}"})
        assert barred.status_code == 403 and barred.json()["code"] == "RESTRICTED", barred.text
        welcome = http.post(f"/api/v1/worker/pools/{other['id']}/next",
                            headers={"Authorization": f"Bearer {honest[0].token}"})
        assert welcome.status_code == 200, welcome.text

        # running it again neither doubles the restriction nor fails the operation
        again = client.aggregate(pool["id"], method="ds", wait=False)
        assert client.wait_operation(again["id"])["status"] == "SUCCESS"
        assert len(client.get_restrictions()) == 1


def test_field_parameter_must_match_the_run(live: Live) -> None:
    with Client(live.url, live.token) as client:
        skill = client.create_skill("never set")
        project = client.create_project(four_option_project())
        pool = client.create_pool(pool_body(project["id"], defaults={"default_overlap_for_new_task_suites": 2},
                                            quality_control=aggregated_rules(skill["id"], field="other")))
        client.create_tasks([{"pool_id": pool["id"], "input_values": {"text": f"item {i}"}} for i in range(12)])
        client.open_pool(pool["id"])
        report = simulate(live.url, live.token, pool["id"], workers=2, spammers=0.5, timeout=60, idle_seconds=1)
        assert sum(report.submitted.values()) == 24, (report.stopped, report.submitted)
        client.aggregate(pool["id"], method="ds")
        assert len(client.get_worker_quality(pool["id"], method="ds")) == 2
        assert client.get_restrictions() == []


def test_evaluation_needs_a_matching_run() -> None:
    qc = aggregated_rules("000000000001")
    run = {"method": "ds", "field": "result", "answers": 30}
    assert evaluate(qc, "AGGREGATED", []) == []  # no run: "quality < 60" does not hold on nothing
    assert evaluate(qc, "SUBMITTED", [Event("AGGREGATED", {**run, "quality": 0.2})]) == []
    assert evaluate(qc, "AGGREGATED", [Event("AGGREGATED", {**run, "method": "mv", "quality": 0.2})]) == []
    unrated = evaluate(qc, "AGGREGATED", [Event("AGGREGATED", {**run, "quality": None})])
    assert unrated == []  # no quality: neither the restriction nor a skill from it
    low = evaluate(qc, "AGGREGATED", [Event("AGGREGATED", {**run, "quality": 0.2})])
    assert low == [Restrict("PROJECT", None, "low aggregated quality"), SetSkill("000000000001", 20.0)]
    few = evaluate(qc, "AGGREGATED", [Event("AGGREGATED", {**run, "answers": 9, "quality": 0.2})])
    assert few == [SetSkill("000000000001", 20.0)]
    good = evaluate(qc, "AGGREGATED", [Event("AGGREGATED", {**run, "quality": 0.91234})])
    assert good == [SetSkill("000000000001", 91.23)]


def test_method_names_follow_the_aggregation_registry() -> None:
    assert sorted(AGGREGATION_METHODS) == sorted(AGGREGATORS)


def _error(response: Any, *names: str) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR"
    for name in names:
        assert name in body["message"], body["message"]
    return body


def _collector(parameters: Any, key: str = "aggregated_worker_quality", action: Any = None) -> dict[str, Any]:
    return {"configs": [{"collector_config": {"type": "AGGREGATED_QUALITY", "parameters": parameters},
                         "rules": [{"conditions": [{"key": key, "operator": "LT", "value": 60}],
                                    "action": action or RESTRICT_PROJECT}]}]}


PARAMS = "quality_control.configs[0].collector_config.parameters"


@pytest.mark.parametrize(("qc", "names"), [
    (_collector({"method": "best"}), [f"{PARAMS}.method", "unknown method 'best'", "ds"]),
    (_collector({}), [f"{PARAMS}.method", "is required"]),
    (_collector({"method": 3}), [f"{PARAMS}.method"]),
    (_collector({"method": "ds", "field": ""}), [f"{PARAMS}.field"]),
    (_collector({"method": "ds", "field": ["result"]}), [f"{PARAMS}.field"]),
    (_collector({"method": "ds", "history_size": 5}), [f"{PARAMS}.history_size", "unknown parameter"]),
    (_collector(["ds"]), [PARAMS, "must be an object"]),
    (_collector({"method": "ds"}, key="golden_set_answers_count"),
     ["conditions[0].key", "aggregated_answers_count"]),
    ({"configs": [{"collector_config": {"type": "GOLDEN_SET"},
                   "rules": [{"conditions": [{"key": "golden_set_answers_count", "operator": "GT", "value": 1}],
                              "action": {"type": "SET_SKILL_FROM_OUTPUT_FIELD", "parameters": {
                                  "skill_id": "1", "from_field": "aggregatedWorkerQuality"}}}]}]},
     ["action.parameters.from_field", "AGGREGATED_QUALITY"]),
])
def test_bad_aggregated_quality_config_names_the_field_and_changes_nothing(
    api: Api, qc: Any, names: list[str],
) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    body = _error(api.call("POST", "/api/v1/pools", json=pool_body(project["id"], quality_control=qc)), *names)
    assert names[0] in next(iter(body["payload"]))
    assert api.ok("GET", "/api/v1/pools")["items"] == []
    pool = make_pool(api)
    before = api.ok("GET", f"/api/v1/pools/{pool['id']}")
    _error(api.call("PUT", f"/api/v1/pools/{pool['id']}", json={**before, "quality_control": qc}), *names)
    assert api.ok("GET", f"/api/v1/pools/{pool['id']}") == before
