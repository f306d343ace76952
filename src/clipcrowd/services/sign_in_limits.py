"""Sign-in throttling: after too many failures a login, or an address, must wait, right password or not.

Failures are counted in a sliding window per login and per client address (`sign_in_attempts`
within `sign_in_window_seconds`, see settings). Once either count is full, every attempt for that
login or from that address is refused until the oldest failure leaves the window. A success
clears the login's failures, never the address's: an attacker who owns one account cannot reset
the count by signing in to it between guesses. The failures live in the database
(`sign_in_failures`), so every process of `serve --workers N`, and every server over one
PostgreSQL, counts the same ones; the clock is wall time in seconds (tests pass their own), and a
failure that has left the window is deleted by the next one recorded.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import delete, func, insert, select

from clipcrowd.domain.errors import ClipcrowdError
from clipcrowd.store.db import Database
from clipcrowd.store.tables import sign_in_failures

_KEY_MAX = 300  # the column's width: longer logins share a key, which only makes them wait sooner


class TooManyAttempts(ClipcrowdError):
    status_code = 429
    code = "TOO_MANY_REQUESTS"

    def __init__(self, message: str, retry_after: float):
        super().__init__(message, {"login": {"code": "RATE_LIMITED", "message": message}})
        self.retry_after = max(1, int(retry_after + 0.999))


def _login_key(login: str) -> str:
    return f"login:{login.lower()}"[:_KEY_MAX]


def _address_key(address: str) -> str:
    return f"addr:{address}"[:_KEY_MAX]


class SignInLimits:
    """The rule (attempts a window) and its clock; the counts are rows of the database passed to each call."""

    def __init__(self, attempts: int, window_seconds: float, clock: Callable[[], float] = time.time):
        self.attempts, self.window, self.clock = attempts, window_seconds, clock

    def check(self, db: Database, login: str, address: str) -> None:
        """Raise :class:`TooManyAttempts` when this login or this address used up its failures."""
        now = self.clock()
        f = sign_in_failures.c
        with db.read() as conn:
            for key, what in ((_login_key(login), "this login"), (_address_key(address), "this address")):
                count, oldest = conn.execute(select(func.count(), func.min(f.failed_at)).where(
                    f.key == key, f.failed_at > now - self.window)).one()
                if count >= self.attempts:
                    wait = oldest + self.window - now
                    raise TooManyAttempts(f"too many failed sign-ins for {what}; try again in {int(wait) + 1} s",
                                          wait)

    def failed(self, db: Database, login: str, address: str) -> None:
        now = self.clock()
        with db.write() as conn:
            conn.execute(delete(sign_in_failures).where(sign_in_failures.c.failed_at <= now - self.window))
            conn.execute(insert(sign_in_failures), [{"key": _login_key(login), "failed_at": now},
                                                     {"key": _address_key(address), "failed_at": now}])

    def succeeded(self, db: Database, login: str) -> None:
        with db.write() as conn:
            conn.execute(delete(sign_in_failures).where(sign_in_failures.c.key == _login_key(login)))
