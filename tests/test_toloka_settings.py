"""Settings toloka-kit sends that clipcrowd once stored and ignored: each is now honoured (a project's
`max_active_assignments_count`, a pool's suites in random or creation order), or refused naming the
field (answers merged across identical tasks, suites placed on a map, a project's setting sent with a
pool); and a training's id is no pool's, nor a pool's a training's, as in Toloka.
"""

from __future__ import annotations

from typing import Any

import pytest

from clipcrowd.services import maintenance, web_worker
from clipcrowd.store.db import Database
from tests.apiclient import Api, add_tasks, expect_error, make_pool, worker
from tests.factories import pool_body, text_project
from tests.support import ManualClock
from tests.test_trainings import TRAINING


def _next(api: Api, person: dict[str, Any], pool_id: str) -> Any:
    return api.call("POST", f"/api/v1/worker/pools/{pool_id}/next", headers=person["headers"])


def _submit(api: Api, person: dict[str, Any], suite: dict[str, Any]) -> None:
    api.ok("POST", f"/api/v1/worker/assignments/{suite['id']}/submit", headers=person["headers"],
           json={"solutions": [{"output_values": {"result": "a"}} for _ in suite["tasks"]]})


def _open_pools(api: Api, project: dict[str, Any], count: int) -> list[dict[str, Any]]:
    made = []
    for _ in range(count):
        pool = api.ok("POST", "/api/v1/pools", json=pool_body(project["id"]))
        add_tasks(api, pool["id"], 2)
        api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
        made.append(pool)
    return made


def test_a_worker_holds_at_most_the_projects_active_assignments(api: Api) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project(max_active_assignments_count=2))
    assert project["max_active_assignments_count"] == 2
    first, second, third = _open_pools(api, project, 3)
    person = worker(api, "holder")
    held = _next(api, person, first["id"]).json()
    assert _next(api, person, second["id"]).status_code == 200
    refused = expect_error(_next(api, person, third["id"]), 409, "ACTIVE_ASSIGNMENTS_LIMIT", "2 task suites")
    assert "Submit or skip" in refused["message"]
    assert _next(api, person, first["id"]).json()["id"] == held["id"]  # her own suite is handed back
    _submit(api, person, held)
    assert _next(api, person, third["id"]).status_code == 200  # one fewer held: the third pool admits her
    # another worker is counted on her own; another project's pools not at all
    assert _next(api, worker(api, "other"), third["id"]).status_code == 200
    free = api.ok("POST", "/api/v1/projects", json=text_project())
    assert all(_next(api, person, p["id"]).status_code == 200 for p in _open_pools(api, free, 3))


def test_the_active_limit_is_checked_and_changed_with_the_project(api: Api) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    first, second = _open_pools(api, project, 2)
    person = worker(api, "changed")
    assert _next(api, person, first["id"]).status_code == 200
    for bad in (0, -1, "1"):
        expect_error(api.call("PUT", f"/api/v1/projects/{project['id']}",
                              json={**project, "max_active_assignments_count": bad}), 400, "VALIDATION_ERROR",
                     "max_active_assignments_count")
    api.ok("PUT", f"/api/v1/projects/{project['id']}", json={**project, "max_active_assignments_count": 1})
    expect_error(_next(api, person, second["id"]), 409, "ACTIVE_ASSIGNMENTS_LIMIT", "one task suite")
    # a pool does not carry it: sent with one, it is refused rather than stored and never read
    for name, value in (("max_active_assignments_count", 3), ("assignments_automerge_enabled", False)):
        expect_error(api.call("POST", "/api/v1/pools", json=pool_body(project["id"], **{name: value})), 400,
                     "VALIDATION_ERROR", name, "project's setting")


def _suites(api: Api, pool_id: str, count: int, **extra: Any) -> list[str]:
    made = api.ok("POST", "/api/v1/task-suites", json=[
        {"pool_id": pool_id, "overlap": 1, "tasks": [{"input_values": {"text": f"s{i}"}}], **extra}
        for i in range(count)])
    return [made["items"][str(i)]["tasks"][0]["input_values"]["text"] for i in range(count)]


def _taken_in_turn(api: Api, pool_id: str) -> list[str]:
    person, texts = worker(api, f"turns-{pool_id}"), []
    while (got := _next(api, person, pool_id)).status_code == 200:
        suite = got.json()
        texts.append(suite["tasks"][0]["input_values"]["text"])
        _submit(api, person, suite)
    return texts


