"""Projects: the task spec (inputs, outputs, interface) and instructions shared by their pools."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert, select, update

from clipcrowd.domain.errors import ConflictState, NotFound, NotSupported, ValidationFailed
from clipcrowd.domain.models.base import checked
from clipcrowd.domain.models.projects import ProjectCreate, ProjectData
from clipcrowd.domain.specs import validate_spec
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.domain.view import validate_view_spec
from clipcrowd.services import present
from clipcrowd.store.db import Database
from clipcrowd.store.tables import pools, projects

READ_ONLY = {"id", "status", "created"}


def validate_project(body: Any) -> dict[str, Any]:
    """Check a project object; types are `ProjectCreate`'s, field specs and the view config are checked here."""
    if not isinstance(body, Mapping):
        raise ValidationFailed.field("project", "must be a JSON object")
    spec = checked(ProjectCreate, body, "project").task_spec
    issuing = body.get("assignments_issuing_type")
    if issuing not in (None, "AUTOMATED"):  # MAP_SELECTOR: workers pick tasks on a map
        raise ValidationFailed.field("assignments_issuing_type", f"{issuing!r} is not supported: work is handed "
                                     "out automatically (AUTOMATED); there is no map for workers to pick from")
    if body.get("assignments_automerge_enabled"):
        raise ValidationFailed.field("assignments_automerge_enabled", "true is not supported: clipcrowd never "
                                     "carries an answer over to an identical task of another pool; each task "
                                     "is answered by its own workers (leave it out or send false)")
    project_qc = body.get("quality_control")  # None, {} or {"configs": []} say nothing
    if project_qc is not None and not (isinstance(project_qc, Mapping) and not any(project_qc.values())):
        raise NotSupported.field("quality_control", "on a project is not supported: quality rules run per pool "
                                 "(set them in each pool's quality_control; an empty one may be sent)")
    inputs = validate_spec(spec.input_spec, "task_spec.input_spec")
    outputs = validate_spec(spec.output_spec, "task_spec.output_spec")
    if not outputs:
        raise ValidationFailed.field("task_spec.output_spec", "needs at least one output field")
    if "view_spec" in spec.model_fields_set:
        validate_view_spec(spec.view_spec, inputs, outputs)
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


def difference_level(db: Database, project_id: int, body: Any) -> str:
    """What `replace` with `body` would be, without doing it: EQUAL, BREAKING_CHANGE (the input or
    output fields change, so answers already given no longer fit) or NON_BREAKING_CHANGE."""
    new = validate_project(body)
    with db.read() as conn:
        old = load(conn, project_id).data
    new.setdefault("assignments_issuing_type", old.get("assignments_issuing_type"))

    def fields(data: Mapping[str, Any]) -> tuple[Any, Any]:
        spec = ProjectData.of(data).task_spec
        return spec.input_spec, spec.output_spec

    if fields(old) != fields(new):
        return "BREAKING_CHANGE"
    same = {k: v for k, v in old.items() if v is not None} == {k: v for k, v in new.items() if v is not None}
    return "EQUAL" if same else "NON_BREAKING_CHANGE"


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
