"""`web.desk_forms` without a browser: a stored body shown in the form and saved unchanged is the same
body (so opening "Edit" and pressing Save never alters a pool or project), and faults land on fields."""

from __future__ import annotations

import json
from typing import Any

import pytest

from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.domain.pool import validate_pool
from clipcrowd.services.projects import validate_project
from clipcrowd.web import desk_forms
from clipcrowd.web.desk_forms import FormInvalid
from tests.factories import captured


def _normal(body: dict[str, Any]) -> Any:
    return json.loads(json.dumps(body))


@pytest.mark.parametrize("name", ["video_pool.json", "audio_pool.json"])
def test_a_captured_pool_survives_edit_and_save(name: str) -> None:
    body = captured(name)
    form = desk_forms.pool_form(body)
    again, _ = desk_forms.pool_body(form, body["project_id"], body)
    expected = {**body}
    expected.setdefault("auto_accept_solutions", True)  # absent means automatic; the form writes it out
    expected["may_contain_adult_content"] = bool(body.get("may_contain_adult_content"))
    assert _normal(again) == _normal(expected)
    validate_pool(again)


def test_a_captured_project_survives_edit_and_save() -> None:
    body = captured("video_project.json")
    again, _ = desk_forms.project_body(desk_forms.project_form(body), body)
    assert again == body
    validate_project(again)


def test_rows_the_form_cannot_hold_go_to_the_json_editors_and_back() -> None:
    body = captured("audio_pool.json")
    body["filter"]["and"].append({"category": "profile", "key": "country", "operator": "EQ", "value": "DE"})
    body["quality_control"]["configs"].append({"collector_config": {"type": "ANSWER_COUNT"}, "rules": [
        {"conditions": [{"key": "assignments_accepted_count", "operator": "GTE", "value": 5}],
         "action": {"type": "SET_SKILL", "parameters": {"skill_id": "7", "skill_value": 1}}}]})
    form = desk_forms.pool_form(body)
    assert json.loads(form["filter_json"]) == [body["filter"]["and"][-1]]
    assert json.loads(form["qc_json"]) == [body["quality_control"]["configs"][-1]]
    again, sources = desk_forms.pool_body(form, body["project_id"], body)
    assert again["filter"] == body["filter"] and again["quality_control"] == body["quality_control"]
    assert sources["filter"] == ["f_languages", "f_client", "filter_json"]
    fault = ValidationFailed.field("quality_control.configs[1].rules[0].action.type", "unknown action")
    assert desk_forms.pool_errors(fault, sources) == {"qc_json": "item 1 rules[0].action.type: unknown action"}
    fault = ValidationFailed.field("quality_control.configs[0].rules[0].conditions[1].value", "must be a number")
    assert desk_forms.pool_errors(fault, sources) == {"qc_0": "condition 2 value: must be a number"}


def test_local_end_date_is_stored_in_utc() -> None:
    form = desk_forms.new_pool_form() | {"private_name": "p", "will_expire_local": "2030-06-01T14:30",
                                           "tz_offset": "-120"}  # UTC+2 (JavaScript's sign)
    body, _ = desk_forms.pool_body(form, "000000000001")
    assert body["will_expire"] == "2030-06-01T12:30:00.000"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("private_name", "x" * 201, "at most 200"),
    ("view_config", "y" * 200_001, "at most 200000"),
    ("reward_per_assignment", "1" * 65, "at most 64"),
])
def test_every_field_is_bounded(field: str, value: str, message: str) -> None:
    with pytest.raises(FormInvalid) as caught:
        desk_forms.read([(field, value), ("other", "kept")])
    assert message in caught.value.errors[field]
    assert caught.value.form == {field: value, "other": "kept"}  # shown again as typed


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"reward_per_assignment": "ten"}, "reward_per_assignment", "must be a number"),
    ({"will_expire_local": "next week"}, "will_expire_local", "is not a date"),
    ({"tz_offset": "99999"}, "will_expire_local", "out of range"),
    ({"filter_json": "{\"and\": []}"}, "filter_json", "must be a JSON list"),
    ({"qc_json": "[1,"}, "qc_json", "not valid JSON"),
    ({"priority": "101"}, "priority", "less than or equal to 100"),
    ({"acceptance": "review", "auto_accept_period_day": ""}, "auto_accept_period_day", "days"),
    ({"f_skill_0": "000000000001"}, "f_skill_0", "lowest value"),
])
def test_pool_form_faults_name_their_field(form: dict[str, str], field: str, message: str) -> None:
    with pytest.raises(FormInvalid) as caught:
        desk_forms.pool_body(desk_forms.new_pool_form() | {"private_name": "p"} | form, "000000000001")
    assert message in caught.value.errors[field]


def test_project_form_faults_name_their_field() -> None:
    base = desk_forms.project_form(captured("video_project.json"))
    with pytest.raises(FormInvalid) as caught:
        desk_forms.project_body(base | {"in_name_1": "emoji1", "out_more_0": "[1]"})
    assert "appears twice" in caught.value.errors["in_1"]
    assert "JSON object" in caught.value.errors["out_0"]