def test_suites_go_out_in_random_order_when_the_pool_says_so(api: Api) -> None:
    shuffled = make_pool(api, assignments_issuing_config={"issue_task_suites_in_creation_order": False})
    assert shuffled["assignments_issuing_config"] == {"issue_task_suites_in_creation_order": False}
    created = _suites(api, shuffled["id"], 12)
    api.call("POST", f"/api/v1/pools/{shuffled['id']}/open", expect=202)
    taken = _taken_in_turn(api, shuffled["id"])
    # every suite once, not in creation order (12! orders: creation order by chance once in 479 million)
    assert sorted(taken) == sorted(created) and taken != created
    ordered = make_pool(api, assignments_issuing_config={"issue_task_suites_in_creation_order": True})
    created = _suites(api, ordered["id"], 6)
    fifth = api.ok("GET", "/api/v1/task-suites", params={"pool_id": ordered["id"]})["items"][4]
    api.ok("PATCH", f"/api/v1/task-suites/{fifth['id']}", json={"issuing_order_override": 3})
    api.call("POST", f"/api/v1/pools/{ordered['id']}/open", expect=202)
    assert _taken_in_turn(api, ordered["id"]) == [created[4], *created[:4], created[5]]
    expect_error(api.call("POST", "/api/v1/pools", json=pool_body(
        shuffled["project_id"], assignments_issuing_config={"issue_task_suites_in_creation_order": "no"})), 400,
        "VALIDATION_ERROR", "issue_task_suites_in_creation_order")


def test_merging_identical_tasks_is_refused(api: Api) -> None:
    expect_error(api.call("POST", "/api/v1/projects", json=text_project(assignments_automerge_enabled=True)), 400,
                 "VALIDATION_ERROR", "assignments_automerge_enabled", "not supported")
    assert api.ok("GET", "/api/v1/projects")["items"] == []
    made = api.ok("POST", "/api/v1/projects", json=text_project(assignments_automerge_enabled=False))
    merged = {**made, "assignments_automerge_enabled": True}
    expect_error(api.call("PUT", f"/api/v1/projects/{made['id']}", json=merged), 400, "VALIDATION_ERROR",
                 "assignments_automerge_enabled")
    assert api.ok("GET", f"/api/v1/projects/{made['id']}")["assignments_automerge_enabled"] is False


@pytest.mark.parametrize("name", ["latitude", "longitude"])
def test_a_place_on_the_map_is_refused(api: Api, name: str) -> None:
    pool = make_pool(api)
    suite = {"pool_id": pool["id"], "overlap": 1, "tasks": [{"input_values": {"text": "x"}}], name: 55.75}
    for body in (suite, [suite]):
        expect_error(api.call("POST", "/api/v1/task-suites", json=body), 400, "VALIDATION_ERROR", name,
                     "not supported")
    task = {"pool_id": pool["id"], "input_values": {"text": "x"}, "overlap": 1, name: 37.6}
    expect_error(api.call("POST", "/api/v1/tasks", json=task), 400, "VALIDATION_ERROR", name, "not supported")
    assert api.ok("GET", "/api/v1/task-suites", params={"pool_id": pool["id"]})["items"] == []
    assert api.ok("POST", "/api/v1/task-suites", json={**suite, name: None})["overlap"] == 1  # null says nothing


def test_pools_and_trainings_are_apart(api: Api) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    training = api.ok("POST", "/api/v1/trainings", json={**TRAINING, "project_id": project["id"]})
    pool = api.ok("POST", "/api/v1/pools", json=pool_body(project["id"]))
    tid, pid = training["id"], pool["id"]
    for method, path, body in (("GET", f"/pools/{tid}", None), ("PUT", f"/pools/{tid}", pool_body(project["id"])),
                               ("PATCH", f"/pools/{tid}", {"priority": 3}), ("POST", f"/pools/{tid}/open", None),
                               ("POST", f"/pools/{tid}/close", None), ("POST", f"/pools/{tid}/archive", None),
                               ("POST", f"/pools/{tid}/clone", None), ("GET", f"/trainings/{pid}", None),
                               ("PUT", f"/trainings/{pid}", {**TRAINING, "project_id": project["id"]}),
                               ("POST", f"/trainings/{pid}/open", None), ("POST", f"/trainings/{pid}/archive", None),
                               ("POST", f"/trainings/{pid}/clone", None)):
        expect_error(api.call(method, f"/api/v1{path}", json=body), 404, "DOES_NOT_EXIST")
    assert api.ok("GET", f"/api/v1/trainings/{tid}")["status"] == "CLOSED"
    assert api.ok("GET", f"/api/v1/pools/{pid}")["status"] == "CLOSED"
    assert [p["id"] for p in api.ok("GET", "/api/v1/pools", params={"project_id": project["id"]})["items"]] == [pid]


