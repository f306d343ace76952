"""Webhook subscriptions: a pool's events POSTed to a URL from the maintenance loop, with retries.

Delivery reads the event log after the subscription's cursor, so nothing is lost while a receiver
is down and a restart resumes where it stopped. ASSIGNMENT_CREATED is read from the assignments
themselves (an issue writes no event row: the hot path stays as it is), so its cursor is the last
assignment id delivered; DYNAMIC_OVERLAP_COMPLETED is the event a task of a pool with dynamic overlap
logs when it needs no more answers (`services.dynamic_overlap`), one per task, with its `task_id`.

A failed POST is retried after BASE_DELAY doubled per attempt (capped at MAX_DELAY); after
MAX_ATTEMPTS the batch is given up (the cursor moves past it and `last_error` says why), so one dead
receiver never holds the loop. The body may be signed: `X-Clipcrowd-Signature: sha256=<hex HMAC of
the body with the secret key>`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import delete, func, insert, select, update

from clipcrowd.client.transport import default_tls
from clipcrowd.domain.errors import NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id, parse_id
from clipcrowd.domain.timeutil import format_time, utcnow
from clipcrowd.store.db import Database
from clipcrowd.store.tables import assignments, events, pools, webhook_subscriptions

#: subscription event type -> the event log's kind
EVENT_KINDS = {"ASSIGNMENT_SUBMITTED": "SUBMITTED", "ASSIGNMENT_APPROVED": "ACCEPTED",
               "ASSIGNMENT_REJECTED": "REJECTED", "ASSIGNMENT_SKIPPED": "SKIPPED",
               "ASSIGNMENT_EXPIRED": "EXPIRED", "POOL_CLOSED": "POOL_CLOSED",
               "DYNAMIC_OVERLAP_COMPLETED": "OVERLAP_COMPLETED"}
#: subscription event types read from a table of their own instead of the event log
CREATED = "ASSIGNMENT_CREATED"
EVENT_TYPES = sorted({*EVENT_KINDS, CREATED})
MAX_ATTEMPTS = 5
BASE_DELAY = timedelta(seconds=1)
MAX_DELAY = timedelta(minutes=10)
BATCH = 100
TIMEOUT_SECONDS = 5.0

Post = Callable[[str, bytes, dict[str, str]], int]  # url, body, headers -> HTTP status


def _check(conn: Any, item: Mapping[str, Any]) -> dict[str, Any]:
    url = item["webhook_url"]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2000:
        raise ValidationFailed.field("webhook_url", "an http(s) URL of at most 2000 characters")
    if item["event_type"] not in EVENT_TYPES:
        raise ValidationFailed.field("event_type", f"one of {EVENT_TYPES}")
    pool_id = parse_id(item["pool_id"])
    if pool_id is None or conn.execute(select(pools.c.id).where(pools.c.id == pool_id)).first() is None:
        raise ValidationFailed.field("pool_id", f"pool {item['pool_id']!r} does not exist")
    return {"pool_id": pool_id, "event_type": item["event_type"], "webhook_url": url,
            "secret_key": item.get("secret_key")}


def present(row: Any) -> dict[str, Any]:
    body = {"id": format_id(row.id), "webhook_url": row.webhook_url, "event_type": row.event_type,
            "pool_id": format_id(row.pool_id), "secret_key": row.secret_key, "created": format_time(row.created),
            "delivered_count": row.delivered, "last_error": row.last_error}
    return {k: v for k, v in body.items() if v is not None}


def upsert(db: Database, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Create or update (same pool, event type and URL) each item; new ones see only future events."""
    made: dict[str, Any] = {}
    faults: dict[str, Any] = {}
    with db.write() as conn:
        last = conn.execute(select(func.max(events.c.id))).scalar() or 0
        last_issued = conn.execute(select(func.max(assignments.c.id))).scalar() or 0
        for i, item in enumerate(items):
            try:
                values = _check(conn, item)
            except ValidationFailed as exc:
                faults[str(i)] = exc.payload
                continue
            key = (webhook_subscriptions.c.pool_id == values["pool_id"],
                   webhook_subscriptions.c.event_type == values["event_type"],
                   webhook_subscriptions.c.webhook_url == values["webhook_url"])
            found = conn.execute(select(webhook_subscriptions.c.id).where(*key)).scalar()
            if found is None:
                cursor = last_issued if values["event_type"] == CREATED else last
                found = conn.execute(insert(webhook_subscriptions).values(
                    **values, cursor=cursor, attempts=0, delivered=0, created=utcnow(),
                ).returning(webhook_subscriptions.c.id)).scalar_one()
            else:
                conn.execute(update(webhook_subscriptions).where(webhook_subscriptions.c.id == found)
                             .values(secret_key=values["secret_key"]))
            made[str(i)] = present(conn.execute(
                select(webhook_subscriptions).where(webhook_subscriptions.c.id == found)).one())
    return {"items": made, "validation_errors": faults}


