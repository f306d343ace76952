"""Sign-in limits live in the database: several server processes over one database share the count."""

from __future__ import annotations

import pytest

from clipcrowd.services.sign_in_limits import SignInLimits, TooManyAttempts
from clipcrowd.store.db import Database
from clipcrowd.store.tables import sign_in_failures


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_two_processes_count_the_same_failures(db: Database) -> None:
    clock = Clock()
    # two server processes: each its own limits object and its own engine, one database
    first, second = SignInLimits(3, 60.0, clock=clock), SignInLimits(3, 60.0, clock=clock)
    other_db = Database(db.url)
    try:
        first.failed(db, "Ann", "10.0.0.1")
        second.failed(other_db, "ann", "10.0.0.2")
        first.failed(db, "ANN", "10.0.0.3")
        with pytest.raises(TooManyAttempts, match="this login") as refused:
            second.check(other_db, "ann", "10.0.0.9")
        assert refused.value.retry_after == 60
        second.check(other_db, "bob", "10.0.0.1")  # one failure from that address: not yet
        clock.now += 30
        first.failed(db, "carol", "10.0.0.7")
        first.failed(db, "dave", "10.0.0.7")
        second.failed(other_db, "gina", "10.0.0.7")
        with pytest.raises(TooManyAttempts, match="this address"):
            second.check(other_db, "erin", "10.0.0.7")  # three from .7, each a new login
        clock.now += 31  # ann's failures left the window; .7's last two have not
        second.check(other_db, "ann", "10.0.0.9")
        with pytest.raises(TooManyAttempts, match="this address") as waiting:
            first.check(db, "frank", "10.0.0.7")
        assert waiting.value.retry_after == 29
    finally:
        other_db.dispose()


def test_success_clears_the_login_not_the_address_and_old_rows_go(db: Database) -> None:
    clock = Clock()
    limits = SignInLimits(2, 60.0, clock=clock)
    limits.failed(db, "ann", "10.0.0.1")
    limits.failed(db, "ann", "10.0.0.1")
    limits.succeeded(db, "ann")
    with pytest.raises(TooManyAttempts, match="this address"):
        limits.check(db, "ann", "10.0.0.1")
    limits.check(db, "ann", "10.0.0.2")
    clock.now += 61
    limits.failed(db, "x" * 1000, "10.0.0.3")  # a long login is cut to the column, not refused by it
    with db.read() as conn:
        keys = sorted(r.key for r in conn.execute(sign_in_failures.select()))
    assert keys == ["addr:10.0.0.3", "login:" + "x" * 294]  # failures out of the window were deleted
