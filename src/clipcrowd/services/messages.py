"""Message threads a requester composes: to named workers (DIRECT), to every worker (ALL) or to
the workers a pool filter admits (FILTER, frozen when the thread is sent).

The requester may reply in a thread and file it in the IMPORTANT and UNREAD folders; every thread
is in OUTBOX (she sent it). Replies from workers are not kept, so no thread reaches INBOX;
`answerable` is recorded as sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, insert, not_, select, update

from clipcrowd.domain.errors import NotFound, ValidationFailed
from clipcrowd.domain.filters import matches, skill_ids, validate_filter
from clipcrowd.domain.ids import format_id, parse_id
from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.services.workers import facts
from clipcrowd.store.db import Database
from clipcrowd.store.tables import message_threads, workers

MAX_TEXT = 10000
MAX_REPLIES = 1000
#: folders of the requester dialect; OUTBOX holds every thread (she sent it), INBOX and
#: AUTOMATIC_NOTIFICATION none (workers' replies and the platform's notices are not kept)
FOLDERS = ("INBOX", "OUTBOX", "AUTOMATIC_NOTIFICATION", "IMPORTANT", "UNREAD")
#: the folders a requester files a thread in and takes it out of
USER_FOLDERS = ("IMPORTANT", "UNREAD")
#: earlier clipcrowd named OUTBOX so; searches still take it
ALIASES = {"OUTGOING": "OUTBOX"}


def _texts(value: Mapping[str, str], name: str) -> None:
    if not value or any(not v.strip() or len(v) > MAX_TEXT for v in value.values()):
        raise ValidationFailed.field(name, f"one or more languages, each with 1 to {MAX_TEXT} characters")


def _folders(row: Any) -> list[str]:
    return [f for f in row.folders.split(",") if f]


def present(row: Any) -> dict[str, Any]:
    sender = {"id": "requester", "role": "REQUESTER", "myself": True}
    recipients = [{"id": format_id(r), "role": "USER", "myself": False} for r in row.recipient_ids]
    created = format_time(row.created)
    replies = [{"text": r["text"], "from": sender, "created": r["created"]} for r in row.replies or []]
    return {
        "id": format_id(row.id), "topic": row.topic, "answerable": row.answerable, "created": created,
        "folders": _folders(row), "interlocutors_inlined": True, "interlocutors": [sender, *recipients],
        "messages_inlined": True, "messages": [{"text": row.text, "from": sender, "created": created}, *replies],
        "compose_details": {"recipients_select_type": row.recipients_select_type,
                            "recipients_ids": [format_id(r) for r in row.recipient_ids]},
    }


def compose(db: Database, body: Mapping[str, Any]) -> dict[str, Any]:
    """`body` is a checked MessageThreadCompose; recipients must be existing workers."""
    _texts(body["topic"], "topic")
    _texts(body["text"], "text")
    kind = body["recipients_select_type"]
    ids: list[int]
    with db.write() as conn:
        if kind == "DIRECT":
            raw = body.get("recipients_ids") or []
            parsed = [parse_id(r) for r in raw]
            ids = [i for i in parsed if i is not None]
            if not ids or len(ids) != len(parsed):
                raise ValidationFailed.field("recipients_ids", "a non-empty list of user ids for DIRECT")
            found = {r.id for r in conn.execute(select(workers.c.id).where(workers.c.id.in_(ids)))}
            missing = [r for r, i in zip(raw, ids, strict=True) if i not in found]
            if missing:
                raise ValidationFailed.field("recipients_ids", f"unknown user(s): {', '.join(missing[:5])}")
        elif kind == "FILTER":
            ids = _admitted(conn, body.get("recipients_filter"))
        else:
            ids = [r.id for r in conn.execute(select(workers.c.id).order_by(workers.c.id))]
        new_id = conn.execute(insert(message_threads).values(
            topic=dict(body["topic"]), text=dict(body["text"]), answerable=bool(body.get("answerable", True)),
            recipients_select_type=kind, recipient_ids=sorted(set(ids)), created=utcnow(),
        ).returning(message_threads.c.id)).scalar_one()
        return present(conn.execute(select(message_threads).where(message_threads.c.id == new_id)).one())


def _admitted(conn: Connection, tree: Any) -> list[int]:
    """The workers a pool filter admits now (the audience does not grow with later sign-ups)."""
    if not tree:
        raise ValidationFailed.field("recipients_filter", "a pool filter is required for FILTER")
    validate_filter(tree, "recipients_filter")
    with_skills = bool(skill_ids(tree))
    rows = conn.execute(select(workers).order_by(workers.c.id)).all()
    return [row.id for row in rows if matches(tree, facts(conn, row, with_skills=with_skills))]


def _load(conn: Connection, thread_id: int) -> Any:
    row = conn.execute(select(message_threads).where(message_threads.c.id == thread_id)).one_or_none()
    if row is None:
        raise NotFound(f"message thread {thread_id} does not exist")
    return row


def get(db: Database, thread_id: int) -> dict[str, Any]:
    with db.read() as conn:
        return present(_load(conn, thread_id))


def reply(db: Database, thread_id: int, text: Mapping[str, str]) -> dict[str, Any]:
    """Add the requester's message `text` (language -> text) to the thread."""
    _texts(text, "text")
    with db.write() as conn:
        row = _load(conn, thread_id)
        replies = list(row.replies or [])
        if len(replies) >= MAX_REPLIES:
            raise ValidationFailed.field("text", f"a thread holds at most {MAX_REPLIES} replies")
        replies.append({"text": dict(text), "created": format_time(utcnow())})
        conn.execute(update(message_threads).where(message_threads.c.id == thread_id).values(replies=replies))
        return present(_load(conn, thread_id))


def file(db: Database, thread_id: int, folders: list[str], *, add: bool) -> dict[str, Any]:
    """Put the thread in `folders` (or take it out); only IMPORTANT and UNREAD are the requester's to change."""
    bad = [f for f in folders if f not in USER_FOLDERS]
    if bad or not folders:
        raise ValidationFailed.field("folders", f"a non-empty list of {list(USER_FOLDERS)}; "
                                                f"{bad[0] if bad else 'none'} cannot be changed")
    with db.write() as conn:
        have = set(_folders(_load(conn, thread_id)))
        now = have | set(folders) if add else have - set(folders)
        conn.execute(update(message_threads).where(message_threads.c.id == thread_id).values(
            folders="," + ",".join(f for f in FOLDERS if f in now) + ","))
        return present(_load(conn, thread_id))


def folder_conditions(wanted: list[str], unwanted: list[str]) -> list[ColumnElement[bool]]:
    """Threads in every folder of `wanted` and in none of `unwanted` (a search's folder, folder_ne)."""
    conditions: list[ColumnElement[bool]] = []
    for names, keep in ((wanted, True), (unwanted, False)):
        for name in names:
            name = ALIASES.get(name, name)
            if name not in FOLDERS:
                raise ValidationFailed.field("folder", f"unknown folder {name!r}; one of {list(FOLDERS)}")
            inside = message_threads.c.folders.like(f"%,{name},%")
            conditions.append(inside if keep else not_(inside))
    return conditions
