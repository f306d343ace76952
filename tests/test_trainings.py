"""Training pools: a pool that requires a training hands it out first, grades it into the
training's skill, admits who passed, refuses who did not until the retry delay has passed."""

from __future__ import annotations

from typing import Any

from tests.apiclient import Api, add_tasks, expect_error, make_pool, worker
from tests.factories import text_project
from tests.support import ManualClock

TRAINING = {"private_name": "learn", "may_contain_adult_content": False, "assignment_max_duration_seconds": 600,
            "mix_tasks_in_creation_order": False, "shuffle_tasks_in_task_suite": False,
            "training_tasks_in_task_suite_count": 1, "task_suites_required_to_pass": 1,
            "retry_training_after_days": 1, "inherited_instructions": True}


def _setup(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    training = api.ok("POST", "/api/v1/trainings", json={**TRAINING, "project_id": project["id"]})
    api.ok("POST", "/api/v1/tasks", json=[
        {"pool_id": training["id"], "input_values": {"text": f"learn {i}"},
         "known_solutions": [{"output_values": {"result": "a"}}], "message_on_unknown_solution": "it is always a"}
        for i in range(3)])
    api.call("POST", f"/api/v1/trainings/{training['id']}/open", expect=202)
    pool = make_pool(api, quality_control={"training_requirement": {
        "training_pool_id": training["id"], "training_passing_skill_value": 75}})
    add_tasks(api, pool["id"], 3)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    return training, pool


def _take(api: Api, person: dict[str, Any], pool_id: str) -> Any:
    return api.call("POST", f"/api/v1/worker/pools/{pool_id}/next", headers=person["headers"])


def _answer(api: Api, person: dict[str, Any], suite: dict[str, Any], label: str) -> dict[str, Any]:
    return dict(api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=person["headers"],
                       json={"solutions": [{"output_values": {"result": label}} for _ in suite["tasks"]]}))


def test_training_first_then_the_pool_or_a_refusal(api: Api, clock: ManualClock) -> None:
    training, pool = _setup(api)
    good, bad = worker(api, "good"), worker(api, "bad")
    first = _take(api, good, pool["id"]).json()
    assert first["pool_id"] == training["id"]  # the training comes first
    assert _answer(api, good, first, "a")["hints"] == []
    skill = api.ok("GET", "/api/v1/user-skills", params={"user_id": good["id"],
                                                          "skill_id": training["training_skill_id"]})["items"]
    assert [s["value"] for s in skill] == [100]
    assert _take(api, good, pool["id"]).json()["pool_id"] == pool["id"]  # passed: the pool's own tasks
    wrong = _answer(api, bad, _take(api, bad, pool["id"]).json(), "b")
    assert [h["message"] for h in wrong["hints"]] == ["it is always a"]  # a hint, never the solution
    refused = _take(api, bad, pool["id"]).json()
    assert refused["code"] == "FILTERED_OUT" and "did not pass" in refused["message"]
    clock.advance(seconds=86400 + 1)  # the retry delay has passed: the training again, with a new task
    again = _take(api, bad, pool["id"]).json()
    assert again["pool_id"] == training["id"] and again["tasks"][0]["input_values"] != first["tasks"][0]
    _answer(api, bad, again, "a")
    assert _take(api, bad, pool["id"]).json()["pool_id"] == pool["id"]


def test_training_lifecycle_and_listing(api: Api) -> None:
    training, pool = _setup(api)
    assert [t["id"] for t in api.ok("GET", "/api/v1/trainings")["items"]] == [training["id"]]
    assert training["id"] not in [p["id"] for p in api.ok("GET", "/api/v1/pools")["items"]]
    changed = api.ok("PUT", f"/api/v1/trainings/{training['id']}",
                     json={**TRAINING, "project_id": training["project_id"], "private_name": "renamed"})
    assert changed["private_name"] == "renamed" and changed["training_skill_id"] == training["training_skill_id"]
    op = api.call("POST", f"/api/v1/trainings/{training['id']}/close", expect=202).json()
    assert op["type"] == "TRAINING.CLOSE"
    api.call("POST", f"/api/v1/trainings/{training['id']}/close", expect=204)
    clone = api.call("POST", f"/api/v1/trainings/{training['id']}/clone", expect=202).json()
    copy = api.ok("GET", f"/api/v1/trainings/{clone['details']['training_id']}")
    assert copy["status"] == "CLOSED" and copy["private_name"] == "renamed"
    assert api.call("POST", f"/api/v1/trainings/{training['id']}/archive", expect=202).json()["type"] == \
        "TRAINING.ARCHIVE"
    expect_error(api.call("GET", f"/api/v1/trainings/{pool['id']}"), 404, "DOES_NOT_EXIST")  # a pool is no training


def test_bad_trainings_and_requirements_are_refused(api: Api) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    for change, field in (({"training_tasks_in_task_suite_count": 0}, "training_tasks_in_task_suite_count"),
                          ({"retry_training_after_days": -1}, "retry_training_after_days"),
                          ({"project_id": "999999"}, "project_id")):
        body = {**TRAINING, "project_id": project["id"], **change}
        expect_error(api.call("POST", "/api/v1/trainings", json=body), 400, "VALIDATION_ERROR", field)
    regular = make_pool(api)
    for requirement, field in (({"training_pool_id": regular["id"], "training_passing_skill_value": 50},
                                "training_pool_id"),
                               ({"training_pool_id": regular["id"], "training_passing_skill_value": 101},
                                "training_passing_skill_value")):
        expect_error(api.call("POST", "/api/v1/pools", json={**regular, "quality_control": {
            "training_requirement": requirement}}), 400, "VALIDATION_ERROR", field)


def test_training_tasks_in_creation_order_unshuffled(api: Api) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    training = api.ok("POST", "/api/v1/trainings", json={
        **TRAINING, "project_id": project["id"], "mix_tasks_in_creation_order": True,
        "shuffle_tasks_in_task_suite": False, "training_tasks_in_task_suite_count": 3})
    api.ok("POST", "/api/v1/tasks", json=[
        {"pool_id": training["id"], "input_values": {"text": f"t{i}"},
         "known_solutions": [{"output_values": {"result": "a"}}]} for i in range(5)])
    api.call("POST", f"/api/v1/trainings/{training['id']}/open", expect=202)
    for login in ("o1", "o2"):  # the same first three, in the order they were made, for everyone
        suite = _take(api, worker(api, login), training["id"]).json()
        assert [t["input_values"]["text"] for t in suite["tasks"]] == ["t0", "t1", "t2"]
