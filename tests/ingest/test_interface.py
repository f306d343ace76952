"""The JSON interface of seed 002 becomes a task spec; faults are refused with their path."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from clipcrowd.compat.kili_interface import project_from_interface
from clipcrowd.domain.errors import ValidationFailed
from tests.apiclient import Api
from tests.ingest.test_seed_002 import interface as SEED


def _fault(body: Any, input_type: str = "VIDEO") -> dict[str, Any]:
    with pytest.raises(ValidationFailed) as info:
        project_from_interface(input_type, body, title="t")
    assert info.value.payload is not None
    return info.value.payload


def test_seed_interface_becomes_a_radio_group_under_a_video() -> None:
    body = project_from_interface("VIDEO", SEED, title="[Kili SDK Notebook]: Importing Video Assets")
    config = json.loads(body["task_spec"]["view_spec"]["config"])
    video, field = config["view"]["items"]
    assert video == {"type": "view.video", "url": {"type": "data.input", "path": "asset"}}
    assert field["type"] == "field.radio-group" and field["label"] == "Categories"
    assert field["options"] == [{"label": "Object A", "value": "OBJECT_A"}, {"label": "Object B", "value": "OBJECT_B"}]
    assert field["validation"] == {"type": "condition.required"}
    assert body["task_spec"]["output_spec"] == {
        "JOB_0": {"type": "string", "required": True, "allowed_values": ["OBJECT_A", "OBJECT_B"]}}
    assert body["task_spec"]["input_spec"] == {"asset": {"type": "url", "required": True}}


@pytest.mark.parametrize(("input_type", "view"), [("IMAGE", "view.image"), ("AUDIO", "view.audio"),
                                                  ("FRAME", "view.video")])
def test_checkbox_jobs_and_other_input_types(input_type: str, view: str) -> None:
    checkbox = copy.deepcopy(SEED)
    checkbox["jobs"]["JOB_0"]["content"]["input"] = "checkbox"
    checkbox["jobs"]["JOB_0"]["required"] = 0
    config = json.loads(project_from_interface(input_type, checkbox, title="t")["task_spec"]["view_spec"]["config"])
    assert config["view"]["items"][0]["type"] == view
    field = config["view"]["items"][1]
    assert field["type"] == "field.checkbox-group" and "validation" not in field


@pytest.mark.parametrize(("change", "path"), [
    (lambda j: j["content"].update(categories={}), "jsonInterface.jobs.JOB_0.content.categories"),
    (lambda j: j["content"].pop("categories"), "jsonInterface.jobs.JOB_0.content.categories"),
    (lambda j: j.update(mlTask="OBJECT_DETECTION"), "jsonInterface.jobs.JOB_0.mlTask"),
    (lambda j: j["content"].update(input="slider"), "jsonInterface.jobs.JOB_0.content.input"),
    (lambda j: j["content"]["categories"]["OBJECT_A"].update(name=""),
     "jsonInterface.jobs.JOB_0.content.categories.OBJECT_A.name"),
    (lambda j: j["content"]["categories"]["OBJECT_A"].update(children=["X"]),
     "jsonInterface.jobs.JOB_0.content.categories.OBJECT_A.children"),
    (lambda j: j.pop("content"), "jsonInterface.jobs.JOB_0.content"),
])
def test_faults_are_named_by_path(change: Any, path: str) -> None:
    bad = copy.deepcopy(SEED)
    change(bad["jobs"]["JOB_0"])
    assert list(_fault(bad)) == [path]


def test_bad_roots_and_input_types() -> None:
    assert list(_fault({"jobs": {}})) == ["jsonInterface.jobs"]
    assert list(_fault([1])) == ["jsonInterface"]
    assert list(_fault(SEED, "PDF")) == ["input_type"]


def test_the_api_refuses_with_the_path_and_creates_on_success(api: Api) -> None:
    bad = copy.deepcopy(SEED)
    bad["jobs"]["JOB_0"]["content"]["categories"] = []
    response = api.call("POST", "/api/v1/projects/from-interface", expect=400,
                        json={"title": "t", "input_type": "VIDEO", "json_interface": bad})
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert list(response.json()["payload"]) == ["jsonInterface.jobs.JOB_0.content.categories"]
    made = api.ok("POST", "/api/v1/projects/from-interface",
                  json={"title": "t", "input_type": "VIDEO", "json_interface": SEED, "description": "d"})
    again = api.ok("GET", f"/api/v1/projects/{made['id']}")
    assert again["input_type"] == "VIDEO" and again["json_interface"] == SEED and again["public_description"] == "d"


def test_assets_need_a_project_with_an_input_type(api: Api) -> None:
    from tests.factories import text_project

    project = api.ok("POST", "/api/v1/projects", json=text_project())
    response = api.call("POST", "/api/v1/assets", expect=400,
                        json={"project_id": project["id"], "assets": [{"external_id": "a", "content": "http://x/a"}]})
    assert "has no input_type" in response.json()["message"]
    assert api.call("GET", "/api/v1/assets", expect=400, params={"fields": "nope"}).json()["payload"]["fields"]
