"""Paging all of a pool's assignments with the `id_gt` cursor (what toloka-kit does): every assignment
once, in id order, across page boundaries, also when assignments are added while paging; each item,
put together from plain columns (`services.assignment_json`), is exactly what the per-row
presentation (`present.assignments`) makes of it, key order and number types included, and what
Python writes of it is the text the database wrote before, byte for byte; a page larger than a
chunk is streamed whole."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from pydantic_core import to_json
from sqlalchemy import Text, select, update

from clipcrowd.domain.ids import format_id
from clipcrowd.services import assignment_json, bulk_fill, json_pages, present, review
from clipcrowd.store.db import Database
from clipcrowd.store.tables import assignments, tasks
from clipcrowd.store.wire_text import id_text, iso_millis
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


# Values a client may have stored, which the page must hand back as the same JSON values: strings
# with quotes, markup, the control characters text may hold (`domain.text` refuses the others, NUL
# among them) and other scripts; integers beyond 64 bits; floats that
# are whole, tiny, huge or need 17 digits; nested keys named like the ones the page sets.
HOSTILE_TEXT = 'say "hi" </script><b>\\ \u00e9\u4e2d\U0001f600 \t\r\n\u2028\x7f'
HOSTILE_VALUES = {"text": HOSTILE_TEXT, "big": 2 ** 70, "neg": -(2 ** 63), "whole": 2.0, "tiny": 1e-7,
                  "huge": 1e16, "odd": 0.1 + 0.2, "zero": -0.0, "none": None, "yes": True,
                  "list": [1, 1.5, "x", None, {"id": "nested", "created": 1}], "id": "not the task's id"}


def _canonical(items: Any) -> str:
    """JSON text in which key order, and int against float (2 against 2.0), tell values apart."""
    return json.dumps(items)


def _page_body(api: Api, params: dict[str, Any]) -> dict[str, Any]:
    response = api.call("GET", "/api/v1/assignments", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = json.loads(response.content)
    return body


def _hostile_pool(db: Database) -> tuple[str, list[int]]:
    """A pool whose assignments and tasks hold every status and every shape the page writes: a
    suite of three tasks, golden and infinite-overlap tasks, a task whose overlap changed after
    it was written, hostile inputs, answers and comments, and rewards of every kind of float."""
    pool = {k: v for k, v in pool_body("0", auto_accept_solutions=False).items() if k != "project_id"}
    filled = bulk_fill.fill(db, text_project(), pool, count=12, overlap=2, suite=1, status="SUBMITTED")
    pool_id = int(filled.pool_id)
    with db.write() as conn:
        ids = [i for (i,) in conn.execute(select(assignments.c.id).where(assignments.c.pool_id == pool_id)
                                          .order_by(assignments.c.id))]
        task_ids = [i for (i,) in conn.execute(select(tasks.c.id).where(tasks.c.pool_id == pool_id)
                                               .order_by(tasks.c.id))]
        data = {"pool_id": filled.pool_id, "input_values": HOSTILE_VALUES, "overlap": 2, "infinite_overlap": False}
        conn.execute(update(tasks).where(tasks.c.id == task_ids[0]).values(data=data))
        golden = {**data, "input_values": {"text": "gold"}, "known_solutions": [{"output_values": {"result": "a"},
                                                                                 "correctness_weight": 1}],
                  "message_on_unknown_solution": HOSTILE_TEXT}
        conn.execute(update(tasks).where(tasks.c.id == task_ids[1]).values(golden=True, data=golden))
        conn.execute(update(tasks).where(tasks.c.id == task_ids[2]).values(
            infinite_overlap=True, overlap=None, data={**data, "overlap": None, "infinite_overlap": True}))
        conn.execute(update(tasks).where(tasks.c.id == task_ids[3]).values(overlap=5))  # data still says 2
        conn.execute(update(tasks).where(tasks.c.id == task_ids[4]).values(  # keys left out, one set by the page
            data={"created": "kept in place", "input_values": {"text": "short"}}))
        conn.execute(update(tasks).where(tasks.c.id == task_ids[5]).values(overlap=None))  # not infinite, no overlap
        answers = [{"result": "a", "extra": HOSTILE_VALUES}, {"result": 2 ** 70}, {"result": 1e16}]
        when = datetime(2026, 1, 31, 12, 0, 0, 123456)
        changes: list[dict[str, Any]] = [
            {"status": "ACTIVE", "submitted": None, "solutions": None, "reward": 0.30000000000000004},
            {"status": "SKIPPED", "submitted": None, "solutions": None, "skipped": when, "reward": 1e16},
            {"status": "EXPIRED", "submitted": None, "solutions": None, "expired": when, "reward": 2.0},
            {"status": "REJECTED", "rejected": when, "public_comment": HOSTILE_TEXT, "reward": 123456.789},
            {"status": "ACCEPTED", "accepted": when, "public_comment": "", "reward": 1e-7},
            {"task_ids": task_ids[:3], "solutions": answers, "reward": 0.01},
            {"task_ids": [task_ids[4], task_ids[3], task_ids[4]], "solutions": [], "reward": 5e-324},
            {"solutions": [None, "plain", 1.5, [1]]},
        ]
        for assignment_id, change in zip(ids, changes, strict=False):
            conn.execute(update(assignments).where(assignments.c.id == assignment_id).values(**change))
    return filled.pool_id, ids


def _expected(db: Database, pool_id: str) -> list[dict[str, Any]]:
    with db.read() as conn:
        rows = conn.execute(select(assignments).where(assignments.c.pool_id == int(pool_id))
                            .order_by(assignments.c.id)).all()
        items: list[dict[str, Any]] = json.loads(to_json(present.assignments(conn, rows)))
        return items


def test_each_item_is_the_presented_assignment_value_for_value(db: Database, api: Api) -> None:
    pool_id, _ = _hostile_pool(db)
    expected = _expected(db, pool_id)
    body = _page_body(api, {"pool_id": pool_id, "limit": 100})
    assert body["has_more"] is False
    assert _canonical(body["items"]) == _canonical(expected)
    assert {item["status"] for item in body["items"]} == {"ACTIVE", "SUBMITTED", "ACCEPTED", "REJECTED", "SKIPPED",
                                                         "EXPIRED"}
    first = body["items"][0]["tasks"][0]
    assert first["input_values"] == HOSTILE_VALUES and type(first["input_values"]["whole"]) is float
    assert first["input_values"]["big"] == 2 ** 70
    assert body["items"][0]["reward"] == 0.30000000000000004
    assert [len(item["tasks"]) for item in body["items"][5:7]] == [3, 3]
    assert "overlap" not in body["items"][5]["tasks"][2] and body["items"][5]["tasks"][2]["infinite_overlap"]
    assert body["items"][6]["tasks"][1]["overlap"] == 5 and body["items"][6]["solutions"] == []
    # filters and sorts read the same items
    by_id = {item["id"]: item for item in expected}
    for params in ({"status": "REJECTED,ACCEPTED"}, {"sort": "-id", "limit": 5},
                   {"task_id": body["items"][5]["tasks"][1]["id"]}, {"user_id": body["items"][3]["user_id"]}):
        got = _page_body(api, {"pool_id": pool_id, **params})["items"]
        assert got and _canonical(got) == _canonical([by_id[item["id"]] for item in got]), params


def test_a_page_larger_than_a_chunk_is_streamed_whole(db: Database, api: Api,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pool_id, ids = _hostile_pool(db)
    expected = _expected(db, pool_id)
    monkeypatch.setattr(json_pages, "CHUNK", 5)
    for limit, last in ((len(ids), None), (len(ids) - 1, None), (7, None), (7, format_id(ids[1]))):
        params: dict[str, Any] = {"pool_id": pool_id, "limit": limit}
        if last:
            params["id_gt"] = last
        response = api.call("GET", "/api/v1/assignments", params=params)
        assert response.status_code == 200 and "content-length" not in response.headers  # sent in pieces
        body = json.loads(response.content)
        start = 0 if last is None else 2
        assert _canonical(body["items"]) == _canonical(expected[start:start + limit])
        assert body["has_more"] is (start + limit < len(ids))


def test_a_page_read_whole_is_byte_for_byte_the_page_read_row_by_row(db: Database, api: Api,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A page of at most a chunk (on SQLite one statement whose items the database joins, on
    PostgreSQL its rows joined in Python: `json_pages`) and the same page streamed row by row are
    the same bytes."""
    pool_id, ids = _hostile_pool(db)
    queries: list[dict[str, Any]] = [
        {"limit": len(ids)}, {"limit": len(ids) - 1}, {"limit": 7}, {"limit": 7, "id_gt": format_id(ids[1])},
        {"sort": "-id", "limit": 5}, {"sort": "-created,id", "limit": 4}, {"status": "SUBMITTED", "limit": 2},
        {"limit": 3, "id_gt": format_id(ids[-1])}, {"limit": 2, "id_gt": format_id(ids[-3])},
        {"limit": 2, "id_gt": format_id(ids[-2])}]

    def bodies() -> list[bytes]:
        read = [api.call("GET", "/api/v1/assignments", params={"pool_id": pool_id, **q}) for q in queries]
        assert all(r.status_code == 200 for r in read)
        return [r.content for r in read]

    whole = bodies()
    monkeypatch.setattr(json_pages, "CHUNK", 1)  # every page of these queries is now streamed
    assert bodies() == whole
    pages = [json.loads(body) for body in whole]
    assert [p["has_more"] for p in pages[:2]] == [False, True] and pages[-3:] == [
        {"items": [], "has_more": False}, {"items": pages[0]["items"][-2:], "has_more": False},
        {"items": pages[0]["items"][-1:], "has_more": False}]
    assert [i["id"] for i in pages[4]["items"]] == [format_id(i) for i in reversed(ids[-5:])]


