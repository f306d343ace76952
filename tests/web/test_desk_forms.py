"""The desk's set-up pages in Chromium: seed 000's project and pool made entirely in forms, a worker
records, the requester accepts; edit, clone, open, close; each class of bad input re-renders the
form with the message next to the field and the input kept."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from clipcrowd.domain.pool import PoolRules
from clipcrowd.services import pools, projects, skills
from clipcrowd.store.tables import assignments
from tests.factories import captured
from tests.web.axe import shots
from tests.web.conftest import UNDO_MS, LiveServer, sign_in_desk, sign_in_worker

# No module-wide browser mark: only the tests that drive Chromium have it, so the others sort after the
# browser tests (tests/conftest.py) and a test process does not close Chromium for them and start it again.


def _fill_project(page: Any, body: dict[str, Any]) -> None:
    """Type a project body into the form, the way a requester would."""
    page.fill("#public_name", body["public_name"])
    page.fill("#public_description", body.get("public_description", ""))
    spec = body["task_spec"]
    for side, key in (("in", "input_spec"), ("out", "output_spec")):
        fields = list(spec[key].items())
        while page.locator(f"input[name={side}_name_{len(fields) - 1}]").count() == 0:
            page.click("button[name=action][value=more]")
        for i, (name, field) in enumerate(fields):
            page.fill(f"input[name={side}_name_{i}]", name)
            page.select_option(f"select[name={side}_type_{i}]", field["type"])
            page.set_checked(f"input[name={side}_required_{i}]", field.get("required", True))
            more = {k: v for k, v in field.items() if k not in ("type", "required")}
            page.fill(f"input[name={side}_more_{i}]", json.dumps(more) if more else "")
    page.fill("#public_instructions", body["public_instructions"])
    page.fill("#view_config", spec["view_spec"]["config"])


def _not_again(page: Any, name: str) -> None:
    """In place of `shots` for a page state already shot and audited in the test's other run."""