def _mixed_pool(api: Api, count: int, **mixer: Any) -> dict[str, Any]:
    """An open pool of `count` tasks t0, t1, ... whose mixer says `mixer` (one real task a suite by default)."""
    pool = make_pool(api, mixer_config={"real_tasks_count": 1, "golden_tasks_count": 0, "training_tasks_count": 0,
                                        **mixer})
    add_tasks(api, pool["id"], count)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    return pool


def _suites_in_turn(api: Api, pool_id: str, person: dict[str, Any] | None = None) -> list[list[str]]:
    """The texts of every suite one worker (a new one unless given) gets from the pool, answering each,
    until none is left for her."""
    person, suites = person or worker(api, f"mixed-{pool_id}"), []
    while (got := _next(api, person, pool_id)).status_code == 200:
        suite = got.json()
        suites.append([t["input_values"]["text"] for t in suite["tasks"]])
        _submit(api, person, suite)
    expect_error(got, 409, "NO_TASKS_AVAILABLE")
    return suites


def test_the_mixer_picks_real_tasks_in_creation_order_or_at_random(api: Api) -> None:
    created = [[f"t{i}"] for i in range(12)]
    assert _suites_in_turn(api, _mixed_pool(api, 12)["id"]) == created
    assert _suites_in_turn(api, _mixed_pool(api, 12, mix_tasks_in_creation_order=True)["id"]) == created
    taken = _suites_in_turn(api, _mixed_pool(api, 12, mix_tasks_in_creation_order=False)["id"])
    assert sorted(taken) == sorted(created) and taken != created  # in creation order by chance once in 479 million


def test_the_mixer_shuffles_a_suite_unless_told_not_to(api: Api) -> None:
    in_order = [f"t{i}" for i in range(10)]
    assert _suites_in_turn(api, _mixed_pool(api, 10, real_tasks_count=10, shuffle_tasks_in_task_suite=False)[
        "id"]) == [in_order]
    # picked at random, placed in creation order all the same
    [picked] = _suites_in_turn(api, _mixed_pool(api, 10, real_tasks_count=10, shuffle_tasks_in_task_suite=False,
                                                 mix_tasks_in_creation_order=False)["id"])
    assert picked == in_order
    [shuffled] = _suites_in_turn(api, _mixed_pool(api, 10, real_tasks_count=10)["id"])
    assert sorted(shuffled) == in_order and shuffled != in_order  # 10! orders: in order once in 3.6 million


def test_a_short_last_suite_waits_when_force_last_assignment_is_false(api: Api) -> None:
    assert _suites_in_turn(api, _mixed_pool(api, 4, real_tasks_count=3, shuffle_tasks_in_task_suite=False)[
        "id"]) == [["t0", "t1", "t2"], ["t3"]]  # by default the last, short suite goes out
    waits = _mixed_pool(api, 4, real_tasks_count=3, force_last_assignment=False, shuffle_tasks_in_task_suite=False)
    person = worker(api, "waits")
    assert _suites_in_turn(api, waits["id"], person) == [["t0", "t1", "t2"]]
    at_least_two = _mixed_pool(api, 5, real_tasks_count=3, min_real_tasks_count=2, force_last_assignment=False,
                               shuffle_tasks_in_task_suite=False)
    assert _suites_in_turn(api, at_least_two["id"]) == [["t0", "t1", "t2"], ["t3", "t4"]]
    # more tasks make the suite whole: the one left over goes out with them
    add_tasks(api, waits["id"], 2)
    assert _suites_in_turn(api, waits["id"], person) == [["t3", "t0", "t1"]]  # add_tasks names them t0, t1 again


def test_min_golden_tasks_count_stops_a_worker_who_has_seen_every_golden_task(api: Api) -> None:
    def pool_with_golden(**mixer: Any) -> str:
        pool = make_pool(api, mixer_config={"real_tasks_count": 1, "golden_tasks_count": 1,
                                            "training_tasks_count": 0, **mixer})
        add_tasks(api, pool["id"], 4)
        api.ok("POST", "/api/v1/tasks", json=[{"pool_id": pool["id"], "input_values": {"text": f"g{i}"},
                                               "known_solutions": [{"output_values": {"result": "a"}}],
                                               "infinite_overlap": True} for i in range(2)])
        api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
        return str(pool["id"])

    strict = _suites_in_turn(api, pool_with_golden(min_golden_tasks_count=1))
    assert len(strict) == 2 and all(len(s) == 2 for s in strict)  # two golden tasks: two suites, then none
    lenient = _suites_in_turn(api, pool_with_golden())
    assert [len(s) for s in lenient] == [2, 2, 1, 1]  # the real tasks go on without golden ones


