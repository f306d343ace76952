"""Pool settings of toloka-kit's wide pass that clipcrowd once stored and ignored, now honoured: a pool
that `may_contain_adult_content` goes only to workers whose profile accepts it (`adult_allowed`), and
`training_config.training_skill_ttl_days` sends a worker back to the required training once her passing
value is that old, and a project's `localization_config` gives a worker its texts in the first of her
languages it has. Bad values of the new settings are refused naming the field, and so is a task spec's
constraint of the wrong type (before, the first task of its pool was a 500); arrays' sizes are checked.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from clipcrowd.domain import specs
from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.domain.ids import parse_id
from clipcrowd.services import web_worker
from clipcrowd.sim import simulate
from clipcrowd.store.db import Database
from clipcrowd.store.tables import projects
from tests.apiclient import Api, add_tasks, expect_error, make_pool, worker
from tests.factories import pool_body, text_project
from tests.support import Live, ManualClock
from tests.test_trainings import TRAINING


def _next(api: Api, person: dict[str, Any], pool_id: str) -> Any:
    return api.call("POST", f"/api/v1/worker/pools/{pool_id}/next", headers=person["headers"])


def _submit(api: Api, person: dict[str, Any], suite: dict[str, Any]) -> None:
    api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=person["headers"],
           json={"solutions": [{"output_values": {"result": "a"}} for _ in suite["tasks"]]})


def _id(item: dict[str, Any]) -> int:
    found = parse_id(item["id"])
    assert found is not None
    return found


def _listed(api: Api, person: dict[str, Any]) -> list[str]:
    return [p["id"] for p in api.ok("GET", "/api/v1/worker/pools", headers=person["headers"])["items"]]


def test_adult_content_goes_only_to_workers_who_accept_it(api: Api) -> None:
    adult = make_pool(api, may_contain_adult_content=True,
                      filter={"and": [{"or": [{"category": "profile", "key": "languages", "operator": "IN",
                                               "value": "EN"}]}]})
    plain = make_pool(api, may_contain_adult_content=False)
    for pool in (adult, plain):
        add_tasks(api, pool["id"], 2)
        api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    unknown, declined = worker(api, "unknown"), worker(api, "declined", profile={"adult_allowed": False})
    accepts = worker(api, "accepts", profile={"adult_allowed": True})
    for person in (unknown, declined):
        assert _listed(api, person) == [plain["id"]]
        expect_error(_next(api, person, adult["id"]), 403, "FILTERED_OUT")
    assert _listed(api, accepts) == [adult["id"], plain["id"]]
    assert _next(api, accepts, adult["id"]).json()["pool_id"] == adult["id"]  # the pool's own filter still holds
    french = worker(api, "french", languages=["FR"], profile={"adult_allowed": True})
    expect_error(_next(api, french, adult["id"]), 403, "FILTERED_OUT")


def test_a_passed_training_admits_for_training_skill_ttl_days(api: Api, clock: ManualClock) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    training = api.ok("POST", "/api/v1/trainings", json={**TRAINING, "project_id": project["id"]})
    api.ok("POST", "/api/v1/tasks", json=[{"pool_id": training["id"], "input_values": {"text": f"learn {i}"},
                                          "known_solutions": [{"output_values": {"result": "a"}}]}
                                         for i in range(3)])
    api.call("POST", f"/api/v1/trainings/{training['id']}/open", expect=202)
    pool = make_pool(api, training_config={"training_skill_ttl_days": 2}, quality_control={"training_requirement": {
        "training_pool_id": training["id"], "training_passing_skill_value": 75}})
    assert api.ok("GET", f"/api/v1/pools/{pool['id']}")["training_config"] == {"training_skill_ttl_days": 2}
    add_tasks(api, pool["id"], 3)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    person = worker(api, "learner")
    first = _next(api, person, pool["id"]).json()
    assert first["pool_id"] == training["id"]
    _submit(api, person, first)
    _submit(api, person, (work := _next(api, person, pool["id"]).json()))
    assert work["pool_id"] == pool["id"]
    clock.advance(seconds=86400)  # a day: still admitted
    _submit(api, person, (work := _next(api, person, pool["id"]).json()))
    assert work["pool_id"] == pool["id"]
    clock.advance(seconds=86400 + 1)  # over two days since she passed: the training again, a task she has not seen
    again = _next(api, person, pool["id"]).json()
    assert again["pool_id"] == training["id"] and again["tasks"][0]["input_values"] != first["tasks"][0]["input_values"]
    _submit(api, person, again)
    assert _next(api, person, pool["id"]).json()["pool_id"] == pool["id"]


@pytest.mark.parametrize(("config", "field"), [
    ({"training_skill_ttl_days": 0}, "training_config.training_skill_ttl_days"),
    ({"training_skill_ttl_days": "5"}, "training_config.training_skill_ttl_days"),
    ({"training_skill_ttl_days": 1.5}, "training_config.training_skill_ttl_days"),
    ({"training_skill_ttl_days": True}, "training_config.training_skill_ttl_days"),
    ({"training_skill_ttl_days": 10**6}, "training_config.training_skill_ttl_days"),
    ({"ttl": 5}, "training_config"), ([5], "training_config"), ("5", "training_config")])
def test_bad_training_configs_are_refused_by_field(api: Api, config: Any, field: str) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    expect_error(api.call("POST", "/api/v1/pools", json=pool_body(project["id"], training_config=config)),
                 400, "VALIDATION_ERROR", field)


LOCALIZED = {"default_language": "EN", "additional_languages": [
    {"language": "FR", "public_name": {"value": "Chats", "source": "REQUESTER"},
     "public_instructions": {"value": "Choisissez"}}]}


def test_a_worker_reads_the_project_in_her_language(api: Api, db: Database) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project(
        public_name="Cats", public_description="Pick one", public_instructions="Choose", localization_config=LOCALIZED))
    assert api.ok("GET", f"/api/v1/projects/{project['id']}")["localization_config"] == LOCALIZED
    pool = api.ok("POST", "/api/v1/pools", json=pool_body(project["id"]))
    add_tasks(api, pool["id"], 2)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    texts = {}
    for login, languages in (("fr", ["DE", "FR", "EN"]), ("en", ["EN", "FR"]), ("de", ["DE"])):
        person = worker(api, login, languages=languages)
        listed = api.ok("GET", "/api/v1/worker/pools", headers=person["headers"])["items"][0]
        suite = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=person["headers"])
        intro = web_worker.pool_intro(db, _id(person), _id(pool))["project"]
        page = web_worker.task_page(db, _id(person), _id(suite))["project"]
        assert page == intro
        texts[login] = (listed["title"], listed["description"], intro["title"], intro["instructions"])
    # French first among hers: the French texts, the description (not translated) the project's own
    assert texts["fr"] == ("Chats", "Pick one", "Chats", "Choisissez")
    assert texts["en"] == texts["de"] == ("Cats", "Pick one", "Cats", "Choose")


def test_a_localization_config_stored_unchecked_by_an_earlier_release_reads_as_absent(api: Api, db: Database) -> None:
    """Before 30 November 2026 `localization_config` was stored as sent: such a project still reads, its
    pools still serve workers, and the stored value is kept until the project is written again."""
    project = api.ok("POST", "/api/v1/projects", json=text_project(public_name="Cats"))
    pool = api.ok("POST", "/api/v1/pools", json=pool_body(project["id"]))
    add_tasks(api, pool["id"], 1)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    unchecked = {"additional_languages": "FR", "default_language": ["EN"]}
    with db.write() as conn:
        row = conn.execute(select(projects.c.data).where(projects.c.id == _id(project))).scalar_one()
        conn.execute(update(projects).where(projects.c.id == _id(project)).values(
            data={**row, "localization_config": unchecked}))
    assert api.ok("GET", f"/api/v1/projects/{project['id']}")["localization_config"] is None
    person = worker(api, "reader", languages=["FR"])
    assert api.ok("GET", "/api/v1/worker/pools", headers=person["headers"])["items"][0]["title"] == "Cats"
    suite = api.ok("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=person["headers"])
    assert web_worker.task_page(db, _id(person), _id(suite))["project"]["title"] == "Cats"
    with db.read() as conn:  # nothing lost: the stored value is as it was
        stored = conn.execute(select(projects.c.data).where(projects.c.id == _id(project))).scalar_one()
    assert stored["localization_config"] == unchecked
    # written again, it must be valid
    expect_error(api.call("PUT", f"/api/v1/projects/{project['id']}",
                          json=text_project(public_name="Cats", localization_config=unchecked)),
                 400, "VALIDATION_ERROR", "localization_config")


@pytest.mark.parametrize(("config", "field"), [
    ({"default_language": "english!"}, "localization_config.default_language"),
    ({"additional_languages": [{"language": 7}]}, "localization_config.additional_languages"),
    ({"additional_languages": [{"language": "FR", "public_name": "Chats"}]}, "public_name"),
    ({"additional_languages": [{"language": "FR", "public_name": {"value": "x" * 100_001}}]}, "public_name"),
    ({"additional_languages": [{"language": "FR"}] * 101}, "additional_languages"),
    ("FR", "localization_config")])
def test_bad_localization_configs_are_refused_by_field(api: Api, config: Any, field: str) -> None:
    expect_error(api.call("POST", "/api/v1/projects", json=text_project(localization_config=config)),
                 400, "VALIDATION_ERROR", field)


@pytest.mark.parametrize(("constraint", "kind"), [
    ({"min_length": "3"}, "string"), ({"max_length": [1]}, "string"), ({"max_length": -1}, "string"),
    ({"min_value": "0"}, "integer"), ({"max_value": [1]}, "float"), ({"min_value": True}, "integer"),
    ({"allowed_values": "ab"}, "string"), ({"allowed_values": [{"a": 1}]}, "string"),
    ({"min_size": "1"}, "array_string"), ({"max_size": 1.5}, "array_json"),
    ({"current_location": "yes"}, "coordinates")])
def test_a_spec_constraint_of_the_wrong_type_is_refused_naming_it(api: Api, constraint: dict[str, Any],
                                                                   kind: str) -> None:
    """Before, such a spec was stored and the first task of its pool was a 500 (a string compared with a length)."""
    project = text_project()
    project["task_spec"]["input_spec"]["text"] = {"type": kind, **constraint}
    expect_error(api.call("POST", "/api/v1/projects", json=project), 400, "VALIDATION_ERROR",
                 f"task_spec.input_spec.text.{next(iter(constraint))}")


@pytest.mark.parametrize(("field", "value"), [
    ({"type": "string", "min_length": "3", "max_length": [9], "allowed_values": "abc"}, "x"),
    ({"type": "integer", "min_value": "0", "max_value": None, "allowed_values": {"a": 1}}, 5),
    ({"type": "array_string", "min_size": "2", "max_size": 1.5, "min_length": True}, ["a"]),
])
def test_a_constraint_stored_unchecked_by_an_earlier_release_is_ignored(field: dict[str, Any], value: Any) -> None:
    """Constraints were not type-checked before 30 November 2026: a task of such a pool is checked against
    the rest of its spec (a TypeError here was a 500), and the same spec written again is refused."""
    specs.check_values({"f": field}, {"f": value}, "input_values")
    with pytest.raises(ValidationFailed):
        specs.check_values({"f": field}, {"f": {"not": "a match"}}, "input_values")
    with pytest.raises(ValidationFailed) as refused:
        specs.validate_spec({"f": field}, "task_spec.input_spec")
    assert set(refused.value.payload) == {f"task_spec.input_spec.f.{name}" for name in field
                                          if name != "type" and field[name] is not None}


def test_array_sizes_and_json_arrays(api: Api) -> None:
    project = text_project()
    project["task_spec"]["input_spec"].update({"tags": {"type": "array_string", "min_size": 1, "max_size": 2},
                                               "blobs": {"type": "array_json", "required": False}})
    made = api.ok("POST", "/api/v1/projects", json=project)
    pool = api.ok("POST", "/api/v1/pools", json=pool_body(made["id"]))

    def task(values: dict[str, Any]) -> Any:
        return api.call("POST", "/api/v1/tasks", params={"allow_defaults": "true"},
                        json=[{"pool_id": pool["id"], "input_values": {"text": "t", **values}}])

    assert task({"tags": ["a"], "blobs": [{"k": [1]}, 2]}).status_code == 201
    for values, said in (({"tags": []}, "min_size"), ({"tags": ["a", "b", "c"]}, "max_size"),
                         ({"tags": ["a"], "blobs": {"k": 1}}, "must be a list")):
        body = task(values).json()
        assert said in json.dumps(body), body


def test_a_simulated_crowd_accepts_adult_content_when_the_pool_says_so(live: Live) -> None:
    """The simulated crowd's profile passes the pool, adult-content opt-in included."""
    with httpx.Client(base_url=live.url, headers=live.headers) as http:
        project = http.post("/api/v1/projects", json=text_project()).json()
        pool = http.post("/api/v1/pools", json=pool_body(
            project["id"], may_contain_adult_content=True, defaults={"default_overlap_for_new_task_suites": 1})).json()
        http.post("/api/v1/tasks", params={"allow_defaults": "true"},
                  json=[{"pool_id": pool["id"], "input_values": {"text": f"t{i}"}} for i in range(2)])
        assert http.post(f"/api/v1/pools/{pool['id']}/open").status_code == 202
    # one worker: her last submission closes the pool itself (two last submissions side by side may each
    # see the other's suite out and leave the closing to the maintenance loop, seconds later)
    report = simulate(live.url, live.token, pool["id"], workers=1, timeout=60, idle_seconds=0.5)
    assert sum(report.submitted.values()) == 2
    assert report.stopped == Counter({"POOL_CLOSED": 1})
    assert report.pool_status == "CLOSED"
