"""Seed 000 in the browser: record a video from the fake camera, review it, reject, re-issue, accept."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from clipcrowd.store.tables import assignments, pools, tasks
from tests.web.conftest import UNDO_MS, LiveServer, as_stranger, shot, sign_in_desk, sign_in_worker, write_video

pytestmark = pytest.mark.browser


def test_record_review_reject_reissue_accept(live: LiveServer, browser, tmp_path) -> None:
    pool_id = live.video_setup(task_count=1, overlap=1)
    live.worker("alice", client_type="TOLOKA_APP")

    # a worker records a second from the fake camera and submits
    page = browser.new_page(viewport={"width": 900, "height": 900})
    sign_in_worker(page, live, "alice")
    shot(page, "worker-pools")
    page.click(f"a[href='/w/pools/{pool_id}']")
    shot(page, "worker-pool-intro")
    page.click("button:has-text('Start a task suite')")
    page.wait_for_selector("body[data-ready='1']")
    assert "👍" in page.inner_text(".md h1")  # the emoji input went through server-side markdown
    page.click("button:has-text('Record video')")
    page.wait_for_selector("button:has-text('Stop recording')")
    # a second of camera video (4 pieces of 250 ms) has reached the recorder: enough for the desk to play
    # past half a second below
    page.wait_for_function("() => Number(document.querySelector('.cc-media-file').dataset.chunks || 0) >= 4")
    page.click("button:has-text('Stop recording')")
    page.wait_for_selector(".file-status:has-text('Uploaded')", timeout=20000)
    shot(page, "worker-task-video-recorded")
    page.click("#submit")
    page.wait_for_selector("#after:not([hidden])")
    assert "review" in page.inner_text("#after-text")
    with live.db.read() as conn:
        first = conn.execute(select(assignments)).one()
    assert first.status == "SUBMITTED"

    # the requester plays it back on the review desk and rejects it with a comment
    review = browser.new_page(viewport={"width": 1100, "height": 900})
    review.clock.install()  # the review page holds a decision for an undo: time is moved, not waited for
    sign_in_desk(review, live, f"/desk/pools/{pool_id}/review")
    review.wait_for_selector("body[data-ready='1']")
    video = review.locator("video.review-media").first
    video.evaluate("v => { v.muted = true; return v.play(); }")
    review.wait_for_function("() => { const v = document.querySelector('video.review-media');"
                             " return v.readyState >= 2 && v.videoWidth > 0 && v.currentTime > 0.5; }", timeout=20000)
    shot(review, "desk-review-playing")
    review.fill("input.comment", "Two hands are visible; show one hand only.")
    review.click("button:has-text('Reject')")
    review.clock.run_for(UNDO_MS)
    review.wait_for_selector("[data-testid=review-status]:has-text('REJECTED')")
    with live.db.read() as conn:
        row = conn.execute(select(assignments).where(assignments.c.id == first.id)).one()
        task = conn.execute(select(tasks)).one()
        pool = conn.execute(select(pools)).one()
    assert row.status == "REJECTED" and row.public_comment.startswith("Two hands")
    assert task.answered_count == 0 and pool.status == "OPEN"  # the task is back in the pool

    # another worker joins through an invite link, takes the same task, uploads a file
    pool_page = review  # the review is done for now: the pool page in the same tab (the review page comes back below)
    pool_page.goto(f"{live.url}/desk/pools/{pool_id}")
    pool_page.select_option("select[name=client_type]", "TOLOKA_APP")
    pool_page.click("button:has-text('Create invite link')")
    link = pool_page.input_value("[data-testid=invite-link]")
    shot(pool_page, "desk-pool")
    page = as_stranger(page)  # alice is done: bob signs up on her page, its cookies cleared
    page.goto(link)
    page.fill("input[name=login]", "bob")
    page.fill("input[name=password]", "bobs-secret")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.url}/w/pools/{pool_id}")
    page.click("button:has-text('Start a task suite')")
    page.wait_for_selector("body[data-ready='1']")
    clip = write_video(tmp_path / "bob.mp4")
    page.set_input_files("input[type=file]", str(clip))
    page.wait_for_selector(".file-status:has-text('Uploaded')", timeout=20000)
    page.click("#submit")
    page.wait_for_selector("#after:not([hidden])")
    with live.db.read() as conn:
        second = conn.execute(select(assignments).where(assignments.c.id != first.id)).one()
    assert second.task_ids == first.task_ids

    # the requester accepts it from the keyboard; the file downloads intact
    review.goto(f"{live.url}/desk/pools/{pool_id}/review")
    review.wait_for_selector("body[data-ready='1']")
    review.keyboard.press("a")
    review.clock.run_for(UNDO_MS)
    review.wait_for_selector("[data-testid=review-status]:has-text('ACCEPTED')")
    attachment_id = second.solutions[0]["path"]
    got = httpx.get(f"{live.url}/api/v1/attachments/{attachment_id}/download",
                    headers={"Authorization": f"OAuth {live.requester_token}"})
    assert got.status_code == 200 and got.content == clip.read_bytes()
    ranged = httpx.get(f"{live.url}/desk/attachments/{attachment_id}", headers={"Range": "bytes=0-99"},
                       cookies={"clipcrowd_token": live.requester_token})
    assert ranged.status_code == 206 and ranged.content == clip.read_bytes()[:100]
    page.goto(f"{live.url}/w/history")
    assert page.inner_text("[data-testid=balance]") == "$0.03"
    shot(page, "worker-history")
