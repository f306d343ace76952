"""User restrictions: a worker barred from a pool, a project or everything, until a date or forever."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, insert, or_, select

from clipcrowd.domain.errors import NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id, parse_id
from clipcrowd.domain.models.base import checked
from clipcrowd.domain.models.people import RestrictionCreate
from clipcrowd.domain.quality import EVERYWHERE_SCOPES, HAND_RESTRICTION_SCOPES
from clipcrowd.domain.timeutil import format_time, parse_time, utcnow
from clipcrowd.services import events
from clipcrowd.services.pools import load as load_pool
from clipcrowd.services.projects import load as load_project
from clipcrowd.services.workers import load as load_worker
from clipcrowd.store.db import Database
from clipcrowd.store.tables import user_restrictions


def present(row: Any) -> dict[str, Any]:
    body = {
        "id": format_id(row.id), "user_id": format_id(row.worker_id), "scope": row.scope,
        "private_comment": row.private_comment, "created": format_time(row.created),
        "will_expire": format_time(row.will_expire),
        "project_id": format_id(row.project_id) if row.project_id else None,
        "pool_id": format_id(row.pool_id) if row.pool_id else None,
    }
    return {k: v for k, v in body.items() if v is not None}


def add(
    conn: Connection, worker_id: int, scope: str, *, project_id: int | None, pool_id: int | None,
    comment: str | None, until: datetime | None,
) -> int:
    new_id = conn.execute(insert(user_restrictions).values(
        worker_id=worker_id, scope=scope, project_id=project_id, pool_id=pool_id,
        private_comment=comment, created=utcnow(), will_expire=until,
    ).returning(user_restrictions.c.id)).scalar_one()
    events.record(conn, "RESTRICTED", pool_id=pool_id, worker_id=worker_id, scope=scope,
                  project_id=project_id, until=format_time(until), comment=comment)
    return int(new_id)


def create(db: Database, body: Any) -> dict[str, Any]:
    wanted = checked(RestrictionCreate, body, "user_restriction")
    scope = wanted.scope
    if scope not in HAND_RESTRICTION_SCOPES:
        raise ValidationFailed.field("scope", f"one of {sorted(HAND_RESTRICTION_SCOPES)}")
    worker_id = parse_id(wanted.user_id)
    if worker_id is None:
        raise ValidationFailed.field("user_id", "must be a user id")
    project_id = parse_id(wanted.project_id)
    pool_id = parse_id(wanted.pool_id)
    if scope == "PROJECT" and project_id is None:
        raise ValidationFailed.field("project_id", "is required for scope PROJECT")
    if scope == "POOL" and pool_id is None:
        raise ValidationFailed.field("pool_id", "is required for scope POOL")
    until = parse_time(wanted.will_expire, "will_expire")
    with db.write() as conn:
        for name, loader, key in (("user_id", load_worker, worker_id), ("project_id", load_project, project_id),
                                  ("pool_id", load_pool, pool_id)):
            if key is not None:
                try:
                    loader(conn, key)
                except NotFound as exc:
                    raise ValidationFailed.field(name, exc.message, "DOES_NOT_EXIST") from None
        new_id = add(conn, worker_id, scope, project_id=project_id if scope == "PROJECT" else None,
                     pool_id=pool_id if scope == "POOL" else None, comment=wanted.private_comment, until=until)
        # quality rules restrict through `add` and tell their pool themselves, so they import this module
        from clipcrowd.services import quality

        quality.restricted_by_hand(conn, worker_id, scope, project_id, pool_id)
        return present(conn.execute(select(user_restrictions).where(user_restrictions.c.id == new_id)).one())


def get(db: Database, restriction_id: int) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute(select(user_restrictions).where(user_restrictions.c.id == restriction_id)).one_or_none()
    if row is None:
        raise NotFound(f"user restriction {restriction_id} does not exist")
    return present(row)


def remove(db: Database, restriction_id: int) -> None:
    with db.write() as conn:
        row = conn.execute(select(user_restrictions).where(user_restrictions.c.id == restriction_id)).one_or_none()
        if row is None:
            raise NotFound(f"user restriction {restriction_id} does not exist")
        conn.execute(delete(user_restrictions).where(user_restrictions.c.id == restriction_id))
        events.record(conn, "UNRESTRICTED", pool_id=row.pool_id, worker_id=row.worker_id, scope=row.scope)


def active_condition(worker_id: Any, project_id: Any, pool_id: Any, now: Any = None) -> Any:
    """Restrictions of this worker that bar her from the pool at `now` (default: now); ids, columns
    to correlate with, or bound parameters."""
    r = user_restrictions.c
    return and_(
        r.worker_id == worker_id,
        or_(r.will_expire.is_(None), r.will_expire > (utcnow() if now is None else now)),
        # one comparison per scope, not `IN`: an IN list is expanded when run, so a statement built
        # once around this could not be compiled once (store/direct.py)
        or_(*(r.scope == scope for scope in EVERYWHERE_SCOPES), and_(r.scope == "PROJECT", r.project_id == project_id),
            and_(r.scope == "POOL", r.pool_id == pool_id)),
    )


def is_restricted(conn: Connection, worker_id: int, project_id: int, pool_id: int) -> bool:
    return bool(conn.execute(select(exists().where(active_condition(worker_id, project_id, pool_id)))).scalar())
