"""Typed bodies at the edge: faults named by their path, pass-through fields kept, absent fields
left absent, and a list of tasks still checked item by item."""

from __future__ import annotations

from tests.apiclient import Api, make_pool
from tests.factories import pool_body, text_project


def test_a_typed_fault_in_a_list_names_its_item(api: Api) -> None:
    pool = make_pool(api)
    items = [{"pool_id": pool["id"], "input_values": {"text": "a"}, "overlap": 2},
             {"pool_id": pool["id"], "input_values": {"text": "b"}, "overlap": "3"}]
    response = api.call("POST", "/api/v1/tasks", json=items)
    assert response.status_code == 400 and response.json()["code"] == "VALIDATION_ERROR"
    assert set(response.json()["payload"]) == {"[1].overlap"}
    assert api.ok("GET", "/api/v1/tasks", params={"pool_id": pool["id"]})["items"] == []


def test_skip_invalid_items_skips_a_wrongly_typed_item(api: Api) -> None:
    pool = make_pool(api)
    items = [{"pool_id": pool["id"], "input_values": {"text": "a"}, "overlap": 2},
             {"pool_id": pool["id"], "input_values": {"text": "b"}, "overlap": "3"},
             "not a task"]
    result = api.ok("POST", "/api/v1/tasks", json=items, params={"skip_invalid_items": "true"})
    assert list(result["items"]) == ["0"]
    assert "overlap" in result["validation_errors"]["1"] and "task" in result["validation_errors"]["2"]


def test_the_body_itself(api: Api) -> None:
    for content, message in ((b"", "a JSON body is required"), (b'{"public_name": ', "malformed JSON")):
        response = api.call("POST", "/api/v1/projects", content=content, headers={"Content-Type": "application/json"})
        assert response.status_code == 400 and list(response.json()["payload"]) == ["body"]
        assert message in response.json()["message"]
    wrong = api.call("POST", "/api/v1/skills", json=["a", "list"])
    assert wrong.status_code == 400 and wrong.json()["code"] == "VALIDATION_ERROR"


def test_nested_faults_carry_their_path(api: Api) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    body = pool_body(project["id"], mixer_config={"real_tasks_count": -1, "golden_tasks_count": 0})
    response = api.call("POST", "/api/v1/pools", json=body)
    assert response.status_code == 400 and "mixer_config.real_tasks_count" in response.json()["payload"]
    task_spec = {**text_project()["task_spec"], "output_spec": {"result": "string"}}
    response = api.call("POST", "/api/v1/projects", json={**text_project(), "task_spec": task_spec})
    assert response.status_code == 400 and "task_spec.output_spec.result" in response.json()["payload"]


def test_answers_keep_what_the_client_sent_and_add_nothing_unset(api: Api) -> None:
    sent = {**text_project(), "metadata": {"team": ["vision"]}, "client_field": 7}
    project = api.ok("POST", "/api/v1/projects", json=sent)
    assert project["metadata"] == {"team": ["vision"]} and project["client_field"] == 7
    assert "private_comment" not in project and "input_type" not in project
    pool = api.ok("POST", "/api/v1/pools", json=pool_body(project["id"]))
    again = api.ok("GET", f"/api/v1/pools/{pool['id']}")
    assert again == pool and "auto_accept_period_day" not in again
    assert isinstance(again["project_id"], str) and again["status"] == "CLOSED"


def test_training_tasks_in_a_pool_mixer_are_refused_by_name(api: Api) -> None:
    """A training is a pool of its own: a mixer asking for training tasks would be silently ignored."""
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    body = pool_body(project["id"], mixer_config={"real_tasks_count": 1, "golden_tasks_count": 0,
                                                  "training_tasks_count": 2})
    response = api.call("POST", "/api/v1/pools", json=body)
    assert response.status_code == 400 and "mixer_config.training_tasks_count" in response.json()["payload"]
    assert "training_requirement" in response.json()["payload"]["mixer_config.training_tasks_count"]["message"]
    pool = api.ok("POST", "/api/v1/pools", json={**body, "mixer_config": {**body["mixer_config"],
                                                                          "training_tasks_count": 0}})
    response = api.call("PUT", f"/api/v1/pools/{pool['id']}", json=body)
    assert response.status_code == 400 and "mixer_config.training_tasks_count" in response.json()["payload"]
