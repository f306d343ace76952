"""Sign-in throttling: after too many failures a login, or an address, must wait, right password or not.

Failures are counted in a sliding window per login and per client address (`sign_in_attempts`
within `sign_in_window_seconds`, see settings). Once either count is full, every attempt for that
login or from that address is refused until the oldest failure leaves the window. A success
clears the login's failures, never the address's: an attacker who owns one account cannot reset
the count by signing in to it between guesses. The counts live in the server process (each of
`serve --workers N` counts on its own), which is enough to turn a password guess per millisecond
into a handful per window.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from clipcrowd.domain.errors import ClipcrowdError

_MAX_KEYS = 100_000  # forget everything rather than grow without bound under a spray of logins


class TooManyAttempts(ClipcrowdError):
    status_code = 429
    code = "TOO_MANY_REQUESTS"

    def __init__(self, message: str, retry_after: float):
        super().__init__(message, {"login": {"code": "RATE_LIMITED", "message": message}})
        self.retry_after = max(1, int(retry_after + 0.999))


class SignInLimits:
    def __init__(self, attempts: int, window_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.attempts, self.window, self.clock = attempts, window_seconds, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def check(self, login: str, address: str) -> None:
        """Raise :class:`TooManyAttempts` when this login or this address used up its failures."""
        now = self.clock()
        with self._lock:
            for key, what in ((f"login:{login.lower()}", "this login"), (f"addr:{address}", "this address")):
                times = self._recent(key, now)
                if len(times) >= self.attempts:
                    wait = times[0] + self.window - now
                    raise TooManyAttempts(f"too many failed sign-ins for {what}; try again in {int(wait) + 1} s",
                                          wait)

    def failed(self, login: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) > _MAX_KEYS:
                self._failures.clear()
            for key in (f"login:{login.lower()}", f"addr:{address}"):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, login: str) -> None:
        with self._lock:
            self._failures.pop(f"login:{login.lower()}", None)
