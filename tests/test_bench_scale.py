"""bench/scale.py's databases: each run has its own PostgreSQL database, dropped after it."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench import scale
from sqlalchemy import create_engine, make_url, text

from tests.support import postgres_reachable


def _exists(name: str) -> bool:
    engine = create_engine(scale.PG_BASE)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
    engine.dispose()
    return found is not None


def test_two_runs_get_their_own_postgres_database_and_drop_it(tmp_path: Path) -> None:
    reason = postgres_reachable()
    if reason:
        pytest.skip(reason)
    first, second = scale.database_url("postgres", tmp_path), scale.database_url("postgres", tmp_path)
    names = [str(make_url(u).database) for u in (first, second)]
    try:
        assert names[0] != names[1] and all(_exists(n) for n in names)
    finally:
        scale.drop_database(first)
    assert not _exists(names[0]) and _exists(names[1])  # dropping one run's database leaves the other's
    scale.drop_database(second)
    assert not _exists(names[1])
    named = scale.database_url("postgres", tmp_path, "probe")  # `--name`: whoever runs it finds its own
    try:
        assert str(make_url(named).database).startswith("bench_probe_")
    finally:
        scale.drop_database(named)
    assert scale.database_url("sqlite", tmp_path).startswith("sqlite:///")
    scale.drop_database(scale.database_url("sqlite", tmp_path))  # nothing to drop: no error
