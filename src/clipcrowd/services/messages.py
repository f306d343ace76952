"""Message threads a requester composes: to named workers (DIRECT) or to every worker (ALL).

A filter-selected audience (FILTER) is refused: clipcrowd would have to freeze the filter's result
at send time, and it does not yet. Replies from workers are not kept, so threads are not answerable
from the worker side; `answerable` is recorded as sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select

from clipcrowd.domain.errors import NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id, parse_id
from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.store.db import Database
from clipcrowd.store.tables import message_threads, workers

MAX_TEXT = 10000
FOLDERS = ("OUTGOING",)  # every thread here is one the requester sent


def _texts(value: Mapping[str, str], name: str) -> None:
    if not value or any(not v.strip() or len(v) > MAX_TEXT for v in value.values()):
        raise ValidationFailed.field(name, f"one or more languages, each with 1 to {MAX_TEXT} characters")


def present(row: Any) -> dict[str, Any]:
    sender = {"id": "requester", "role": "REQUESTER", "myself": True}
    recipients = [{"id": format_id(r), "role": "USER", "myself": False} for r in row.recipient_ids]
    created = format_time(row.created)
    return {
        "id": format_id(row.id), "topic": row.topic, "answerable": row.answerable, "created": created,
        "folders": list(FOLDERS), "interlocutors_inlined": True, "interlocutors": [sender, *recipients],
        "messages_inlined": True, "messages": [{"text": row.text, "from": sender, "created": created}],
        "compose_details": {"recipients_select_type": row.recipients_select_type,
                            "recipients_ids": [format_id(r) for r in row.recipient_ids]},
    }


def compose(db: Database, body: Mapping[str, Any]) -> dict[str, Any]:
    """`body` is a checked MessageThreadCompose; recipients must be existing workers."""
    _texts(body["topic"], "topic")
    _texts(body["text"], "text")
    kind = body["recipients_select_type"]
    if kind == "FILTER":
        raise ValidationFailed.field("recipients_select_type", "FILTER is not supported by clipcrowd; use DIRECT")
    with db.write() as conn:
        if kind == "DIRECT":
            raw = body.get("recipients_ids") or []
            ids = [parse_id(r) for r in raw]
            if not ids or None in ids:
                raise ValidationFailed.field("recipients_ids", "a non-empty list of user ids for DIRECT")
            found = {r.id for r in conn.execute(select(workers.c.id).where(workers.c.id.in_(ids)))}
            missing = [r for r, i in zip(raw, ids, strict=True) if i not in found]
            if missing:
                raise ValidationFailed.field("recipients_ids", f"unknown user(s): {', '.join(missing[:5])}")
        else:
            ids = [r.id for r in conn.execute(select(workers.c.id).order_by(workers.c.id))]
        new_id = conn.execute(insert(message_threads).values(
            topic=dict(body["topic"]), text=dict(body["text"]), answerable=bool(body.get("answerable", True)),
            recipients_select_type=kind, recipient_ids=sorted(set(ids)), created=utcnow(),
        ).returning(message_threads.c.id)).scalar_one()
        return present(conn.execute(select(message_threads).where(message_threads.c.id == new_id)).one())


def get(db: Database, thread_id: int) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute(select(message_threads).where(message_threads.c.id == thread_id)).one_or_none()
    if row is None:
        raise NotFound(f"message thread {thread_id} does not exist")
    return present(row)
