"""Sign-in guessing (class 10) and database limits (class 11): throttles, equal work, connection
budget, and a 503 with Retry-After when no connection is free."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from clipcrowd.cli import app as cli
from clipcrowd.server import create_app
from clipcrowd.services import auth, workers
from clipcrowd.services.sign_in_limits import SignInLimits
from clipcrowd.settings import Settings
from clipcrowd.store.db import ConnectionBudgetExceeded, Database
from tests.apiclient import Api


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _sign_in(api: Api, login: str, password: str) -> Any:
    return api.client.post("/w/sign-in", data={"login": login, "password": password},
                           headers={"Origin": "http://testserver"}, follow_redirects=False)


def test_10_sign_in_is_throttled_per_login_and_per_address(api: Api) -> None:
    clock = Clock()
    api.client.app.state.sign_in_limits = SignInLimits(3, 60.0, clock=clock)  # type: ignore[attr-defined]
    api.ok("POST", "/api/v1/workers", json={"login": "ann", "password": "password123"})
    api.ok("POST", "/api/v1/workers", json={"login": "bob", "password": "password123"})
    for _ in range(3):
        assert _sign_in(api, "ann", "wrong-password").status_code == 401
    refused = _sign_in(api, "ann", "password123")  # the right password, too late
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert "too many failed sign-ins" in refused.text
    # the address is used up as well: another login from it waits too
    assert _sign_in(api, "bob", "password123").status_code == 429
    clock.now += 61  # the window passes
    assert _sign_in(api, "ann", "password123").status_code == 303
    # desk sign-in with made-up tokens counts against the address as well
    for _ in range(3):
        assert api.client.post("/desk/sign-in", data={"token": "guess"}, headers={"Origin": "http://testserver"},
                               follow_redirects=False).status_code == 401
    token = api.headers["Authorization"].split()[1]
    assert api.client.post("/desk/sign-in", data={"token": token}, headers={"Origin": "http://testserver"},
                           follow_redirects=False).status_code == 429


def test_10_unknown_logins_cost_the_same_work(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    workers.create(db, {"login": "known", "password": "password123"})
    calls: list[int] = []
    real = hashlib.scrypt

    def counted(*args: Any, **kwargs: Any) -> bytes:
        calls.append(kwargs["n"])
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counted)
    for login in ("known", "nobody"):
        with pytest.raises(Exception, match="wrong login or password"):
            workers.sign_in(db, login, "not-the-password")
    assert calls == [2**14, 2**14]  # one full-cost scrypt each: timing does not tell who exists


def test_11_pool_exhaustion_answers_503_with_retry_after(db: Database, tmp_path: Path) -> None:
    # One connection, and a wait for it long enough that the app's start-up maintenance tick (which takes
    # it too) cannot make a request that should succeed time out on a loaded machine; the interval keeps
    # the next tick away from the requests.
    small = Database(db.url, pool_size=1, max_overflow=0, pool_timeout=2)
    settings = Settings(home=tmp_path, database_url=db.url, maintenance_interval_seconds=3600)
    try:
        token = auth.create_token(small, "requester", requester_id=auth.ensure_requester(small))
        with TestClient(create_app(settings, small)) as client:
            headers = {"Authorization": f"OAuth {token}"}
            assert client.get("/api/v1/projects", headers=headers).status_code == 200
            held = small.engine.connect()  # the only connection is busy
            try:
                busy = client.get("/api/v1/projects", headers=headers)
            finally:
                held.close()
            assert busy.status_code == 503 and busy.headers["retry-after"] == "2"
            assert busy.json()["code"] == "SERVICE_UNAVAILABLE"
            assert client.get("/api/v1/projects", headers=headers).status_code == 200
    finally:
        small.dispose()  # also when an assertion failed: its connection would otherwise be reported, unclosed,
        # by whichever later test the garbage collector happens to run in


def test_11_pools_are_sized_by_settings_and_checked_against_the_server(db: Database, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url=db.url, db_pool_size=7, db_max_overflow=3)
    sized = Database.from_settings(settings)
    assert (sized.engine.pool.size(), sized.max_overflow) == (7, 3)  # type: ignore[attr-defined]
    if db.is_sqlite:
        assert sized.check_connection_budget(64, 1) is None  # SQLite has no connection limit
    else:
        assert sized.check_connection_budget(2, 1) is not None
        with pytest.raises(ConnectionBudgetExceeded, match="max_connections"):
            sized.check_connection_budget(50, 1)
    sized.dispose()


@pytest.mark.postgres
def test_11_serve_refuses_a_configuration_beyond_max_connections(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support import PG_URL, postgres_reachable

    reason = postgres_reachable()
    if reason:
        pytest.skip(reason)
    monkeypatch.setenv("CLIPCROWD_DATABASE_URL", PG_URL)
    monkeypatch.setenv("CLIPCROWD_DB_POOL_SIZE", "60")
    result = CliRunner().invoke(cli, ["serve", "--home", str(tmp_path), "--workers", "2"])
    assert result.exit_code == 2
    assert "max_connections" in result.output and "Traceback" not in result.output