@pytest.mark.browser
def test_seed_000_made_in_the_desk_then_recorded_and_accepted(live_any_db: LiveServer, browser) -> None:
    live = live_any_db  # SQLite, and PostgreSQL when CLIPCROWD_TEST_DATABASE_URL is set
    # The pages are the same on either database (the stored values are checked on both): they are shot
    # and audited on SQLite's run, not a second time on PostgreSQL's.
    look = shots if live.db.engine.dialect.name == "sqlite" else _not_again
    skill = skills.create(live.db, captured("video_skill.json"))  # the desk has no skill page; skills are set-up data
    wanted_project = captured("video_project.json")
    wanted_pool = captured("video_pool.json")
    page = browser.new_page(viewport={"width": 1280, "height": 900}, timezone_id="Europe/Berlin",
                                 locale="en-US")
    sign_in_desk(page, live)
    look(page, "desk-forms-home-empty")
    page.click("[data-testid=new-project]")
    page.wait_for_selector("body[data-ready='1']")

    # the project: fields, instructions with a preview, the interface with a live preview
    _fill_project(page, wanted_project)
    page.wait_for_selector("#view-preview button:has-text('Record video')")
    assert "Record a 5 second video" in page.inner_text("#view-preview")
    # markdown is rendered by the server as for a worker (the inputs are the preview's made-up ones)
    page.wait_for_selector("#view-preview[data-markdown=server] .md h1:has-text('example emoji1')")
    page.click("button[name=action][value=preview]")
    page.wait_for_selector("body[data-ready='1']")
    assert "Video recording" in page.inner_text("[data-testid=instructions-preview] h2")
    assert page.input_value("#view_config") == wanted_project["task_spec"]["view_spec"]["config"]  # kept as typed
    look(page, "desk-forms-project-new")
    page.click(".actions button[value=save]")
    page.wait_for_url("**/desk/projects/*")
    look(page, "desk-forms-project-page")
    project_id = page.url.split("/desk/projects/")[1].split("?")[0]
    made = projects.get(live.db, int(project_id))
    for key in ("public_name", "public_description", "public_instructions"):
        assert made[key] == wanted_project[key]
    for key in ("input_spec", "output_spec"):
        assert made["task_spec"][key] == wanted_project["task_spec"][key]
    assert made["task_spec"]["view_spec"]["config"] == wanted_project["task_spec"]["view_spec"]["config"]

    # the pool, every setting of the captured body through the form
    page.click("[data-testid=new-pool]")
    page.wait_for_selector("body[data-ready='1']")
    page.fill("#private_name", wanted_pool["private_name"])
    page.fill("#reward_per_assignment", "0.03")
    page.fill("#assignment_max_duration_seconds", "900")
    page.fill("#default_overlap", "1")
    page.fill("#will_expire_local", "2027-11-23T19:43")  # Berlin, UTC+1 in November
    page.check("input[name=acceptance][value=review]")
    page.fill("#auto_accept_period_day", "1")
    page.fill("#f_languages", "EN")
    page.check("input[name=f_client_TOLOKA_APP]")
    page.select_option("select[name=f_skill_0]", skill["id"])
    page.fill("input[name=f_skill_min_0]", "75")
    page.check("input[name=f_skill_none_0]")
    page.select_option("select[name=qc_type_0]", "ASSIGNMENT_SUBMIT_TIME")
    page.fill("input[name=qc_fast_submit_threshold_seconds_0]", "10")
    page.select_option("select[name=qc_key1_0]", "fast_submitted_count")
    page.select_option("select[name=qc_op1_0]", "GT")
    page.fill("input[name=qc_value1_0]", "0")
    page.select_option("select[name=qc_scope_0]", "PROJECT")
    page.fill("input[name=qc_duration_0]", "3")
    page.select_option("select[name=qc_unit_0]", "DAYS")
    page.fill("input[name=qc_comment_0]", "Fast response")
    look(page, "desk-forms-pool-new")
    page.click(".actions button[value=save]")
    page.wait_for_url("**/desk/pools/*")
    pool_id = page.url.split("/desk/pools/")[1].split("?")[0]
    made_pool = pools.get(live.db, int(pool_id))
    expected = json.loads(json.dumps(wanted_pool).replace('"100002"', f'"{skill["id"]}"'))
    for key in ("private_name", "reward_per_assignment", "assignment_max_duration_seconds", "auto_accept_solutions",
                "auto_accept_period_day", "may_contain_adult_content", "mixer_config", "quality_control"):
        assert made_pool[key] == expected[key], key
    assert made_pool["filter"] == expected["filter"]
    assert made_pool["will_expire"] == "2027-11-23T18:43:00.000"  # stored in UTC
    assert made_pool["defaults"] == {"default_overlap_for_new_task_suites": 1}
    settings = page.locator("[data-testid=pool-settings]")
    assert page.inner_text("[data-testid=acceptance-mode]") == "Reviewed by you, auto-accept after 1 day"
    assert "Record video of emoji" in settings.inner_text()  # the skill by name
    assert "fast_submitted_count > 0" in page.inner_text("[data-testid=setting-rules]")
    assert "Nov 23, 2027, 7:43" in page.inner_text("[data-testid=setting-expiry]")  # shown in Berlin time
    assert page.inner_text("[data-testid=close-reason]") == "not opened yet"
    look(page, "desk-forms-pool-page")

    # tasks come from the fixture (task upload is another page); the pool opens from the desk
    items = captured("video_tasks.json")["body"][:1]
    items[0]["input_values"]["examplegif"] = "/test-media/example.png"
    live.tasks(pool_id, items, open_pool=False)
    page.click("button:has-text('Open pool')")
    page.wait_for_selector("[data-testid=pool-status]:has-text('OPEN')")

    # a worker records from the fake camera (two of the recorder's 250 ms pieces: what is checked here is
    # that a recording is uploaded and sent; its length and seeking are test_worker_recorder's) and submits;
    # it waits for review
    live.worker("alice", client_type="TOLOKA_APP")
    w = browser.new_page(viewport={"width": 900, "height": 900})
    worker = w.context
    sign_in_worker(w, live, "alice")
    w.click(f"a[href='/w/pools/{pool_id}']")
    w.click("button:has-text('Start a task suite')")
    w.wait_for_selector("body[data-ready='1']")
    w.click("button:has-text('Record video')")
    w.wait_for_function("() => Number(document.querySelector('.cc-media-file').dataset.chunks || 0) >= 2")
    w.click("button:has-text('Stop recording')")
    w.wait_for_selector(".file-status:has-text('Uploaded')", timeout=20000)
    w.click("#submit")
    w.wait_for_selector("#after:not([hidden])")
    assert "review" in w.inner_text("#after-text")

    # the requester accepts it in the review page (which holds the decision for an undo: its clock is moved)
    review = page  # the desk's page, done with the pool page
    review.clock.install()
    review.goto(f"{live.url}/desk/pools/{pool_id}/review")
    review.wait_for_selector("body[data-ready='1']")
    review.keyboard.press("a")
    review.clock.run_for(UNDO_MS)
    review.wait_for_selector("[data-testid=review-status]:has-text('ACCEPTED')")
    with live.db.read() as conn:
        assert conn.execute(select(assignments.c.status)).scalar_one() == "ACCEPTED"
    worker.close()