def test_a_wrong_query_is_refused_before_anything_is_read(db: Database, api: Api,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    hostile: list[dict[str, Any]] = [
        {"limit": 0}, {"limit": "ten"}, {"limit": "-5"}, {"limit": "1e3"}, {"limit": "9" * 40},
        {"limit": "\uff15"}, {"sort": "reward"}, {"sort": "id;drop"}, {"status": "DONE"}, {"id_gt": "x"},
        {"id_gt": "-1"}, {"id_gt": "9" * 19}, {"id_gt": "1 OR 1=1"}, {"id_gt": "\uff11\uff12"},
        {"id_lte": "0x10"}, {"created_gt": "yesterday"}, {"created_lt": "2026-13-45T00:00:00"}]
    for chunk in (5, json_pages.CHUNK):  # a page streamed, and a page read whole
        monkeypatch.setattr(json_pages, "CHUNK", chunk)
        for params in hostile:
            response = api.call("GET", "/api/v1/assignments", params={"limit": 50, **params})
            assert response.status_code == 400, (chunk, params, response.text)


def test_what_python_writes_is_the_text_the_database_wrote(db: Database) -> None:
    """Ids, times, rewards and single answers are written by Python now; each is compared with the
    text the database writes of the same column (`store.wire_text`, `assignment_json`'s SQL), which
    is what the items were made of before: times of every fraction PostgreSQL shortens (none, one
    digit, trailing zeros), rewards 0.0 and -0.0 (one key of a dict otherwise), single answers with
    hostile strings and numbers, and the answers Python leaves to the database."""
    pool_id, ids = _hostile_pool(db)
    fractions = [0, 500000, 120000, 1000, 999999, 123456, 100]
    with db.write() as conn:
        for n, assignment_id in enumerate(ids):
            when = datetime(2026, 1, 31, 12, 0, n % 60, fractions[n % len(fractions)])
            conn.execute(update(assignments).where(assignments.c.id == assignment_id).values(
                created=when, submitted=when if n % 2 else None, reward=[0.0, -0.0, 1e15, 1e-05][n % 4]
                if n >= 8 else assignments.c.reward))
        single = [{"result": "a", "extra": {k: v for k, v in HOSTILE_VALUES.items() if k != "big"}}]
        conn.execute(update(assignments).where(assignments.c.id == ids[9]).values(solutions=single))
        conn.execute(update(assignments).where(assignments.c.id == ids[10]).values(solutions={"not": "a list"}))
    a = assignments.c
    with db.read() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(json_pages._SESSION)  # the page's own settings: ISO date-times, floats
        where = a.pool_id == int(pool_id)
        rows = conn.execute(select(*assignment_json.COLUMNS).where(where).order_by(a.id)).all()
        written = dict(zip([row[0] for row in rows], assignment_json.items(conn, rows), strict=True))
        python = assignment_json._solutions(conn, rows, conn.dialect.name == "sqlite")
        parts = [id_text(a.id), id_text(a.pool_id), id_text(a.worker_id), assignment_json.reward_text(a.reward),
                 *(iso_millis(a[name]) for name in ("created", "submitted", "accepted", "rejected", "skipped",
                                                    "expired")), assignment_json.solutions_json()]
        database = conn.execute(select(a.id, *parts).where(where).order_by(a.id)).all()
    assert len(database) == len(ids) > 10
    for number, item_id, pool, worker, reward, *times, answers in database:
        item = written[number]
        assert item.startswith(f'{{"id":"{item_id}","task_suite_id":"{item_id}","pool_id":"{pool}",'
                               f'"user_id":"{worker}",'), item
        assert f'"reward":{reward},' in item
        for name, text in zip(("created", "submitted", "accepted", "rejected", "skipped", "expired"), times,
                              strict=True):
            assert (f',"{name}":"{text}"' in item) is (text is not None), (name, text, item)
        assert item.endswith(answers + "}") and python[number] == answers
    texts = [written[i] for i in ids]
    assert ('"reward":-0.0,' in texts[9]) is (db.engine.dialect.name == "postgresql")
    assert '"created":"2026-01-31T12:00:07.000"' in texts[7] and '"created":"2026-01-31T12:00:08.500"' in texts[8]
    assert json.loads(texts[9])["solutions"] == [{"output_values": single[0]}] and "solutions" not in texts[10]


def test_a_task_object_python_appends_to_is_the_databases_text(db: Database) -> None:
    """On PostgreSQL a task's object is its stored text with `id` and `created` appended by Python
    when the text is as the task service writes it, and `task_json` otherwise: each is compared with
    `task_json`'s text of the same task, byte for byte (on SQLite `task_json` writes them all)."""
    pool_id, _ = _hostile_pool(db)
    with db.write() as conn:
        task_ids = [i for (i,) in conn.execute(select(tasks.c.id).where(tasks.c.pool_id == int(pool_id))
                                               .order_by(tasks.c.id))]
        usual = {"pool_id": pool_id, "input_values": {"text": HOSTILE_TEXT, "n": 1e16, "odd": 0.1 + 0.2},
                 "overlap": 2, "infinite_overlap": False}
        nested = {**usual, "input_values": {"overlap": 2, "infinite_overlap": False}}
        for task_id, data in zip(task_ids[6:], [usual, nested, {**usual, "pool_id": format_id(999)},
                                                {**usual, "overlap": 3}, {"infinite_overlap": False, **usual}],
                                 strict=False):
            conn.execute(update(tasks).where(tasks.c.id == task_id).values(data=data))
    with db.read() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(json_pages._SESSION)
        rows = [(None,) * 5 + (f"[{task_id}]",) for task_id in task_ids]
        objects, suites = assignment_json._tasks(conn, rows)
        database = dict(conn.execute(select(tasks.c.id, assignment_json.task_json())
                                     .where(tasks.c.pool_id == int(pool_id))).all())
        appended = [row[0] for row in conn.execute(
            select(tasks.c.id, tasks.c.data.cast(Text), tasks.c.pool_id, tasks.c.overlap, tasks.c.infinite_overlap)
            .where(tasks.c.pool_id == int(pool_id)).order_by(tasks.c.id)).all()  # updated rows move on PostgreSQL
            if assignment_json._as_written(*row[1:])]
    assert suites == task_ids and objects == database and len(database) == 12
    assert appended == [task_ids[6], task_ids[11]]  # `usual`, and the one bulk-filled task left as written
    assert json.loads(objects[task_ids[6]])["input_values"]["text"] == HOSTILE_TEXT
