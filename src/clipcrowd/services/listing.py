"""Search endpoints: which query parameters filter which resource, in one place."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, exists

from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.services import (
    assignment_json,
    bonuses,
    messages,
    present,
    restrictions,
    task_suites,
    trainings,
    user_skills,
    webhooks,
    workers,
)
from clipcrowd.services.attachments import present as present_attachment
from clipcrowd.services.json_pages import json_page
from clipcrowd.services.paging import count_value, csv_values, id_value, ordered, page, range_conditions, refuse_unknown
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database
from clipcrowd.store.tables import (
    assignment_tasks,
    assignments,
    attachments,
    message_threads,
    operations,
    pools,
    projects,
    skills,
    tasks,
    user_bonuses,
    user_restrictions,
    webhook_subscriptions,
    worker_skills,
)
from clipcrowd.store.tables import (
    task_suites as task_suites_table,
)
from clipcrowd.store.tables import (
    workers as workers_table,
)


def _rows(fn: Any) -> Any:
    return lambda _conn, rows: [fn(r) for r in rows]


def _id_filters(table: Table, query: Mapping[str, str], names: dict[str, str]) -> list[ColumnElement[bool]]:
    return [table.c[column] == id_value(query[param], param) for param, column in names.items() if param in query]


def _status(table: Table, query: Mapping[str, str], allowed: Sequence[str]) -> list[ColumnElement[bool]]:
    wanted = csv_values(query.get("status"), "status")
    if not wanted:
        return []
    bad = [s for s in wanted if s not in allowed]
    if bad:
        raise ValidationFailed.field("status", f"unknown status {bad[0]!r}; one of {list(allowed)}")
    return [table.c.status.in_(wanted)]


def _run(db: Database, settings: Settings, table: Table, conditions: list[ColumnElement[bool]],
         query: Mapping[str, str], present_rows: Any, ranges: Sequence[str] = ("id", "created"),
         sortable: Sequence[str] = ("id", "created"), columns: Sequence[Any] | None = None,
         filters: Sequence[str] = (), stored: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One page; `filters` are the list's other query parameters (any parameter not known is a 400)."""
    refuse_unknown(query, filters, ranges)
    conditions = conditions + range_conditions(table, query, ranges)
    with db.read() as conn:
        return page(conn, table, conditions, query, present_rows, limit_default=settings.page_limit_default,
                    limit_max=settings.page_limit_max, sortable=sortable, columns=columns, stored=stored)