def _project_and_pool(live: LiveServer) -> tuple[str, str]:
    from tests.factories import pool_body, text_project

    project_id = live.project(text_project())
    pool_id = live.pool(pool_body(project_id, quality_control={"configs": [{
        "collector_config": {"type": "ACCEPTANCE_RATE"},
        "rules": [{"conditions": [{"key": "total_assignments_count", "operator": "GTE", "value": 5}],
                   "action": {"type": "SET_SKILL", "parameters": {"skill_id": "1", "skill_value": 10}}}]}]}),
        project_id)
    return project_id, pool_id


@pytest.mark.browser
def test_edit_clone_open_close(live: LiveServer, browser) -> None:
    project_id, pool_id = _project_and_pool(live)
    live.tasks(pool_id, [{"input_values": {"text": "hello"}}])  # opens it
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_desk(page, live, f"/desk/pools/{pool_id}")
    assert page.inner_text("[data-testid=acceptance-mode]") == "Accepted automatically"
    page.click("[data-testid=edit-pool]")
    page.wait_for_selector("body[data-ready='1']")
    assert "open" in page.inner_text("[data-testid=open-pool-note]")
    # the rule the rows cannot hold waits in the JSON editor, unchanged
    assert json.loads(page.input_value("#qc_json"))[0]["rules"][0]["action"]["type"] == "SET_SKILL"
    shots(page, "desk-forms-pool-edit-open")
    page.fill("#reward_per_assignment", "0.05")
    page.fill("#priority", "20")
    page.click(".actions button[value=save]")
    page.wait_for_url(f"**/desk/pools/{pool_id}?*")
    row = pools.get(live.db, int(pool_id))
    assert row["reward_per_assignment"] == 0.05 and row["priority"] == 20 and row["status"] == "OPEN"
    assert row["quality_control"]["configs"][0]["rules"][0]["action"]["type"] == "SET_SKILL"
    assert page.inner_text("[data-testid=setting-reward]") == "0.05"

    page.click("button:has-text('Close pool')")
    page.wait_for_selector("[data-testid=pool-status]:has-text('CLOSED')")
    assert page.inner_text("[data-testid=close-reason]") == "closed by you"

    page.click("[data-testid=clone-pool]")
    page.wait_for_url("**/edit?*")
    page.wait_for_selector("body[data-ready='1']")
    assert "Copy of pool" in page.inner_text("main")
    page.fill("#private_name", "second batch")
    page.click(".actions button[value=save]")
    page.wait_for_url("**/desk/pools/*?*")
    clone_id = page.url.split("/desk/pools/")[1].split("?")[0]
    assert clone_id != pool_id
    clone = pools.get(live.db, int(clone_id))
    assert clone["private_name"] == "second batch" and clone["reward_per_assignment"] == 0.05
    assert clone["status"] == "CLOSED" and clone["project_id"] == project_id
    page.click("button:has-text('Open pool')")  # no tasks: the desk says why
    page.wait_for_selector(".notice:has-text('has no tasks')")
    page.goto(f"{live.url}/desk/pools/{pool_id}")
    page.click("button:has-text('Open pool')")
    page.wait_for_selector("[data-testid=pool-status]:has-text('OPEN')")

    # the desk's home lists the project (a link to its page) and both pools
    page.goto(f"{live.url}/desk")
    assert "second batch" in page.inner_text("main")
    shots(page, "desk-forms-home")

    # the project: edited, its page lists both pools
    page.click(f"a[href='/desk/projects/{project_id}']")
    assert "second batch" in page.inner_text("[data-testid=project-pools]")
    page.click("[data-testid=edit-project]")
    page.wait_for_selector("body[data-ready='1']")
    page.fill("#public_name", "Pick a or b, again")
    shots(page, "desk-forms-project-edit")
    page.press("#public_name", "Enter")  # Enter in a field saves (not "More rows")
    page.wait_for_url(f"**/desk/projects/{project_id}?*")
    assert projects.get(live.db, int(project_id))["public_name"] == "Pick a or b, again"
    assert projects.get(live.db, int(project_id))["task_spec"]["output_spec"]["result"]["allowed_values"] == ["a", "b"]


