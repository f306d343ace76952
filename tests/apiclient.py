"""An in-process client for the ASGI app, for API tests that need no real port."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clipcrowd.server import create_app
from clipcrowd.services import auth
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database
from tests.factories import pool_body, text_project


class Api:
    def __init__(self, client: TestClient, token: str):
        self.client = client
        self.headers = {"Authorization": f"OAuth {token}"}

    def call(self, method: str, path: str, expect: int | None = None, **kwargs: Any) -> Any:
        response = self.client.request(method, path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)
        if expect is not None:
            assert response.status_code == expect, response.text
        return response

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None


@contextmanager
def in_process(db: Database, home: Path, **overrides: Any) -> Iterator[Api]:
    """The app without its background ticks (one at start-up, then none for a day): expiry, auto-accept
    and pool closing happen when the test calls `maintenance.tick`, never in the middle of its checks."""
    token = auth.create_token(db, "requester", requester_id=auth.ensure_requester(db))
    settings = Settings(home=home, database_url=db.url, maintenance_interval_seconds=86400,
                        **overrides)
    with TestClient(create_app(settings, db)) as client:
        yield Api(client, token)


@pytest.fixture
def api(db: Database, tmp_path: Path) -> Iterator[Api]:
    with in_process(db, tmp_path) as made:
        yield made


def make_pool(api: Api, **overrides: Any) -> dict[str, Any]:
    project = api.ok("POST", "/api/v1/projects", json=text_project())
    return api.ok("POST", "/api/v1/pools", json=pool_body(project["id"], **overrides))


def add_tasks(api: Api, pool_id: str, count: int, **fields: Any) -> list[dict[str, Any]]:
    items = [{"pool_id": pool_id, "input_values": {"text": f"t{i}"}, **fields} for i in range(count)]
    result = api.ok("POST", "/api/v1/tasks", json=items, params={"allow_defaults": "true"})
    return [result["items"][str(i)] for i in range(count)]


def worker(api: Api, login: str, **fields: Any) -> dict[str, Any]:
    made = api.ok("POST", "/api/v1/workers", json={"login": login, **fields})
    made["headers"] = {"Authorization": f"Bearer {made['token']}"}
    return made


def expect_error(response: Any, status: int, code: str, *names: str) -> dict[str, Any]:
    """The error body, after checking its status, its code and that the message names each of `names`."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    for name in names:
        assert name in body["message"], body["message"]
    return body
