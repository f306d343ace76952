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
- ``REVIEWED``: overlap reached, nothing waiting, and some answer was reviewed: rejected, or
  accepted after it was submitted (by the requester, or when the pool's review period ran out);
- ``LABELED``: overlap reached and every answer was accepted as it was submitted (automatic
  acceptance).

The status is one SQL expression per asset row (correlated counts over the ``asset_tasks`` primary
key), so a page of assets costs one query and the list filters on it in the database.
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


def _real_tasks(asset_id: ColumnElement[Any]) -> Any:
    return asset_tasks.join(tasks, tasks.c.id == asset_tasks.c.task_id), and_(
        asset_tasks.c.asset_id == asset_id, tasks.c.golden == false())


def _flag(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.max(case((condition, 1), else_=0)), 0)


def labelling_status(asset_id: ColumnElement[Any] = assets.c.id) -> ColumnElement[str]:
    """The labelling status of the asset whose id is ``asset_id`` (correlated: use it in a query on assets).

    Two correlated subqueries, each driven by the ``asset_tasks`` key: the real tasks still short of
    their overlap (+8 when any), and one code for the answers to them (1: some answer was ever
    submitted, +2: some was reviewed, +4: some waits for review); the sum picks the status.
    Filtering the answers in the aggregate rather than in WHERE keeps PostgreSQL (before it has
    statistics) from starting at the status index of all assignments: 1 s instead of 15 ms a page.
    """
    joined, real = _real_tasks(asset_id)
    reached = or_(and_(tasks.c.infinite_overlap == true(), tasks.c.answered_count > 0),  # never NULL: negated
                  and_(tasks.c.infinite_overlap == false(), tasks.c.answered_count >= tasks.c.overlap))
    short = select(func.count()).select_from(joined).where(real, ~reached).scalar_subquery()
    status = assignments.c.status
    reviewed = or_(status == "REJECTED", and_(status == "ACCEPTED", assignments.c.accepted > assignments.c.submitted))
    answers = joined.join(assignment_tasks, assignment_tasks.c.task_id == asset_tasks.c.task_id).join(
        assignments, assignments.c.id == assignment_tasks.c.assignment_id)
    code = select(_flag(status.in_(("SUBMITTED", "ACCEPTED", "REJECTED"))) + 2 * _flag(reviewed)
                  + 4 * _flag(status == "SUBMITTED")).select_from(answers).where(real).scalar_subquery()
    # one key, so each subquery runs once per asset (a searched CASE would run `code` up to three times)
    key = code + 8 * case((short > 0, 1), else_=0)
    return case({0: "TODO", 8: "TODO",  # never answered (whether or not a task waits)
                 1: "LABELED", 2: "REVIEWED", 3: "REVIEWED", 4: "TO_REVIEW", 5: "TO_REVIEW", 6: "TO_REVIEW",
                 7: "TO_REVIEW"}, value=key, else_="ONGOING")  # 9 to 15: answered, some task short


def statuses(conn: Connection, asset_ids: Iterable[int]) -> dict[int, str]:
    """``{asset id: labelling status}`` for a page of assets, in one query."""
    ids = set(asset_ids)
    if not ids:
        return {}
    query = select(assets.c.id, labelling_status()).where(one_of(assets.c.id, ids))
    return {row[0]: row[1] for row in conn.execute(query)}
