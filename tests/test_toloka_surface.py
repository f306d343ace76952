"""toloka-kit 1.2.3 (in its own virtualenv) across a broad set of requester calls against a live
clipcrowd, on SQLite and PostgreSQL: every call works (task suites are issued to the crowd whole,
trainings, every quality-control collector and action of toloka-kit's docstrings, dynamic overlap
and weighted aggregation, review by hand, every analytic and restriction scope included); none fails
by accident or is silently ignored, and the app marketplace, which clipcrowd does not offer, is
refused by a clear error. Then, on the same server once the crowd has gone, `surface_more.py`: the async
client, streaming pipelines and cursors, toloka.metrics, finds with every sort and range, partial batches,
attachments, review on every state, and settings that cannot be honoured refused naming them. And
`surface_wide.py` on a server of its own: every quality-control collector with each condition and action
its class allows, every filter class, every webhook event type (three delivered), every field of a pool,
project, training, skill and task spec read back (the ones once ignored honoured), and every call of the
app marketplace refused by a clear 400.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from clipcrowd.client import Client
from clipcrowd.sim import SimReport
from tests.support import Live
from tests.test_toloka_seeds import crowd_on_open_pools
from tests.warm_toloka import WarmToloka

pytestmark = pytest.mark.slow

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
    # project checks, a pool's life by hand, task patches, searches with sort, the refused app marketplace
    "check_update_project.EQUAL", "check_update_project.NON_BREAKING_CHANGE", "check_update_project.BREAKING_CHANGE",
    "patch_task.baseline_solutions", "patch_task.known_solutions", "patch_task.kept", "close_pool_for_update",
    "open_pool_async", "close_pool_for_update_async", "close_pool_async.closed", "archive_pool", "get_pools.status",
    "find_pools.sort", "find_tasks.sort", "apps.refused",
    # review by hand, threads answered and filed, a filtered audience, restrictions of every scope, analytics
    "get_assignments.status_created_gte", "patch_assignment", "accept_assignment", "get_assignment",
    "reply_message_thread", "add_message_thread_to_folders", "get_message_threads.folder",
    "remove_message_thread_from_folders", "compose_message_thread.FILTER",
    "set_user_restriction.ALL_PROJECTS", "set_user_restriction.PROJECT", "set_user_restriction.POOL",
    "set_user_restriction.SYSTEM", "find_user_restrictions", "get_user_restrictions", "get_user_restriction",
    "delete_user_restriction", "set_user_skill", "get_user_skills", "delete_user_skill", "get_analytics",
    # reads, finds with sort, updates, the asynchronous variants, a rejection, archiving
    "get_projects", "find_projects", "update_project", "get_requester", "get_skill", "get_skills", "find_skills",
    "update_skill", "update_pool", "create_tasks_async", "get_operation_log", "find_operations", "get_operation",
    "create_task_suites_async", "find_task_suites", "find_trainings", "open_training_async", "close_training_async",
    "clone_training_async", "archive_training_async", "clone_pool_async", "find_assignments", "reject_assignment",
    "get_aggregated_solutions", "get_attachments", "find_attachments", "create_user_bonuses_async",
    "find_user_bonuses", "find_user_skills", "find_message_threads", "find_webhook_subscriptions",
    "archive_pool_async", "archive_project", "archive_project_async",
]
#: the suites the script makes in its suite pool, as sets of task texts in creation order
SUITES = [["s1", "s2"], ["s3"], ["m0"], ["m1"]]


#: what `surface_more.py` calls beyond the first pass; each must answer as toloka-kit expects
MORE = [
    # iterators over small pages, finds with sort both ways, limits, range filters
    "get_tasks.batch_size", "find_tasks.sort_created", "find_tasks.sort_-created", "find_tasks.has_more",
    "find_tasks.id_gt", "find_tasks.id_lte", "find_tasks.created_gte", "find_tasks.created_lt", "find_tasks.overlap",
    "find_tasks.overlap_gte", "get_pools.batch_size", "find_pools.sort_-created", "find_pools.status",
    "get_projects.batch_size", "find_projects.id_gte", "get_operations.batch_size",
    # batches: partial results, defaults, opening the pool with the batch
    "create_tasks.skip_invalid_items", "create_tasks.skip_invalid_items.items",
    "create_tasks.skip_invalid_items.errors",
    "create_tasks.invalid.refused", "create_tasks.mixed.refused_whole", "create_tasks.sync.skip_invalid_items",
    "create_tasks.no_defaults",
    "create_tasks.overlap_given", "create_tasks.open_pool", "create_task_suites.skip_invalid_items",
    "create_task_suites.partial", "create_task_suites.open_pool", "find_task_suites.task_id",
    "find_task_suites.overlap",
    "patch_task_suite.infinite_overlap", "patch_pool.priority", "patch_task.infinite_overlap",
    # reads by id, and the wrong id
    "get_webhook_subscription", "get_user_skill", "get_user_skill.exact_value", "missing.get_pool",
    "missing.DoesNotExistApiError", "missing.get_attachment", "missing.get_user_skill",
    "missing.get_webhook_subscription", "missing.get_operation",
    # review on every state, attachments
    "get_assignment.active", "accept_assignment.active", "reject_assignment.active", "get_attachment",
    "get_attachment.details", "find_attachments.sort", "find_attachments.owner_id.refused", "find_attachments.name",
    "download_attachment", "accept_assignment", "accept_assignment.again", "reject_assignment.accepted",
    "reject_assignment", "accept_assignment.rejected", "patch_assignment.accepted", "find_assignments.sort_submitted",
    "find_assignments.accepted_gte", "find_assignments.task_id", "find_assignments.user_id",
    "get_assignments.batch_size", "get_assignments_df.status", "get_task.remaining_overlap",
    # toloka.streaming: cursors, and a pipeline run to its end
    "AssignmentCursor.ACCEPTED", "AssignmentCursor.REJECTED", "TaskCursor", "UserBonusCursor", "UserSkillCursor",
    "streaming.Pipeline", "streaming.Pipeline.async",
    # the asynchronous client
    "async.get_pool", "async.get_tasks", "async.find_assignments", "async.create_tasks", "async.wait_operation",
    "async.get_operation_log", "async.close_pool", "async.get_assignments", "async.missing",
    # trainings' asynchronous life, operation logs, analytics, the refused app marketplace
    "open_training_async", "open_training_async.details", "close_training_async.closed", "get_trainings.status",
    "get_operation_log.batch_create", "get_analytics.project", "apps.not_found_or_refused",
    # finds over the other resources, newest first and by range; a filter a list does not have
    "find_user_restrictions.sort_-created", "find_user_restrictions.scope", "get_user_restrictions.created_gte",
    "find_user_bonuses.sort_-created", "find_user_skills.sort_-modified", "find_skills.sort_-created",
    "get_skills.name", "find_webhook_subscriptions.event_type", "find_trainings.sort_-created",
    "find_operations.status", "find_message_threads.sort_-created", "find_message_threads.folder_ne",
    "get_message_threads.batch_size", "find_pools.sort_-last_started", "find_pools.sort_last_started",
    "find_tasks.unknown_filter.refused", "find_projects.sort_public_name",
    # toloka.metrics on the asynchronous client
    "async.AssignmentCursor", "metrics.Balance", "metrics.AssignmentsInPool", "metrics.PoolCompletedPercentage",
    "metrics.TasksInPool", "metrics.SpentBudgetOnPool", "metrics.AssignmentEventsInPool", "metrics.BansInPool",
    "metrics.NewUserBonuses",
    # the other cursors, missing ids, actions a pool's or project's state forbids
    "UserRestrictionCursor", "MessageThreadCursor", "missing.others", "archived_pool.refused",
    "open_pool.archive_refused",
    # settings that cannot be honoured, refused naming them
    "refused.reserved_for", "refused.speed_quality_balance", "refused.languages_verified", "pool.auto_close_delay",
    "refused.dynamic_pricing_config", "refused.map_selector",
    # settings once stored and ignored, pools and trainings apart, batches of invalid items as operations
    "max_active_assignments_count", "max_active_assignments_count.after_submit", "issue_task_suites_in_creation_order",
    "issue_task_suites_in_random_order", "refused.assignments_automerge_enabled", "refused.latitude",
    "missing.get_pool.training", "create_tasks_async.invalid", "create_tasks_async.invalid.log",
    "create_task_suites_async.invalid", "create_task_suites.invalid", "create_user_bonuses_async.invalid",
    "create_user_bonuses.invalid",
    # the mixer as set_mixer_config sends it
    "mixer.mix_tasks_in_creation_order", "mixer.mix_tasks_at_random", "mixer.shuffle_tasks_in_task_suite",
    "mixer.force_last_assignment", "refused.golden_task_distribution_function",
    # a pool's priority and texts, a skill's lifetime, quality control that cannot run refused
    "pool.priority", "pool.public_description", "create_skill.skill_ttl_hours", "refused.project_quality_control",
    "refused.checkpoints_config",
]


#: `surface_wide.py`: toloka-kit's object model across its breadth. Quality control: each collector with
#: every condition key its class allows (the first action), every action its docstring names (the first
#: condition), and SetSkillFromOutputField from every rate it measures
_PEOPLE = ["RestrictionV2", "ApproveAllAssignments", "RejectAllAssignments", "SetSkill"]
_QC: dict[str, tuple[list[str], list[str], list[str]]] = {
    "AcceptanceRate": (["accepted_assignments_rate", "rejected_assignments_rate", "total_assignments_count"], _PEOPLE,
                       ["accepted_assignments_rate", "rejected_assignments_rate"]),
    "AnswerCount": (["assignments_accepted_count"], _PEOPLE, []),
    "AssignmentsAssessment": (["accepted_assignments_count", "assessment_event", "pending_assignments_count",
                               "rejected_assignments_count"], ["ChangeOverlap"], []),
    "AssignmentSubmitTime": (["fast_submitted_count", "total_submitted_count"], _PEOPLE, []),
    "Captcha": (["fail_rate", "stored_results_count", "success_rate"], _PEOPLE, ["fail_rate", "success_rate"]),
    "GoldenSet": (["correct_answers_rate", "golden_set_answers_count", "golden_set_correct_answers_rate",
                   "golden_set_incorrect_answers_rate", "incorrect_answers_rate", "total_answers_count"], _PEOPLE,
                  ["correct_answers_rate", "golden_set_correct_answers_rate", "golden_set_incorrect_answers_rate",
                   "incorrect_answers_rate"]),
    "Income": (["income_sum_for_last_24_hours"], _PEOPLE, []),
    "MajorityVote": (["correct_answers_rate", "incorrect_answers_rate", "total_answers_count"], _PEOPLE,
                     ["correct_answers_rate", "incorrect_answers_rate"]),
    "SkippedInRowAssignments": (["skipped_in_row_count"], _PEOPLE, []),
    "UsersAssessment": (["pool_access_revoked_reason", "skill_id"], ["ChangeOverlap"], []),
}
#: every app-marketplace method of TolokaClient: each a 400 naming the marketplace
_APPS = ["archive_app_batch", "archive_app_project", "create_app_batch", "create_app_item", "create_app_items",
         "create_app_project", "find_app_batches", "find_app_items", "find_app_projects", "find_apps", "get_app",
         "get_app_batch", "get_app_batches", "get_app_item", "get_app_items", "get_app_project", "get_app_projects",
         "get_apps", "patch_app_batch", "resume_app_batch", "start_app_batch", "start_sync_batch_processing",
         "stop_app_batch", "unarchive_app_batch", "unarchive_app_project"]
_FILTERS = ["Languages", "Languages.not_in", "Country", "Country.ne", "Citizenship", "Education", "Gender",
            "AdultAllowed", "DateOfBirth", "City", "City.not_in", "RegionByPhone", "RegionByIp", "RegionByIp.not_in",
            "ClientType", "DeviceCategory", "OSFamily", "OSVersion", "OSVersionMajor", "OSVersionMinor",
            "OSVersionBugfix", "UserAgentType", "UserAgentFamily", "UserAgentVersion", "UserAgentVersionMajor",
            "UserAgentVersionMinor", "UserAgentVersionBugfix", "Verified", "Skill", "Skill.None", "Skill.ne",
            "FilterAnd", "FilterOr", "nested", "message_thread", "Languages.verified.refused"]
#: every find_*: its plain filters, the fields it takes ranges of (`_lt`, `_lte`, `_gt`, `_gte`), its sort keys
_SEARCHES: dict[str, tuple[str, str, str]] = {
    "find_projects": ("status", "id created", "id created public_name private_comment"),
    "find_pools": ("status project_id", "id created last_started", "id created last_started"),
    "find_trainings": ("status project_id", "id created last_started", "id created last_started"),
    "find_skills": ("name", "id created", "id created"),
    "find_tasks": ("overlap", "id created overlap", "id created"),
    "find_task_suites": ("task_id overlap", "id created overlap", "id created"),
    "find_assignments": ("status task_id task_suite_id user_id",
                         "id created submitted accepted rejected skipped expired",
                         "id created submitted accepted rejected skipped expired"),
    "find_aggregated_solutions": ("", "task_id", "task_id"),
    "find_attachments": ("name type user_id assignment_id pool_id owner_id.refused owner_company_id.refused",
                         "id created", "id created"),
    "find_user_bonuses": ("user_id assignment_id private_comment", "id created", "id created"),
    "find_user_restrictions": ("scope user_id project_id pool_id", "id created", "id created"),
    "find_user_skills": ("user_id skill_id", "id created modified", "id created modified"),
    "find_message_threads": ("folder folder_ne", "id created", "id created"),
    "find_operations": ("type status", "id submitted finished", "id submitted finished"),
    "find_webhook_subscriptions": ("event_type pool_id", "id created", "id created"),
}
WIDE = [
    *(f"qc.{c}.{k}" for c, (keys, _, _) in _QC.items() for k in keys),
    *(f"qc.{c}.{a}" for c, (_, acts, _) in _QC.items() for a in acts),
    *(f"qc.{c}.SetSkillFromOutputField.{k}" for c, (_, _, rates) in _QC.items() for k in rates),
    *(f"qc.AssignmentsAssessment.event.{e}" for e in ("ACCEPT", "ACCEPT_AFTER_REJECT", "REJECT")),
    *(f"qc.RestrictionV2.{s}.{u}" for s in ("POOL", "PROJECT", "ALL_PROJECTS")
      for u in ("MINUTES", "HOURS", "DAYS", "PERMANENT")),
    *(f"qc.operator.{op}" for op in ("==", "!=", "<", "<=", ">", ">=")),
    "qc.UsersAssessment.RESTRICTION", "qc.Restriction.v1", "qc.several_rules_and_conditions", "qc.Training.refused",
    "qc.captcha_frequency",
    *(f"filter.{name}" for name in _FILTERS),
    # every field of a pool, project, training, skill, read back; the settings once ignored, honoured
    "pool.every_field", "pool.every_field.read_back", "pool.may_contain_adult_content", "pool.update.every_field",
    "pool.last_close_reason", "pool.last_started_stopped", "project.every_field", "project.every_field.read_back",
    "project.update.localization", "training.every_field", "training.every_field.read_back", "skill.every_field",
    "pool.may_contain_adult_content.opt_in", "project.localization_config.shown",
    # every field type of a task spec and its constraints; a template-builder interface; tasks and suites
    "task_spec.every_type", "task_spec.every_type.read_back", "task_spec.values", "task_spec.template_builder",
    *(f"task_spec.refused.{f}" for f in ("i", "i.range", "f", "b", "s", "as", "ab", "u", "c")),
    "task.every_field", "task.traits_or_reserved", "task_suite.every_field", "get_tasks.created_range",
    # every webhook event type, three delivered; reads with every filter
    "webhook.every_event", "webhook.every_event.items", "webhook.find.event_type", "webhook.bad_event.refused",
    "webhook.delivered.ASSIGNMENT_CREATED", "webhook.delivered.ASSIGNMENT_SUBMITTED",
    "webhook.delivered.DYNAMIC_OVERLAP_COMPLETED", "webhook.delivered_count", "get_assignments.every_filter",
    "get_assignments_df.fields", "find_operations.type_and_range", "get_user.worker",
    *(f"apps.{name}" for name in _APPS),
    # every search filter and sort key toloka-kit serialises (an unknown one is refused, see MORE)
    *(f"find.{m}.{f}" for m, (plain, _, _) in _SEARCHES.items() for f in plain.split()),
    *(f"find.{m}.{f}_{r}" for m, (_, ranged, _) in _SEARCHES.items() for f in ranged.split()
      for r in ("lt", "lte", "gt", "gte")),
    *(f"sort.{m}.{o}{k}" for m, (_, _, keys) in _SEARCHES.items() for k in keys.split() for o in ("", "-")),
]


def _run(toloka_kit: WarmToloka, live: Live, cwd: Path, script: str = "surface.py",
         mark: str = "REPORT ") -> dict[str, Any]:
    env = {**os.environ, "CLIPCROWD_URL": live.url, "CLIPCROWD_TOKEN": live.token}
    returncode, output, errors = toloka_kit.run(script, cwd, env, timeout=480)
    assert returncode == 0, output[-3000:] + errors[-3000:]
    line = next(x for x in output.splitlines() if x.startswith(mark))
    report: dict[str, Any] = json.loads(line[len(mark):])
    return report


def test_toloka_kit_surface(toloka_kit: WarmToloka, live: Live, tmp_path: Path) -> None:
    reports: list[SimReport] = []
    with crowd_on_open_pools(live, reports, workers=6, timeout=400, idle_seconds=2, seed=3):
        report = _run(toloka_kit, live, tmp_path)
    # the first pass's bonuses, read before the second adds its own
    with Client(live.url, live.token) as client:
        by_user: dict[str, list[str]] = {}
        for bonus in client._call("GET", "/api/v1/user-bonuses")["items"]:
            by_user.setdefault(bonus["user_id"], []).append(bonus["amount"])
        main = next((u for u, amounts in by_user.items() if len(amounts) == 2), None)
        user = client._call("GET", f"/api/v1/workers/{main}") if main else {"balance": 0}
    # the second pass on the same server, once the crowd has gone: it answers its own pools
    server_cpu, started = time.process_time(), time.monotonic()
    more = _run(toloka_kit, live, tmp_path, "surface_more.py", "RECORD ")
    more["server_cpu_seconds"] = time.process_time() - server_cpu
    print("surface_more CPU s: script", round(more["cpu_seconds"], 2), "test process (server)",
          round(more["server_cpu_seconds"], 2), "wall s", round(time.monotonic() - started, 1))
    unexpected = sorted(set(more) - set(MORE) - {"cpu_seconds", "server_cpu_seconds", "metric_lines"})
    assert not unexpected, unexpected  # every recorded call is named here
    failed_more = {name: more.get(name) for name in MORE if not more.get(name, {}).get("ok")}
    assert not failed_more, json.dumps(failed_more, indent=1)[:4000]
    lines = more["metric_lines"]
    # 7 tasks, 2 + 2 kept of the mixed batches, 1 with its own overlap, 1 made while reading remaining
    # overlaps, 2 by the async client
    assert lines["TasksInPool"] == {"tasks_count": [15]}
    # every task made before the worker came was answered once and accepted
    assert lines["AssignmentsInPool"]["accepted_assignments_in_pool"] == [12]
    failed = {name: report.get(name) for name in WORKS if not report.get(name, {}).get("ok")}
    assert not failed, json.dumps(failed, indent=1)[:4000]
    assert report["suites"] == SUITES
    # the crowd got the suites whole (overlap 2 for the first after set-overlap-or-min, 1 for the rest)
    assert report["suite_pool_closed"], report["suite_pool_detail"]
    # every suite went out whole (a skipped or expired one goes out again, whole); the answered ones
    # are the suites times their overlaps
    assert all(tasks in SUITES for _, tasks in report["issued_suites"]), report["issued_suites"]
    answered = [tasks for status, tasks in report["issued_suites"] if status in ("SUBMITTED", "ACCEPTED")]
    assert sorted(answered) == sorted([SUITES[0]] * 2 + SUITES[1:]), report["issued_suites"]
    assert report["tasks_created_before_suites"] == 6  # one create_task made one task, not two
    assert report["assignments"] > 0 and report["more_answered"] >= 2
    assert report["assignments_df_rows"] == report["assignments"]  # one TSV row per assignment of the pool
    # two for a worker of the main pool, one (asynchronously) for the worker of section 5
    assert sorted(sorted(amounts) for amounts in by_user.values()) == [["0.10"], ["0.10", "0.50"]]
    assert user["balance"] >= 0.6  # the bonuses were paid into the worker's balance
    # every assignment of the main pool was accepted by hand; the 0.50 bonus was for one of them
    n, stats = report["assignments"], report["analytics"]
    assert stats["approved_assignments_count"] == n
    assert stats["submitted_assignments_count"] == stats["rejected_assignments_count"] == 0
    assert isinstance(stats["skipped_assignments_count"], int)
    assert stats["real_tasks_count"] == 6 and stats["completion_percentage"] == {"value": 100.0}
    assert stats["estimated_assignments_count"] == {"value": 0}
    assert abs(stats["spent_budget"] - (0.01 * n + 0.5)) < 1e-6
    assert 1 <= stats["unique_submitters_count"] <= stats["unique_workers_count"]
    assert stats["active_workers_by_filter_count"] >= stats["unique_workers_count"]
    assert 0 < stats["avg_submit_assignment_millis"] < 600_000


def test_toloka_kit_wide(toloka_kit: WarmToloka, live: Live, tmp_path: Path) -> None:
    """`surface_wide.py` on a server of its own (no crowd: one worker answers through the worker API)."""
    server_cpu, started = time.process_time(), time.monotonic()
    wide = _run(toloka_kit, live, tmp_path, "surface_wide.py", "RECORD ")
    print("surface_wide CPU s: script", round(wide.pop("cpu_seconds"), 2), "test process (server)",
          round(time.process_time() - server_cpu, 2), "wall s", round(time.monotonic() - started, 1))
    seen = wide.pop("events_seen")
    assert sorted(set(wide) - set(WIDE)) == [] and len(WIDE) == len(set(WIDE))  # every recorded call is named here
    failed = {name: wide.get(name) for name in WIDE if not wide.get(name, {}).get("ok")}
    assert not failed, json.dumps(failed, indent=1)[:4000]
    assert {"ASSIGNMENT_CREATED", "ASSIGNMENT_SUBMITTED", "DYNAMIC_OVERLAP_COMPLETED"} <= set(seen)
