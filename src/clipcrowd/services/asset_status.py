"""An asset's labelling status (Kili's TODO, ONGOING, TO_REVIEW, LABELED, REVIEWED), derived from the
crowd's progress on the tasks that point at it, and the links that say which tasks those are.

A task points at an asset when one of its input values holds the asset's URL
(``/api/v1/assets/<id>/...``, see ``asset_views.asset_url``) and both sit in the same project; the
link is written with the task (``asset_tasks``). Golden tasks do not count. Over an asset's tasks:

- ``TODO``: no answer was ever submitted (nothing, or only active, skipped or expired assignments);
- ``ONGOING``: answers came, but some task has fewer answers than its overlap (a rejected answer
  frees its slot, so a rejection sends the asset back here, as Kili's "send back to queue" does; a
  task with infinite overlap needs one answer);
- ``TO_REVIEW``: every task reached its overlap and some answer is SUBMITTED, waiting for the
  requester (a pool without automatic acceptance);
- ``REVIEWED``: overlap reached, nothing waiting, and some answer was reviewed by a person:
  rejected, or accepted by the requester after it was submitted;
- ``LABELED``: overlap reached and every answer was accepted without a person's review: as it was
  submitted (automatic acceptance), or when the pool's review period ran out (``auto_accepted``).

The status is computed in SQL from two aggregates per asset (its tasks short of their overlap, and a
code for their answers): grouped over a page's assets to show them (one query a page), correlated on
the ``asset_tasks`` key to filter the list in the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, false, func, insert, or_, select, true

from clipcrowd.domain.assets import LABELLING_STATUSES, asset_pointers
from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import asset_tasks, assets, assignment_tasks, assignments, pools, tasks

__all__ = ["LABELLING_STATUSES", "labelling_status", "link", "statuses"]


def link(conn: Connection, task_ids: Sequence[int], rows: Sequence[dict[str, Any]]) -> None:
    """Record which of the just-written tasks point at an asset of their pool's project."""
    wanted = [(task_id, row["pool_id"], pointer) for task_id, row in zip(task_ids, rows, strict=True)
              for pointer in asset_pointers((row.get("data") or {}).get("input_values"))]
    if not wanted:
        return
    project_of = {r.id: r.project_id for r in conn.execute(
        select(pools.c.id, pools.c.project_id).where(one_of(pools.c.id, {w[1] for w in wanted})))}
    owner = {r.id: r.project_id for r in conn.execute(
        select(assets.c.id, assets.c.project_id).where(one_of(assets.c.id, {w[2] for w in wanted})))}
    links = [{"asset_id": a, "task_id": t} for t, p, a in wanted
             if owner.get(a) is not None and owner[a] == project_of.get(p)]
    if links:
        conn.execute(insert(asset_tasks), links)


_REACHED = or_(and_(tasks.c.infinite_overlap == true(), tasks.c.answered_count > 0),  # never NULL: negated
               and_(tasks.c.infinite_overlap == false(), tasks.c.answered_count >= tasks.c.overlap))
_REAL_TASKS = asset_tasks.join(tasks, and_(tasks.c.id == asset_tasks.c.task_id, tasks.c.golden == false()))
_ANSWERS = _REAL_TASKS.join(assignment_tasks, assignment_tasks.c.task_id == asset_tasks.c.task_id).join(
    assignments, assignments.c.id == assignment_tasks.c.assignment_id)


def _flag(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.max(case((condition, 1), else_=0)), 0)


def _short() -> Any:
    """Per asset (an aggregate over ``_REAL_TASKS``): how many of its real tasks are short of their overlap."""
    return func.count(case((~_REACHED, 1)))


def _code() -> Any:
    """Per asset (an aggregate over ``_ANSWERS``): 1 when some answer was ever submitted, +2 when some
    was reviewed, +4 when some waits for review. Filtering answers here rather than in WHERE keeps
    PostgreSQL (before it has statistics) from starting at the status index of every assignment."""
    status = assignments.c.status
    reviewed = or_(status == "REJECTED", and_(status == "ACCEPTED", assignments.c.accepted > assignments.c.submitted,
                                              assignments.c.auto_accepted == false()))
    return (_flag(status.in_(("SUBMITTED", "ACCEPTED", "REJECTED"))) + 2 * _flag(reviewed)
            + 4 * _flag(status == "SUBMITTED"))


def _status(code: Any, short: Any) -> ColumnElement[str]:
    """The status from the answer code and the shortfall, as one simple CASE on one key, so each
    input is computed once (a searched CASE would compute ``code`` up to three times)."""
    key = func.coalesce(code, 0) + 8 * case((func.coalesce(short, 0) > 0, 1), else_=0)
    return case({0: "TODO", 8: "TODO",  # never answered (whether or not a task waits)
                 1: "LABELED", 2: "REVIEWED", 3: "REVIEWED", 4: "TO_REVIEW", 5: "TO_REVIEW", 6: "TO_REVIEW",
                 7: "TO_REVIEW"}, value=key, else_="ONGOING")  # 9 to 15: answered, some task short


def labelling_status(asset_id: ColumnElement[Any] = assets.c.id) -> ColumnElement[str]:
    """The labelling status of the asset whose id is ``asset_id``, as two correlated subqueries driven
    by the ``asset_tasks`` key: for a WHERE clause on assets (``?labelling_status=``)."""
    short = select(_short()).select_from(_REAL_TASKS).where(asset_tasks.c.asset_id == asset_id).scalar_subquery()
    code = select(_code()).select_from(_ANSWERS).where(asset_tasks.c.asset_id == asset_id).scalar_subquery()
    return _status(code, short)


def statuses(conn: Connection, asset_ids: Iterable[int]) -> dict[int, str]:
    """``{asset id: labelling status}`` for a page of assets, in one query (grouped, not correlated)."""
    ids = set(asset_ids)
    if not ids:
        return {}
    short = (select(asset_tasks.c.asset_id, _short().label("short")).select_from(_REAL_TASKS)
             .where(one_of(asset_tasks.c.asset_id, ids)).group_by(asset_tasks.c.asset_id).subquery())
    code = (select(asset_tasks.c.asset_id, _code().label("code")).select_from(_ANSWERS)
            .where(one_of(asset_tasks.c.asset_id, ids)).group_by(asset_tasks.c.asset_id).subquery())
    query = (select(assets.c.id, _status(code.c.code, short.c.short))
             .select_from(assets.outerjoin(short, short.c.asset_id == assets.c.id)
                          .outerjoin(code, code.c.asset_id == assets.c.id))
             .where(one_of(assets.c.id, ids)))
    return {row[0]: row[1] for row in conn.execute(query)}
