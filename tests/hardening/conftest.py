"""One live server per database for a whole module (fast), with small limits, and a populated world.

The world: a text project with a free-text answer, an open pool with tasks, worker `ann` holding an
active assignment (password `password123`, unless made without), worker `bob` with none, and the reads
every bad request must leave working.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from clipcrowd.store.tables import assignments, pools, projects, skills, tasks, workers
from tests.factories import pool_body, text_project
from tests.support import CLIENT_TLS, Live, fresh_postgres, fresh_sqlite, live_server, postgres_reachable

LIMITS = {"max_json_bytes": 200_000, "max_text_chars": 5_000, "max_upload_bytes": 400_000, "sign_in_attempts": 5}
PASSWORD = "password123"
COUNTED = (projects, pools, workers, skills, tasks, assignments)  # the kinds of objects a bad request might touch


def free_text_project(**overrides: Any) -> dict[str, Any]:
    body = text_project(**overrides)
    body["task_spec"]["output_spec"]["comment"] = {"type": "string", "required": False}
    return body


@dataclass
class World:
    live: Live
    http: httpx.Client
    project_id: str
    pool_id: str
    assignment_id: str
    ann: dict[str, str]
    bob: dict[str, str]
    ann_cookie: str
    reads: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    @property
    def requester(self) -> dict[str, str]:
        return self.live.headers

    def stored(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of each kind of object, in key order, read in one transaction, not through the API
        (the lists are among `reads`): a refused request must add, change and remove none of them."""
        with self.live.db.read() as conn:
            return {table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key))]
                    for table in COUNTED}

    def assert_reads_work(self) -> None:
        for path, headers in self.reads:
            got = self.http.get(path, headers=headers)
            assert got.status_code == 200, (path, got.status_code, got.text[:300])


@contextmanager
def hardened_server(kind: str, home: Path) -> Iterator[Live]:
    """The app with the small `LIMITS` over a fresh database of `kind` (PostgreSQL must answer)."""
    db = fresh_postgres() if kind == "postgres" else fresh_sqlite(home)
    try:
        with live_server(db, home, **LIMITS) as live:
            yield live
    finally:
        db.dispose()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    if request.param == "postgres":
        reason = postgres_reachable()
        if reason:
            pytest.skip(reason)
    with hardened_server(request.param, tmp_path_factory.mktemp(f"harden-{request.param}")) as live:
        yield live


def make_world(live: Live, http: httpx.Client, tag: str = "", *, passwords: bool = True, **pool_fields: Any) -> World:
    """A new project, open pool and two workers (`ann<tag>` holding a suite, `bob<tag>` not).

    `passwords=False`: the two sign in by token only. A password is hashed with scrypt, ~40 ms of the
    server's CPU each, which a world made for every test need not pay when none of them signs in by it."""
    req = live.headers
    project = http.post("/api/v1/projects", json=free_text_project(), headers=req).json()
    pool = http.post("/api/v1/pools", json=pool_body(project["id"], **pool_fields), headers=req).json()
    items = [{"pool_id": pool["id"], "input_values": {"text": f"t{i}"}} for i in range(6)]
    assert http.post("/api/v1/tasks", json=items, params={"allow_defaults": "true"}, headers=req).status_code == 201
    assert http.post(f"/api/v1/pools/{pool['id']}/open", headers=req).status_code == 202
    people = {}
    for login in ("ann", "bob"):
        body = {"login": login + tag, **({"password": PASSWORD} if passwords else {})}
        made = http.post("/api/v1/workers", json=body, headers=req).json()
        people[login] = {"Authorization": f"Bearer {made['token']}"}
    suite = http.post(f"/api/v1/worker/pools/{pool['id']}/next", headers=people["ann"]).json()
    world = World(live, http, project["id"], pool["id"], suite["id"], people["ann"], people["bob"],
                  ann_cookie=people["ann"]["Authorization"].split()[1])
    desk = cookie(live.token)
    ann_page = cookie(world.ann_cookie)
    world.reads = [
        ("/api/v1/projects", req), (f"/api/v1/projects/{project['id']}", req),
        ("/api/v1/pools", req), (f"/api/v1/pools/{pool['id']}", req), ("/api/v1/skills", req),
        (f"/api/v1/tasks?pool_id={pool['id']}", req), (f"/api/v1/assignments?pool_id={pool['id']}", req),
        (f"/api/v1/assignments/{suite['id']}", req), ("/api/v1/workers", req),
        (f"/api/v1/worker/assignments/{suite['id']}", people["ann"]), ("/api/v1/worker/pools", people["ann"]),
        ("/api/v1/worker/me", people["bob"]),
        ("/desk", desk), (f"/desk/pools/{pool['id']}", desk),
        (f"/desk/pools/{pool['id']}/results.csv", desk), (f"/desk/pools/{pool['id']}/results.json", desk),
        ("/w", ann_page), (f"/w/assignments/{suite['id']}", ann_page),
    ]
    return world


@pytest.fixture(scope="module")
def world(server: Live) -> Iterator[World]:
    with httpx.Client(base_url=server.url, timeout=60, verify=CLIENT_TLS) as http:
        yield make_world(server, http)


def cookie(token: str) -> dict[str, str]:
    """The pages' session cookie as a header (httpx frowns on per-request cookies)."""
    return {"Cookie": f"clipcrowd_token={token}"}


def raw_json(text: str) -> dict[str, Any]:
    """Request arguments for a JSON body given as text (NaN, 1e400 and friends need it verbatim)."""
    return {"content": text.encode("utf-8", "surrogatepass"), "headers": {"Content-Type": "application/json"}}


def as_json(value: Any) -> dict[str, Any]:
    return raw_json(json.dumps(value))