@pytest.mark.browser
def test_bad_input_is_shown_next_to_the_field(live: LiveServer, browser) -> None:
    project_id, pool_id = _project_and_pool(live)
    before_project, before_pool = projects.get(live.db, int(project_id)), pools.get(live.db, int(pool_id))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_desk(page, live, f"/desk/projects/{project_id}/edit")
    page.wait_for_selector("body[data-ready='1']")

    # bad JSON: the live check says so at once, the server refuses it next to the field
    page.fill("#view_config", '{"view": {"type": "view.list", ')
    page.wait_for_selector("[data-testid=view-config-live]:has-text('Not valid JSON')")
    page.click(".actions button[value=save]")
    assert "not valid JSON" in page.inner_text("#view_config-error")
    assert page.input_value("#view_config") == '{"view": {"type": "view.list", '

    # a view spec that parses but names an unknown component
    page.fill("#view_config", '{"view": {"type": "bogus.widget"}}')
    page.wait_for_selector("[data-testid=view-config-live]:has-text('cannot draw')")
    page.click(".actions button[value=save]")
    assert "unknown component type" in page.inner_text("#view_config-error")
    shots(page, "desk-forms-project-errors")

    # an unknown field type (a tampered select) is refused by the service, named on its row
    page.fill("#view_config", before_project["task_spec"]["view_spec"]["config"])
    page.evaluate("""() => { const s = document.querySelector('select[name=in_type_0]');
                              s.add(new Option('movie', 'movie')); s.value = 'movie'; }""")
    page.click(".actions button[value=save]")
    assert "unknown type 'movie'" in page.inner_text("#in_0-error")

    # a name longer than the form takes (maxlength removed, as a script could)
    page.evaluate("() => { const i = document.querySelector('#public_name'); i.removeAttribute('maxlength');"
                  " i.value = 'x'.repeat(300); }")
    page.click(".actions button[value=save]")
    assert "at most 200" in page.inner_text("#public_name-error")
    assert page.input_value("#public_name") == "x" * 300
    assert projects.get(live.db, int(project_id)) == before_project  # nothing was written

    # the preview's markdown helper takes only {config: text, inputs: object}
    refused = page.request.post(f"{live.url}/desk/preview/markdown", data=json.dumps({"config": 5, "inputs": []}),
                                headers={"Origin": live.url, "Content-Type": "application/json"})
    assert refused.status == 400 and "config" in refused.json()["message"]
    empty = page.request.post(f"{live.url}/desk/preview/markdown", data=json.dumps({"config": "[1", "inputs": {}}),
                              headers={"Origin": live.url, "Content-Type": "application/json"})
    assert empty.status == 200 and empty.json() == {"markdown": {}}

    # an out-of-range reward and a priority out of its bounds on the pool form
    page.goto(f"{live.url}/desk/pools/{pool_id}/edit")
    page.wait_for_selector("body[data-ready='1']")
    page.fill("#reward_per_assignment", "5000")
    page.click(".actions button[value=save]")
    assert "1000" in page.inner_text("#reward_per_assignment-error")
    assert page.input_value("#reward_per_assignment") == "5000"
    page.fill("#reward_per_assignment", "0.02")
    page.fill("#priority", "500")
    page.click(".actions button[value=save]")
    assert "100" in page.inner_text("#priority-error")
    page.fill("#priority", "")
    # bad JSON in a JSON editor, and a rule the service refuses, on its row
    page.fill("#filter_json", "[{")
    page.select_option("select[name=qc_type_0]", "GOLDEN_SET")
    page.select_option("select[name=qc_key1_0]", "fast_submitted_count")
    page.click(".actions button[value=save]")
    assert "not valid JSON" in page.inner_text("#filter_json-error")
    page.fill("#filter_json", "")
    page.click(".actions button[value=save]")
    assert page.inner_text("#qc_0-error").startswith("condition 1 key: for GOLDEN_SET: one of")
    shots(page, "desk-forms-pool-errors")
    assert pools.get(live.db, int(pool_id)) == before_pool


def test_absent_auto_accept_is_automatic_as_on_toloka() -> None:
    """toloka-kit leaves `auto_accept_solutions` out unless set; Toloka's "non-automatic acceptance" is
    an opt-in, so a pool that does not ask for review accepts at once (seed 001 reads ACCEPTED)."""
    body = captured("audio_pool.json")
    assert "auto_accept_solutions" not in body
    assert PoolRules.of(body).auto_accept is True
    assert PoolRules.of({**body, "auto_accept_solutions": False}).auto_accept is False
