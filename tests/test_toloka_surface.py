"""toloka-kit 1.2.3 (in its own virtualenv) across a broad set of requester calls against a live
clipcrowd, on SQLite and PostgreSQL: every call works (task suites are issued to the crowd whole,
trainings, every quality-control collector and action of toloka-kit's docstrings, dynamic overlap
and weighted aggregation included); none fails by accident or is silently ignored.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from clipcrowd.client import Client
from clipcrowd.sim import SimReport
from tests.support import Live
from tests.test_toloka_seeds import TOLOKA_PYTHON, crowd_on_open_pools

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).parent / "toloka" / "surface.py"

WORKS = [
    "create_project", "create_pool", "create_skill",
    "create_task", "create_task.returns_task", "create_task.sync", "create_tasks", "create_tasks.count",
    "create_tasks.sync", "patch_task_overlap_or_min", "patch_task", "get_operations",
    "create_pool.suites", "create_task_suite", "create_task_suite.sync", "create_task_suites", "get_task_suite",
    "get_task_suites", "patch_task_suite", "patch_task_suite.issuing_order", "patch_task_suite_overlap_or_min",
    "create_training", "create_tasks.training", "get_training", "get_trainings", "update_training", "open_training",
    "close_training", "clone_training", "clone_training.same_project", "archive_training",
    "create_pool.training_requirement", "create_pool.dynamic_overlap",
    "patch_pool", "clone_pool", "clone_pool.same_project", "clone_project", "clone_project.pools",
    "clone_project.trainings",
    "qc.MajorityVote", "qc.Captcha", "qc.Income", "qc.UsersAssessment", "qc.AssignmentsAssessment.REJECT",
    "qc.AssignmentsAssessment.REJECT.restriction", "qc.ApproveAllAssignments", "qc.RejectAllAssignments",
    "qc.SetSkillFromOutputField", "qc.SetSkillFromOutputField.golden",
    "qc.filter.UserAgentType", "qc.filter.Verified", "qc.filter.RegionByPhone.in_",
    "open_pool", "open_pool.suites", "get_assignments_df", "aggregate_solutions_by_task",
    "aggregate_solutions_by_pool.weighted", "get_user",
    "create_user_bonus", "create_user_bonus.amount", "create_user_bonuses", "get_user_bonuses", "get_user_bonus",
    "compose_message_thread", "get_message_threads", "upsert_webhook_subscriptions",
    "upsert_webhook_subscriptions.same", "get_webhook_subscriptions", "delete_webhook_subscription",
]
#: the suites the script makes in its suite pool, as sets of task texts in creation order
SUITES = [["s1", "s2"], ["s3"], ["m0"], ["m1"]]


def _run(live: Live, cwd: Path) -> dict[str, Any]:
    if not TOLOKA_PYTHON.exists():
        pytest.skip("toloka-kit's virtualenv is missing: run `make toloka-venv`")
    env = {**os.environ, "CLIPCROWD_URL": live.url, "CLIPCROWD_TOKEN": live.token}
    done = subprocess.run([str(TOLOKA_PYTHON), str(SCRIPT)], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=480)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("REPORT "))
    report: dict[str, Any] = json.loads(line[len("REPORT "):])
    return report


def test_toloka_kit_surface(live: Live, tmp_path: Path) -> None:
    reports: list[SimReport] = []
    with crowd_on_open_pools(live, reports, workers=6, timeout=120, idle_seconds=2, seed=3):
        report = _run(live, tmp_path)
    failed = {name: report.get(name) for name in WORKS if not report.get(name, {}).get("ok")}
    assert not failed, json.dumps(failed, indent=1)[:4000]
    assert report["suites"] == SUITES
    # the crowd got the suites whole (overlap 2 for the first after set-overlap-or-min, 1 for the rest)
    assert report["suite_pool_closed"], report["suite_pool_detail"]
    assert sorted(report["issued_suites"]) == sorted([SUITES[0]] * 2 + SUITES[1:])
    assert report["tasks_created_before_suites"] == 6  # one create_task made one task, not two
    assert report["assignments"] > 0
    assert report["assignments_df_rows"] == report["assignments"]  # one TSV row per assignment of the pool
    with Client(live.url, live.token) as client:
        bonuses = client._call("GET", "/api/v1/user-bonuses")["items"]
        user = client._call("GET", f"/api/v1/workers/{bonuses[0]['user_id']}")
    assert sorted(b["amount"] for b in bonuses) == ["0.10", "0.50"]
    assert user["balance"] >= 0.6  # the bonuses were paid into the worker's balance
