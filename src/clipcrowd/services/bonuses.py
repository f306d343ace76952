"""User bonuses: money paid to a worker beyond rewards, added to her balance when it is granted.

`amount` is decimal text (0.01 to MAX_AMOUNT, cents at most) so no float rounding reaches the
record; the balance is a float like every other money field of the worker.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, insert, select, update

from clipcrowd.domain.errors import NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id, parse_id
from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.services import operations
from clipcrowd.store.db import Database
from clipcrowd.store.tables import assignments, user_bonuses, workers

MAX_AMOUNT = Decimal("100")
MAX_TEXTS = 20
MAX_TEXT = 2000


def _amount(raw: Any) -> Decimal:
    fault = ValidationFailed.field("amount", f"a decimal from 0.01 to {MAX_AMOUNT} with at most two decimals")
    try:
        value = Decimal(str(raw)) if not isinstance(raw, bool) else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise fault
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2 or not Decimal("0.01") <= value <= MAX_AMOUNT:
        raise fault
    return value.quantize(Decimal("0.01"))


def _texts(value: Any, name: str) -> None:
    if value is not None and (len(value) > MAX_TEXTS or any(len(v) > MAX_TEXT for v in value.values())):
        raise ValidationFailed.field(name, f"at most {MAX_TEXTS} languages of {MAX_TEXT} characters")


def _check(conn: Connection, body: dict[str, Any]) -> dict[str, Any]:
    worker_id = parse_id(body["user_id"])
    if worker_id is None or conn.execute(select(workers.c.id).where(workers.c.id == worker_id)).first() is None:
        raise ValidationFailed.field("user_id", f"user {body['user_id']!r} does not exist")
    assignment_id = None
    if body.get("assignment_id") is not None:
        assignment_id = parse_id(body["assignment_id"])
        row = None if assignment_id is None else conn.execute(
            select(assignments.c.worker_id).where(assignments.c.id == assignment_id)).first()
        if row is None or row.worker_id != worker_id:
            raise ValidationFailed.field("assignment_id", "is not an assignment of this user")
    _texts(body.get("public_title"), "public_title")
    _texts(body.get("public_message"), "public_message")
    without = bool(body.get("without_message"))
    if not without and not (body.get("public_title") and body.get("public_message")):
        raise ValidationFailed.field("public_message", "a title and a message are required unless without_message")
    return {"worker_id": worker_id, "assignment_id": assignment_id, "amount": str(_amount(body["amount"])),
            "private_comment": body.get("private_comment"), "public_title": body.get("public_title"),
            "public_message": body.get("public_message"), "without_message": without}


def present(row: Any) -> dict[str, Any]:
    body = {"id": format_id(row.id), "user_id": format_id(row.worker_id), "amount": row.amount,
            "without_message": row.without_message, "created": format_time(row.created),
            "private_comment": row.private_comment, "public_title": row.public_title,
            "public_message": row.public_message,
            "assignment_id": format_id(row.assignment_id) if row.assignment_id is not None else None}
    return {k: v for k, v in body.items() if v is not None}


def grant(conn: Connection, body: dict[str, Any]) -> dict[str, Any]:
    """Check, record and pay one bonus inside the caller's transaction."""
    values = _check(conn, body)
    new_id = conn.execute(insert(user_bonuses).values(**values, created=utcnow())
                          .returning(user_bonuses.c.id)).scalar_one()
    conn.execute(update(workers).where(workers.c.id == values["worker_id"])
                 .values(balance=workers.c.balance + float(values["amount"])))
    return present(conn.execute(select(user_bonuses).where(user_bonuses.c.id == new_id)).one())


def get(db: Database, bonus_id: int) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute(select(user_bonuses).where(user_bonuses.c.id == bonus_id)).one_or_none()
    if row is None:
        raise NotFound(f"user bonus {bonus_id} does not exist")
    return present(row)


def create_many(db: Database, items: list[dict[str, Any]], *, skip_invalid: bool,
                op_id: str | None = None) -> dict[str, Any]:
    """Grant every item in one transaction; a refused item fails the whole call unless `skip_invalid`: at
    once, or, with `op_id`, as Toloka's operations do: it ends FAIL, each refused item's faults in its log,
    nothing granted (the valid items' grants are rolled back with their savepoint).

    With `op_id` the call is also recorded as a finished USER_BONUS.BATCH_CREATE operation whose log
    carries `__item_idx` and `user_bonus_id` per item, as clients that wait on operations read it.
    """
    made: dict[str, dict[str, Any]] = {}
    faults: dict[str, Any] = {}
    with db.write() as conn:
        if op_id is not None:
            operations.start(conn, "USER_BONUS.BATCH_CREATE", {"skip_invalid_items": skip_invalid}, op_id=op_id)
        granting = conn.begin_nested()
        for i, item in enumerate(items):
            idx = str(item.pop("__item_idx", i))
            try:
                made[idx] = grant(conn, item)
            except ValidationFailed as exc:
                if not skip_invalid and op_id is None:
                    raise ValidationFailed(f"item {idx}: {exc.message}", exc.payload) from None
                faults[idx] = exc.payload
        if faults and not skip_invalid:
            granting.rollback()
            made = {}
        else:
            granting.commit()
        if op_id is not None:
            operations.log(conn, op_id, "USER_BONUS_CREATE",
                           [(True, {"__item_idx": idx}, {"user_bonus_id": b["id"]}) for idx, b in made.items()]
                           + [(False, {"__item_idx": idx}, f) for idx, f in faults.items()])
            operations.finish(conn, op_id, success=bool(made) or not faults, details={
                "total_count": len(items), "success_count": len(made), "failed_count": len(faults)})
    return {"items": made, "validation_errors": faults}
