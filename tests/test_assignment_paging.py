"""Paging all of a pool's assignments with the `id_gt` cursor (what toloka-kit does): every assignment
once, in id order, across page boundaries, also when assignments are added while paging; and each
item is exactly what the per-row presentation (`present.assignments`) makes of it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from clipcrowd.domain.ids import format_id
from clipcrowd.services import bulk_fill, present, review
from clipcrowd.store.db import Database
from clipcrowd.store.tables import assignments
from tests.apiclient import Api
from tests.factories import pool_body, text_project


def _page(api: Api, pool_id: str, last: str | None, limit: int) -> dict[str, Any]:
    params: dict[str, Any] = {"pool_id": pool_id, "sort": "id", "limit": limit}
    if last is not None:
        params["id_gt"] = last
    body: dict[str, Any] = api.ok("GET", "/api/v1/assignments", params=params)
    return body


def test_paging_sees_every_assignment_once_also_those_added_meanwhile(db: Database, api: Api) -> None:
    pool = {k: v for k, v in pool_body("0", auto_accept_solutions=False).items() if k != "project_id"}
    filled = bulk_fill.fill(db, text_project(), pool, count=70, overlap=3, suite=2, status="SUBMITTED")
    with db.read() as conn:
        ids = [i for (i,) in conn.execute(select(assignments.c.id).order_by(assignments.c.id))]
    review.set_status(db, ids[0], {"status": "REJECTED", "public_comment": 'not "a" <b>\u00e9'})
    review.set_status(db, ids[1], {"status": "ACCEPTED"})

    seen: list[dict[str, Any]] = []
    last, pages, added = None, 0, False
    while True:
        body = _page(api, filled.pool_id, last, 40)
        seen += body["items"]
        pages += 1
        if pages == 2 and not added:  # a second crowd answers every task: 105 more assignments, higher ids
            bulk_fill.answer(db, int(filled.pool_id), overlap=3, suite=2, crowd=4, status="SUBMITTED")
            added = True
        if not body["has_more"]:
            break
        last = body["items"][-1]["id"]
    assert added and pages > 3

    with db.read() as conn:
        rows = conn.execute(select(assignments).where(assignments.c.pool_id == int(filled.pool_id))
                            .order_by(assignments.c.id)).all()
        expected = json.loads(json.dumps(present.assignments(conn, rows)))
    assert len(rows) == 2 * 105
    assert [item["id"] for item in seen] == [format_id(r.id) for r in rows]  # once each, in order, none lost
    assert seen == expected
    assert seen[0]["public_comment"] == 'not "a" <b>\u00e9' and seen[0]["status"] == "REJECTED"
    assert "solutions" in seen[0] and seen[0]["tasks"][0]["input_values"]


def test_a_page_ends_exactly_at_the_last_assignment(db: Database, api: Api) -> None:
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, text_project(), pool, count=20, overlap=2, suite=1)
    first = _page(api, filled.pool_id, None, 40)
    assert len(first["items"]) == 40 and first["has_more"] is False
    second = _page(api, filled.pool_id, first["items"][19]["id"], 20)
    assert [i["id"] for i in second["items"]] == [i["id"] for i in first["items"][20:]]
    assert second["has_more"] is False
    assert _page(api, filled.pool_id, first["items"][-1]["id"], 20) == {"items": [], "has_more": False}