@pytest.mark.parametrize("mixer, field, says", [
    ({"golden_task_distribution_function": {"scope": "PROJECT", "distribution": "UNIFORM", "window_days": 1,
                                            "intervals": [{"to": 10, "frequency": 2}]}},
     "golden_task_distribution_function", "not supported"),
    ({"training_task_distribution_function": {"scope": "POOL", "distribution": "UNIFORM", "window_days": 1,
                                              "intervals": [{"to": 10, "frequency": 2}]}},
     "training_task_distribution_function", "not supported"),
    ({"force_last_assignment_delay_seconds": 60}, "force_last_assignment_delay_seconds", "not supported"),
    ({"min_real_tasks_count": 2}, "min_real_tasks_count", "at most real_tasks_count"),
    ({"min_golden_tasks_count": 1}, "min_golden_tasks_count", "at most golden_tasks_count"),
    ({"shuffle_tasks_in_task_suite": "no"}, "shuffle_tasks_in_task_suite", ""),
])
def test_mixer_settings_issuing_cannot_honour_are_refused(api: Api, mixer: dict[str, Any], field: str,
                                                          says: str) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    body = pool_body(project["id"], mixer_config={"real_tasks_count": 1, "golden_tasks_count": 0,
                                                  "training_tasks_count": 0, **mixer})
    expect_error(api.call("POST", "/api/v1/pools", json=body), 400, "VALIDATION_ERROR", field, says)
    assert api.ok("GET", "/api/v1/pools")["items"] == []


def test_selective_majority_vote_checkpoints_are_refused(api: Api) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    checkpoints = {"real_settings": {"target_overlap": 5, "task_distribution_function": {
        "scope": "POOL", "distribution": "UNIFORM", "window_days": 1, "intervals": [{"to": 100, "frequency": 5}]}}}
    body = pool_body(project["id"], quality_control={"configs": [], "checkpoints_config": checkpoints})
    expect_error(api.call("POST", "/api/v1/pools", json=body), 400, "VALIDATION_ERROR",
                 "quality_control.checkpoints_config", "not supported")
    pool = api.ok("POST", "/api/v1/pools", json=pool_body(project["id"], quality_control={"configs": []}))
    expect_error(api.call("PUT", f"/api/v1/pools/{pool['id']}", json={**pool, "quality_control": {
        "configs": [], "checkpoints_config": checkpoints}}), 400, "VALIDATION_ERROR", "checkpoints_config")
    assert "checkpoints_config" not in api.ok("GET", f"/api/v1/pools/{pool['id']}")["quality_control"]


def test_a_workers_list_of_pools_puts_the_highest_priority_first(api: Api) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    plain, urgent, patched = _open_pools(api, project, 3)
    api.ok("PUT", f"/api/v1/pools/{urgent['id']}", json={**urgent, "priority": 10})
    api.ok("PATCH", f"/api/v1/pools/{patched['id']}", json={"priority": 5})
    person = worker(api, "lister")
    listed = api.ok("GET", "/api/v1/worker/pools", headers=person["headers"])["items"]
    assert [p["id"] for p in listed] == [urgent["id"], patched["id"], plain["id"]]
    expect_error(api.call("PUT", f"/api/v1/pools/{plain['id']}", json={**plain, "priority": "high"}), 400,
                 "VALIDATION_ERROR", "priority")


def test_a_pools_own_description_and_instructions_stand_in_for_the_projects(api: Api, db: Database) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project(
        public_description="project words", public_instructions="<p>project rules</p>"))
    own, plain = _open_pools(api, project, 2)
    api.ok("PUT", f"/api/v1/pools/{own['id']}", json={**own, "public_description": "pool words",
                                                       "public_instructions": "<p>pool rules</p>"})
    person = worker(api, "reader")
    listed = {p["id"]: p["description"] for p in api.ok("GET", "/api/v1/worker/pools",
                                                        headers=person["headers"])["items"]}
    assert listed == {own["id"]: "pool words", plain["id"]: "project words"}
    texts = {pool["id"]: web_worker.pool_intro(db, int(person["id"]), int(pool["id"]))["project"]
             for pool in (own, plain)}
    assert (texts[own["id"]]["description"], texts[own["id"]]["instructions"]) == ("pool words", "<p>pool rules</p>")
    assert texts[plain["id"]]["instructions"] == "<p>project rules</p>"
    suite = _next(api, person, own["id"]).json()
    page = web_worker.task_page(db, int(person["id"]), int(suite["id"]))
    assert page["project"]["instructions"] == "<p>pool rules</p>"


