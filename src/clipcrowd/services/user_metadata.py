"""A worker as the requester dialect's user metadata: country, languages and device facts.

Only what clipcrowd knows about a worker is sent; attributes it never learns (phone region,
user agent) are left out rather than invented.
"""

from __future__ import annotations

from typing import Any

from clipcrowd.domain.ids import format_id
from clipcrowd.services import workers
from clipcrowd.store.db import Database


def get(db: Database, worker_id: int) -> dict[str, Any]:
    with db.read() as conn:
        row = workers.load(conn, worker_id)
    profile = row.profile or {}
    body: dict[str, Any] = {"id": format_id(row.id), "languages": list(row.languages or []),
                            "attributes": {"client_type": row.client_type}}
    if isinstance(profile.get("country"), str):
        body["country"] = profile["country"]
    return body