def projects_page(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    conditions = _status(projects, query, ["ACTIVE", "ARCHIVED"])
    by_name = {name: projects.c.data[name].as_string() for name in ("public_name", "private_comment")}
    return _run(db, settings, projects, conditions, query, _rows(present.project), filters=("status",),
                stored=by_name)


def skills_page(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    conditions = [skills.c.name == query["name"]] if "name" in query else []
    return _run(db, settings, skills, conditions, query, _rows(present.skill), filters=("name",))


def pools_page(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    conditions = _status(pools, query, ["OPEN", "CLOSED", "ARCHIVED", "LOCKED"])
    conditions += _id_filters(pools, query, {"project_id": "project_id"})
    conditions.append(pools.c.type == "REGULAR")
    return _run(db, settings, pools, conditions, query, _rows(present.pool), filters=("status", "project_id"),
                ranges=("id", "created", "last_started"), sortable=("id", "created", "last_started"))


def trainings_page(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    conditions = _status(pools, query, ["OPEN", "CLOSED", "ARCHIVED"])
    conditions += _id_filters(pools, query, {"project_id": "project_id"})
    conditions.append(pools.c.type == "TRAINING")
    return _run(db, settings, pools, conditions, query, _rows(trainings.present), filters=("status", "project_id"),
                ranges=("id", "created", "last_started"), sortable=("id", "created", "last_started"))


def task_suites_page(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    conditions = _id_filters(task_suites_table, query, {"pool_id": "pool_id"})
    if "task_id" in query:
        task_id = id_value(query["task_id"], "task_id")
        conditions.append(exists().where(tasks.c.suite_id == task_suites_table.c.id, tasks.c.id == task_id))
    # a suite's overlap is carried by each of its tasks (`services.task_suites`): its first one answers
    by_overlap = range_conditions(tasks, query, ("overlap",))
    if "overlap" in query:
        by_overlap.append(tasks.c.overlap == count_value(query["overlap"], "overlap"))
    if by_overlap:
        conditions.append(exists().where(tasks.c.suite_id == task_suites_table.c.id, *by_overlap))

    def present_rows(conn: Any, rows: Sequence[Any]) -> list[dict[str, Any]]:
        made = task_suites.present_many(conn, [r.id for r in rows])
        return [made[r.id] for r in rows]

    return _run(db, settings, task_suites_table, conditions, query, present_rows,
                filters=("pool_id", "task_id", "overlap", "overlap_gt", "overlap_gte", "overlap_lt", "overlap_lte"))


def tasks_page(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    conditions = _id_filters(tasks, query, {"pool_id": "pool_id"})
    if "overlap" in query:
        conditions.append(tasks.c.overlap == count_value(query["overlap"], "overlap"))
    return _run(db, settings, tasks, conditions, query, _rows(present.task), filters=("pool_id", "overlap"),
                ranges=("id", "created", "overlap"))


def assignments_page(db: Database, settings: Settings, query: Mapping[str, str]) -> bytes | Iterator[bytes]:
    """A page of assignments as the JSON body itself, each item's text made from its plain columns
    (`assignment_json`); pieces of it when the page is streamed (`json_pages`)."""
    a = assignments
    conditions = _status(a, query, ["ACTIVE", "SUBMITTED", "ACCEPTED", "REJECTED", "SKIPPED", "EXPIRED"])
    conditions += _id_filters(a, query, {"pool_id": "pool_id", "user_id": "worker_id", "task_suite_id": "id"})
    if "task_id" in query:
        task_id = id_value(query["task_id"], "task_id")
        conditions.append(exists().where(assignment_tasks.c.assignment_id == a.c.id,
                                         assignment_tasks.c.task_id == task_id))
    fields = ("id", "created", "submitted", "accepted", "rejected", "skipped", "expired")
    refuse_unknown(query, ("status", "pool_id", "user_id", "task_suite_id", "task_id"), fields)
    statement, limit = ordered(a, conditions + range_conditions(a, query, fields), query,
                               limit_default=settings.page_limit_default, limit_max=settings.page_limit_max,
                               sortable=fields, columns=assignment_json.COLUMNS)
    return json_page(db, statement, limit, assignment_json.items)


def attachments_page(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    conditions = _id_filters(attachments, query, {"pool_id": "pool_id", "assignment_id": "assignment_id",
                                                  "user_id": "worker_id"})
    if "name" in query:
        conditions.append(attachments.c.name == query["name"])
    if query.get("type", "ASSIGNMENT_ATTACHMENT") != "ASSIGNMENT_ATTACHMENT":  # the one kind there is
        raise ValidationFailed.field("type", "the only attachment type is 'ASSIGNMENT_ATTACHMENT'")
    return _run(db, settings, attachments, conditions, query, _rows(present_attachment),
                filters=("pool_id", "assignment_id", "user_id", "name", "type"))


def restrictions_page(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    conditions = _id_filters(user_restrictions, query, {"user_id": "worker_id", "project_id": "project_id",
                                                        "pool_id": "pool_id"})
    if "scope" in query:
        conditions.append(user_restrictions.c.scope == query["scope"])
    return _run(db, settings, user_restrictions, conditions, query, _rows(restrictions.present),
                filters=("user_id", "project_id", "pool_id", "scope"))


def user_skills_page(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    conditions = _id_filters(worker_skills, query, {"user_id": "worker_id", "skill_id": "skill_id"})
    return _run(db, settings, worker_skills, conditions, query, _rows(user_skills.present),
                ranges=("id", "created", "modified"), sortable=("id", "created", "modified"),
                filters=("user_id", "skill_id"))


def workers_page(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    conditions = [workers_table.c.login == query["login"]] if "login" in query else []
    return _run(db, settings, workers_table, conditions, query, _rows(workers.present), filters=("login",))


OPERATION_STATUSES = ("PENDING", "RUNNING", "SUCCESS", "FAIL")


def operations_page(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    """Operations by type and status; their ids are UUIDs, so `id_gt`-style cursors compare as text."""
    conditions = _status(operations, query, OPERATION_STATUSES)
    if "type" in query:
        conditions.append(operations.c.type.in_(csv_values(query["type"]) or []))
    for suffix, method in (("gt", "__gt__"), ("gte", "__ge__"), ("lt", "__lt__"), ("lte", "__le__")):
        raw = query.get(f"id_{suffix}")
        if raw is not None:
            if len(raw) > 64:
                raise ValidationFailed.field(f"id_{suffix}", "is not an operation id")
            conditions.append(getattr(operations.c.id, method)(raw))
    fields = ("submitted", "finished")
    return _run(db, settings, operations, conditions, query, _rows(present.operation), ranges=fields,
                sortable=("id", *fields), filters=("type", "status", "id_gt", "id_gte", "id_lt", "id_lte"))


def bonuses_page(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    conditions = _id_filters(user_bonuses, query, {"user_id": "worker_id", "assignment_id": "assignment_id"})
    if "private_comment" in query:
        conditions.append(user_bonuses.c.private_comment == query["private_comment"])
    return _run(db, settings, user_bonuses, conditions, query, _rows(bonuses.present),
                filters=("user_id", "assignment_id", "private_comment"))


def message_threads_page(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    """Threads in every folder of `folder` and in none of `folder_ne`."""
    conditions = messages.folder_conditions(csv_values(query.get("folder")) or [],
                                            csv_values(query.get("folder_ne")) or [])
    return _run(db, settings, message_threads, conditions, query, _rows(messages.present),
                filters=("folder", "folder_ne"))


def webhooks_page(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    conditions = _id_filters(webhook_subscriptions, query, {"pool_id": "pool_id"})
    if "event_type" in query:
        conditions.append(webhook_subscriptions.c.event_type == query["event_type"])
    return _run(db, settings, webhook_subscriptions, conditions, query, _rows(webhooks.present),
                filters=("pool_id", "event_type"))