def test_quality_control_on_a_project_is_refused(api: Api) -> None:
    rules = {"configs": [{"collector_config": {"type": "SKIPPED_IN_ROW_ASSIGNMENTS"}, "rules": [{
        "conditions": [{"key": "skipped_in_row_count", "operator": "GTE", "value": 3}],
        "action": {"type": "RESTRICTION_V2", "parameters": {"scope": "PROJECT", "duration_unit": "PERMANENT"}}}]}]}
    expect_error(api.call("POST", "/api/v1/projects", json=text_project(quality_control=rules)), 400,
                 "VALIDATION_ERROR", "quality_control", "per pool")
    assert api.ok("GET", "/api/v1/projects")["items"] == []
    for empty in (None, {}, {"configs": []}):
        assert api.ok("POST", "/api/v1/projects", json=text_project(quality_control=empty))["public_name"]


def test_a_training_shows_its_own_instructions_unless_it_inherits_the_projects(api: Api, db: Database) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project(public_instructions="project rules"))
    person = worker(api, "trainee")
    shown = []
    for inherited in (False, True):
        training = api.ok("POST", "/api/v1/trainings", json={
            **TRAINING, "project_id": project["id"], "inherited_instructions": inherited,
            "public_instructions": "training rules"})
        api.ok("POST", "/api/v1/tasks", json=[{"pool_id": training["id"], "input_values": {"text": "learn"},
                                               "known_solutions": [{"output_values": {"result": "a"}}]}])
        api.call("POST", f"/api/v1/trainings/{training['id']}/open", expect=202)
        suite = _next(api, person, training["id"]).json()
        shown.append(web_worker.task_page(db, int(person["id"]), int(suite["id"]))["project"]["instructions"])
    assert shown == ["training rules", "project rules"]


def test_a_skill_value_is_removed_once_its_skills_ttl_has_passed(api: Api, db: Database, clock: ManualClock) -> None:
    lasting = api.ok("POST", "/api/v1/skills", json={"name": "lasting"})
    brief = api.ok("POST", "/api/v1/skills", json={"name": "brief", "skill_ttl_hours": 2})
    assert brief["skill_ttl_hours"] == 2
    person = worker(api, "skilled")
    for skill in (lasting, brief):
        api.ok("PUT", "/api/v1/user-skills", json={"skill_id": skill["id"], "user_id": person["id"], "value": 80})

    def held() -> list[str]:
        return sorted(s["skill_id"] for s in api.ok("GET", "/api/v1/user-skills",
                                                    params={"user_id": person["id"]})["items"])

    clock.advance(3600)
    assert maintenance.tick(db).skills_expired == 0 and held() == sorted([lasting["id"], brief["id"]])
    # set again: it lives two more hours from now
    api.ok("PUT", "/api/v1/user-skills", json={"skill_id": brief["id"], "user_id": person["id"], "value": 90})
    clock.advance(3600 + 1800)
    assert maintenance.tick(db).skills_expired == 0
    clock.advance(1800)
    assert maintenance.tick(db).skills_expired == 1 and held() == [lasting["id"]]
    expect_error(api.call("POST", "/api/v1/skills", json={"name": "x", "skill_ttl_hours": 0}), 400, "VALIDATION_ERROR",
                 "skill_ttl_hours")


def test_the_active_limit_hands_back_an_open_training_suite(api: Api) -> None:
    project = api.ok("POST", "/api/v1/projects", json=text_project(max_active_assignments_count=1))
    training = api.ok("POST", "/api/v1/trainings", json={**TRAINING, "project_id": project["id"]})
    api.ok("POST", "/api/v1/tasks", json=[{"pool_id": training["id"], "input_values": {"text": "learn"},
                                           "known_solutions": [{"output_values": {"result": "a"}}]}])
    api.call("POST", f"/api/v1/trainings/{training['id']}/open", expect=202)
    pool = api.ok("POST", "/api/v1/pools", json=pool_body(project["id"], quality_control={"training_requirement": {
        "training_pool_id": training["id"], "training_passing_skill_value": 75}}))
    add_tasks(api, pool["id"], 1)
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    person = worker(api, "learner")
    first = _next(api, person, pool["id"]).json()
    assert first["pool_id"] == training["id"]
    again = _next(api, person, pool["id"])  # her one suite of the project is the training's: handed back
    assert again.status_code == 200 and again.json()["id"] == first["id"]
