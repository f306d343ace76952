"""Queries behind the worker's pages: the task page's data, her history and earnings, pool intros.

Everything here is what the worker may see: task inputs only (never known solutions or which
task is golden), her own assignments, the project's public texts and interface.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from clipcrowd.domain.errors import AccessDenied, ClipcrowdError
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.models.pools import PoolData
from clipcrowd.domain.models.projects import ProjectData, localized
from clipcrowd.domain.models.trainings import TrainingCreate
from clipcrowd.domain.timeutil import format_time
from clipcrowd.services import issuing, lifecycle, pools, present, refusals, workers
from clipcrowd.services.projects import load as load_project
from clipcrowd.store.db import Database
from clipcrowd.store.tables import assignments
from clipcrowd.store.tables import pools as pools_table
from clipcrowd.store.tables import projects as projects_table


def _public_project(project: Any, pool: Any, languages: list[str]) -> dict[str, Any]:
    """The project's public texts, in the first of her `languages` its `localization_config` has, and
    its interface; a pool's own description and instructions, when it has them, stand in for the
    project's (as on Toloka), and a training's unless it inherits the project's."""
    data = ProjectData.of(project.data)
    name, own_description, own_instructions = localized(data, languages)
    view = data.task_spec.view_spec
    if pool.type == "TRAINING":
        training = TrainingCreate.of(pool.data)
        description, instructions = None, None if training.inherited_instructions else training.public_instructions
    else:
        own = PoolData.of(pool.data)
        description, instructions = own.public_description, own.public_instructions
    return {
        "id": format_id(project.id), "title": name,
        "description": description or own_description or "",
        "instructions": instructions or own_instructions or "",
        "view_config": view.get("config") if view.get("type", "tb") == "tb" else None,
        "output_spec": data.task_spec.output_spec,
    }


def task_page(db: Database, worker_id: int, assignment_id: int) -> dict[str, Any]:
    """The assignment as its worker sees it, plus the project's public texts and interface."""
    with db.read() as conn:
        row = lifecycle.load(conn, assignment_id)
        if row.worker_id != worker_id:
            raise AccessDenied(f"assignment {format_id(assignment_id)} is not yours")
        pool = pools.load(conn, row.pool_id)
        project = load_project(conn, pool.project_id)
        return {
            "assignment": issuing.worker_view(row, present.tasks_by_id(conn, set(row.task_ids))),
            "project": _public_project(project, pool, workers.load(conn, worker_id).languages),
            "pool": {"id": format_id(pool.id), "status": pool.status,
                     "reward": PoolData.of(pool.data).reward_per_assignment},
            "public_comment": row.public_comment,
        }


def pool_intro(db: Database, worker_id: int, pool_id: int) -> dict[str, Any]:
    """What a worker reads before taking a pool: title, texts, reward, and whether she may take it.

    Only a worker who may take the pool now, or who was issued work in it before, reads its texts:
    anyone else (filtered out, restricted, or the pool not open) gets the refusal and nothing more.
    """
    with db.read() as conn:
        worker = workers.load(conn, worker_id)
        pool = pools.load(conn, pool_id)
        refusal: ClipcrowdError | None = None
        try:
            issuing.check_access(conn, worker, pool)
        except ClipcrowdError as exc:  # shown to her as the reason she cannot start
            refusal = exc
        mine = select(assignments.c.id).where(assignments.c.worker_id == worker_id, assignments.c.pool_id == pool_id)
        if refusal is not None and conn.execute(mine.limit(1)).first() is None:
            raise refusal
        project = load_project(conn, pool.project_id)
        active = conn.execute(mine.where(assignments.c.status == "ACTIVE").limit(1)).scalar()
        data = PoolData.of(pool.data)
        return {
            "pool": {"id": format_id(pool.id), "reward": data.reward_per_assignment,
                     "max_seconds": data.assignment_max_duration_seconds, "status": pool.status},
            "project": _public_project(project, pool, worker.languages),
            "refusal": refusals.shown(refusal) if refusal else None,
            "active_assignment": format_id(active) if active else None,
        }


def history(db: Database, worker_id: int, limit: int = 200) -> dict[str, Any]:
    """Her balance, what she earned and is waiting for, and her assignments (newest first)."""
    with db.read() as conn:
        worker = workers.load(conn, worker_id)
        rows = conn.execute(
            select(assignments, projects_table.c.data.label("project_data"))
            .join(pools_table, pools_table.c.id == assignments.c.pool_id)
            .join(projects_table, projects_table.c.id == pools_table.c.project_id)
            .where(assignments.c.worker_id == worker_id).order_by(assignments.c.id.desc()).limit(limit)).all()
        items = [{
            "id": format_id(r.id), "pool_id": format_id(r.pool_id),
            "title": localized(ProjectData.of(r.project_data), worker.languages)[0],
            "status": r.status, "reward": r.reward, "created": format_time(r.created),
            "submitted": format_time(r.submitted), "comment": r.public_comment, "tasks": len(r.task_ids),
        } for r in rows]
        pending = sum(i["reward"] for i in items if i["status"] == "SUBMITTED")
        return {"login": worker.login, "balance": round(worker.balance, 4), "pending": round(pending, 4),
                "items": items}