def get(db: Database, sub_id: int) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute(select(webhook_subscriptions).where(webhook_subscriptions.c.id == sub_id)).one_or_none()
    if row is None:
        raise NotFound(f"webhook subscription {sub_id} does not exist")
    return present(row)


def remove(db: Database, sub_id: int) -> None:
    with db.write() as conn:
        if conn.execute(delete(webhook_subscriptions).where(webhook_subscriptions.c.id == sub_id)).rowcount == 0:
            raise NotFound(f"webhook subscription {sub_id} does not exist")


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """One POST; a network failure counts as status 0 (retried like a 5xx)."""
    try:
        return httpx.post(url, content=body, headers=headers, timeout=TIMEOUT_SECONDS, verify=default_tls()).status_code
    except httpx.HTTPError:
        return 0


def _delay(attempts: int) -> timedelta:
    return min(BASE_DELAY * (2 ** (attempts - 1)), MAX_DELAY)


def _next_batch(conn: Any, sub: Any) -> list[tuple[int, dict[str, Any]]]:
    """The subscription's next events after its cursor: (the cursor they move it to, the event's body)."""
    if sub.event_type == CREATED:
        issued = conn.execute(select(assignments.c.id, assignments.c.pool_id, assignments.c.created).where(
            assignments.c.id > sub.cursor, assignments.c.pool_id == sub.pool_id,
        ).order_by(assignments.c.id).limit(BATCH)).all()
        return [(a.id, {"pool_id": format_id(a.pool_id), "event_time": format_time(a.created),
                        "assignment_id": format_id(a.id)}) for a in issued]
    logged = conn.execute(select(events).where(
        events.c.id > sub.cursor, events.c.pool_id == sub.pool_id,
        events.c.type == EVENT_KINDS[sub.event_type]).order_by(events.c.id).limit(BATCH)).all()
    return [(e.id, {"pool_id": format_id(e.pool_id), "event_time": format_time(e.created),
                    **({"assignment_id": format_id(e.assignment_id)} if e.assignment_id is not None else {}),
                    **({"task_id": e.data["task_id"]} if isinstance(e.data, dict) and "task_id" in e.data else {})})
            for e in logged]


def deliver_due(db: Database, now: datetime | None = None, post: Post = http_post) -> int:
    """POST every due subscription's next batch of events; the number of events delivered."""
    now = now or utcnow()
    sent = 0
    with db.read() as conn:
        due = conn.execute(select(webhook_subscriptions).where(
            (webhook_subscriptions.c.next_attempt.is_(None)) | (webhook_subscriptions.c.next_attempt <= now))).all()
    for sub in due:
        with db.read() as conn:
            batch = _next_batch(conn, sub)
        if not batch:
            continue
        body = json.dumps({"events": [{"event_type": sub.event_type, **item} for _, item in batch]}).encode()
        headers = {"Content-Type": "application/json"}
        if sub.secret_key:
            digest = hmac.new(sub.secret_key.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Clipcrowd-Signature"] = f"sha256={digest}"
        status = post(sub.webhook_url, body, headers)
        attempts = sub.attempts + 1
        if 200 <= status < 300:
            values: dict[str, Any] = {"cursor": batch[-1][0], "attempts": 0, "next_attempt": None,
                                      "delivered": sub.delivered + len(batch), "last_error": None}
            sent += len(batch)
        elif attempts >= MAX_ATTEMPTS:
            values = {"cursor": batch[-1][0], "attempts": 0, "next_attempt": None,
                      "last_error": f"gave up on {len(batch)} event(s) after {attempts} attempts "
                                    f"(last status {status})"}
        else:
            values = {"attempts": attempts, "next_attempt": now + _delay(attempts),
                      "last_error": f"attempt {attempts} failed with status {status}"}
        with db.write() as conn:
            conn.execute(update(webhook_subscriptions).where(webhook_subscriptions.c.id == sub.id).values(**values))
    return sent
