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
    """Two databases, two drops: each DROP DATABASE makes PostgreSQL write a checkpoint of the whole
    cluster, seconds while the rest of the suite writes (three drops took 16 s of a CI run)."""
    reason = postgres_reachable()
    if reason:
        pytest.skip(reason)
    # the second with `--name`'s label: whoever runs it finds its own
    first, second = scale.database_url("postgres", tmp_path), scale.database_url("postgres", tmp_path, "probe")
    names = [str(make_url(u).database) for u in (first, second)]
    try:
        assert names[0] != names[1] and all(_exists(n) for n in names)
        assert names[1].startswith("bench_probe_") and not names[0].startswith("bench_probe_")
    finally:
        scale.drop_database(first)
    try:
        assert not _exists(names[0]) and _exists(names[1])  # dropping one run's database leaves the other's
    finally:
        scale.drop_database(second)
    assert not _exists(names[1])
    assert scale.database_url("sqlite", tmp_path).startswith("sqlite:///")
    scale.drop_database(scale.database_url("sqlite", tmp_path))  # nothing to drop: no error
