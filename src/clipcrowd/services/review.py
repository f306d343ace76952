"""The requester's side of assignments: reading them and accepting or rejecting submissions."""

from __future__ import annotations

from typing import Any

from clipcrowd.domain.errors import ConflictState, ValidationFailed
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.models.assignments import AssignmentReview
from clipcrowd.domain.models.base import checked
from clipcrowd.services import lifecycle, pools, present
from clipcrowd.store.db import Database


def get(db: Database, assignment_id: int) -> dict[str, Any]:
    with db.read() as conn:
        return present.assignments(conn, [lifecycle.load(conn, assignment_id)])[0]


def set_status(db: Database, assignment_id: int, body: Any) -> dict[str, Any]:
    """PATCH body `{status: ACCEPTED|REJECTED, public_comment}`; a rejection needs a comment.

    A SUBMITTED assignment is accepted or rejected; a REJECTED one may still be accepted (the
    requester changed her mind: the worker is paid; the tasks it gave back stay with the crowd).
    """
    review = checked(AssignmentReview, body, "assignment")
    status, comment = review.status, review.public_comment
    if status == "REJECTED" and not (comment or "").strip():
        raise ValidationFailed.field("public_comment", "is required to reject: tell the worker why")
    with db.write() as conn:
        row = lifecycle.load(conn, assignment_id, for_update=True)
        if row.status == status:
            return present.assignments(conn, [row])[0]
        if row.status != "SUBMITTED" and (row.status, status) != ("REJECTED", "ACCEPTED"):
            raise ConflictState(f"assignment {format_id(assignment_id)} is {row.status}: only SUBMITTED ones are "
                                "reviewed, and REJECTED ones accepted")
        if status == "ACCEPTED":
            lifecycle.accept(conn, row, comment)
        else:
            lifecycle.reject(conn, row, comment or "")
        pools.close_if_complete(conn, row.pool_id)
        return present.assignments(conn, [lifecycle.load(conn, assignment_id)])[0]
