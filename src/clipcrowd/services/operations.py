"""Operations: long or deferred calls (batch task creation, pool open/close, analytics) as rows
a client polls, each with an optional per-item log.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from clipcrowd.domain.errors import ClipcrowdError, NotFound, ValidationFailed
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.jobs.queue import progress as job_progress
from clipcrowd.services import present
from clipcrowd.store.db import Database
from clipcrowd.store.tables import jobs, operation_log, operations


class OperationExists(ClipcrowdError):
    status_code = 409
    code = "OPERATION_ALREADY_EXISTS"


def new_id(requested: str | None) -> str:
    if requested is None:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(requested))
    except ValueError:
        raise ValidationFailed.field("operation_id", f"{requested!r} is not a UUID") from None


def start(
    conn: Connection, kind: str, parameters: dict[str, Any], *, op_id: str | None = None,
    status: str = "RUNNING",
) -> str:
    """Insert a new operation; a reused id is refused with OPERATION_ALREADY_EXISTS."""
    op_id = op_id or str(uuid.uuid4())
    now = utcnow()
    try:
        with conn.begin_nested():
            conn.execute(insert(operations).values(
                id=op_id, type=kind, status=status, submitted=now, started=now, progress=0,
                parameters=parameters,
            ))
    except IntegrityError:
        raise OperationExists(f"operation {op_id} already exists", {"operation_id": op_id}) from None
    return op_id


def finish(conn: Connection, op_id: str, *, success: bool, details: dict[str, Any] | None = None) -> None:
    conn.execute(update(operations).where(operations.c.id == op_id).values(
        status="SUCCESS" if success else "FAIL", finished=utcnow(), progress=100, details=details,
    ))


LogEntry = tuple[bool, dict[str, Any], dict[str, Any]]  # success, input, output


def log(conn: Connection, op_id: str, kind: str, entries: Iterable[LogEntry]) -> None:
    rows = [{"operation_id": op_id, "type": kind, "success": ok, "input": inp, "output": out}
            for ok, inp, out in entries]
    if rows:
        conn.execute(insert(operation_log), rows)


def instant(
    db: Database, kind: str, parameters: dict[str, Any], details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An operation that is already done when it is returned."""
    with db.write() as conn:
        op_id = start(conn, kind, parameters)
        finish(conn, op_id, success=True, details=details)
        return present.operation(conn.execute(select(operations).where(operations.c.id == op_id)).one())


def get(db: Database, op_id: str) -> dict[str, Any]:
    """The operation as clients poll it; one backed by a running job reports the job's progress."""
    with db.read() as conn:
        row = conn.execute(select(operations).where(operations.c.id == op_id)).one_or_none()
        if row is None:
            raise NotFound(f"operation {op_id} does not exist")
        body = present.operation(row)
        if row.status in ("PENDING", "RUNNING"):
            job_id = conn.execute(select(jobs.c.id).where(jobs.c.operation_id == op_id)).scalar()
            if job_id is not None:
                body["progress"] = max(row.progress or 0, job_progress(conn, job_id))
        return body


def get_log(db: Database, op_id: str) -> list[dict[str, Any]]:
    with db.read() as conn:
        if conn.execute(select(operations.c.id).where(operations.c.id == op_id)).first() is None:
            raise NotFound(f"operation {op_id} does not exist")
        rows = conn.execute(
            select(operation_log).where(operation_log.c.operation_id == op_id).order_by(operation_log.c.id)
        ).all()
        return [{"type": r.type, "success": r.success, "input": r.input, "output": r.output} for r in rows]

