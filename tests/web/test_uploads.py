"""Bad uploads get a clear message in the page and from the server; nothing is lost."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select

from clipcrowd.services import workers
from clipcrowd.store.tables import assignments, attachments
from tests.web.conftest import LiveServer, shot, sign_in_worker, write_video

pytestmark = pytest.mark.browser

CONFIG = {"view": {"type": "view.list", "items": [
    {"type": "field.text", "label": "Describe the gesture", "data": {"type": "data.output", "path": "note"},
     "validation": {"type": "condition.required"}},
    {"type": "field.media-file", "accept": {"video": True}, "multiple": False,
     "data": {"type": "data.output", "path": "path"},
     "validation": {"type": "condition.required", "hint": "Add a video"}},
]}}
PROJECT = {"public_name": "Upload a gesture", "task_spec": {
    "input_spec": {"n": {"type": "integer"}},
    "output_spec": {"note": {"type": "string"}, "path": {"type": "file"}},
    "view_spec": {"type": "tb", "config": json.dumps(CONFIG)}}}
POOL = {"private_name": "uploads", "reward_per_assignment": 0.02, "assignment_max_duration_seconds": 600,
        "will_expire": "2099-01-01T00:00:00", "auto_accept_solutions": False,
        "mixer_config": {"real_tasks_count": 1, "golden_tasks_count": 0, "training_tasks_count": 0}}


def test_bad_uploads_are_refused_and_nothing_is_lost(live: LiveServer, browser, tmp_path) -> None:
    pool_id = live.pool(POOL, live.project(PROJECT))
    live.tasks(pool_id, [{"input_values": {"n": 1}, "overlap": 1}])
    live.worker("dana")
    page = browser.new_page(viewport={"width": 800, "height": 900})
    sign_in_worker(page, live, "dana")
    page.goto(f"{live.url}/w/pools/{pool_id}")
    page.click("button:has-text('Start a task suite')")
    page.wait_for_selector("body[data-ready='1']")
    page.fill("input[type=text]", "thumbs up then down")

    fake = tmp_path / "clip.mp4"
    fake.write_text("this is not a video at all\n" * 20)
    page.set_input_files("input[type=file]", str(fake))
    status = page.locator(".file-status.error")
    status.wait_for()
    assert "'clip.mp4' is not a video file this server can decode" in status.inner_text()
    shot(page, "worker-upload-refused")

    big = tmp_path / "huge.mp4"
    big.write_bytes(b"\0" * (live.settings.max_upload_bytes + 1))
    page.set_input_files("input[type=file]", str(big))
    page.wait_for_function("() => document.querySelector('.file-status').textContent.includes('the limit is')")
    assert "huge.mp4" in status.inner_text() and "Nothing was uploaded" in status.inner_text()

    with live.db.read() as conn:
        row = conn.execute(select(assignments)).one()
        assert conn.execute(select(attachments)).all() == []
    assert row.status == "ACTIVE"
    assert page.input_value("input[type=text]") == "thumbs up then down"  # other answers kept
    page.click("#submit")
    assert "Add a video" in page.inner_text("#message")

    # the server refuses the same files on its own, with the assignment still open
    token = workers.sign_in(live.db, "dana", "password123")
    url = f"{live.url}/api/v1/worker/assignments/{row.id}/attachments"
    headers = {"Authorization": f"OAuth {token}", "Content-Type": "video/mp4"}
    refused = httpx.post(f"{url}?name=clip.mp4", content=fake.read_bytes(), headers=headers)
    assert refused.status_code == 415 and "not a video" in refused.json()["message"]
    too_big = httpx.post(f"{url}?name=huge.mp4", content=big.read_bytes(), headers=headers)
    assert too_big.status_code == 413 and "limit" in too_big.json()["message"]
    audio_as_video = httpx.post(f"{url}?name=tone.wav", content=(live.media / "tone.wav").read_bytes(),
                                headers={**headers, "Content-Type": "audio/wav"})
    assert audio_as_video.status_code == 415 and "wants a video" in audio_as_video.json()["message"]

    clip = write_video(tmp_path / "good.mp4")
    page.set_input_files("input[type=file]", str(clip))
    page.wait_for_selector(".file-status:has-text('Uploaded')")
    page.click("#submit")
    page.wait_for_selector("#after:not([hidden])")
    with live.db.read() as conn:
        done = conn.execute(select(assignments)).one()
    assert done.status == "SUBMITTED" and done.solutions[0]["note"] == "thumbs up then down"
