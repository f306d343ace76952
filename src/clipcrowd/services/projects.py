"""Projects: the task spec (inputs, outputs, interface) and instructions shared by their pools."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert, select, update

from clipcrowd.domain.errors import ConflictState, NotFound, ValidationFailed
from clipcrowd.domain.specs import validate_spec
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.domain.view import validate_view_spec
from clipcrowd.services import present
from clipcrowd.store.db import Database
from clipcrowd.store.tables import pools, projects

READ_ONLY = {"id", "status", "created"}


def validate_project(body: Any) -> dict[str, Any]:
    if not isinstance(body, Mapping):
        raise ValidationFailed.field("project", "must be a JSON object")
    if not isinstance(body.get("public_name"), str) or not body["public_name"].strip():
        raise ValidationFailed.field("public_name", "is required and must be a non-empty string")
    spec = body.get("task_spec")
    if not isinstance(spec, Mapping):
        raise ValidationFailed.field("task_spec", "is required: {input_spec, output_spec, view_spec}")
    inputs = validate_spec(spec.get("input_spec", {}), "task_spec.input_spec")
    outputs = validate_spec(spec.get("output_spec"), "task_spec.output_spec")
    if not outputs:
        raise ValidationFailed.field("task_spec.output_spec", "needs at least one output field")
    if "view_spec" in spec:
        validate_view_spec(spec["view_spec"], inputs, outputs)
    for text in ("public_description", "public_instructions", "private_comment"):
        if text in body and body[text] is not None and not isinstance(body[text], str):
            raise ValidationFailed.field(text, "must be a string")
    return {k: v for k, v in body.items() if k not in READ_ONLY}


def create(db: Database, body: Any) -> dict[str, Any]:
    data = validate_project(body)
    data.setdefault("assignments_issuing_type", "AUTOMATED")
    with db.write() as conn:
        new_id = conn.execute(
            insert(projects).values(status="ACTIVE", created=utcnow(), data=data).returning(projects.c.id)
        ).scalar_one()
        return present.project(conn.execute(select(projects).where(projects.c.id == new_id)).one())


def load(conn: Connection, project_id: int) -> Any:
    row = conn.execute(select(projects).where(projects.c.id == project_id)).one_or_none()
    if row is None:
        raise NotFound(f"project {project_id} does not exist")
    return row


def get(db: Database, project_id: int) -> dict[str, Any]:
    with db.read() as conn:
        return present.project(load(conn, project_id))


def replace(db: Database, project_id: int, body: Any) -> dict[str, Any]:
    data = validate_project(body)
    with db.write() as conn:
        row = load(conn, project_id)
        if row.status == "ARCHIVED":
            raise ConflictState(f"project {project_id} is archived and cannot be changed")
        conn.execute(update(projects).where(projects.c.id == project_id).values(data=data))
        return present.project(load(conn, project_id))


def archive(db: Database, project_id: int) -> dict[str, Any]:
    with db.write() as conn:
        load(conn, project_id)
        open_pools = conn.execute(
            select(pools.c.id).where(pools.c.project_id == project_id, pools.c.status == "OPEN")
        ).all()
        if open_pools:
            raise ConflictState(
                f"project {project_id} has open pools ({', '.join(str(p.id) for p in open_pools)}): close them first"
            )
        conn.execute(update(projects).where(projects.c.id == project_id).values(status="ARCHIVED"))
        return present.project(load(conn, project_id))
