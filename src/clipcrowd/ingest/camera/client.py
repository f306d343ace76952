"""HTTP to the clipcrowd server with retries that end: exponential backoff with jitter.

Connection errors, 5xx, 408 and 429 are retried (``Retry-After`` honoured) up to ``tries`` times
or ``budget`` seconds; any other 4xx is final (a hash mismatch stays a mismatch). ``sleep`` and
``jitter`` are injectable so the policy is testable with a controlled clock.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import httpx

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class ServerError(Exception):
    """A final answer that is not a success (or retries ran out)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Server:
    """A requester session against ``url`` with ``token``."""

    def __init__(self, url: str, token: str | None, *, tries: int = 6, budget: float = 600.0, base: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep, jitter: Callable[[], float] = random.random,
                 timeout: float = 120.0) -> None:
        headers = {"Authorization": f"OAuth {token}"} if token else {}
        self.http = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout)
        self.tries, self.budget, self.base = tries, budget, base
        self.sleep, self.jitter = sleep, jitter

    def close(self) -> None:
        self.http.close()

    def _wait(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None:
            after = response.headers.get("retry-after", "")
            if after.replace(".", "", 1).isdigit():
                return float(after)
        return self.base * (2 ** attempt) * (0.5 + self.jitter() / 2)

    def call(self, method: str, path: str, *, body_factory: Callable[[], Any] | None = None,
             **kwargs: Any) -> Any:
        """One request with retries; ``body_factory`` re-opens a streamed body for each try."""
        spent = 0.0
        last = ""
        for attempt in range(self.tries):
            response: httpx.Response | None = None
            try:
                if body_factory is not None:
                    with body_factory() as content:
                        response = self.http.request(method, path, content=content, **kwargs)
                else:
                    response = self.http.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 400:
                    return response.json() if response.content else None
                last = f"HTTP {response.status_code}: {response.text[:300]}"
                if response.status_code not in RETRY_STATUS:
                    raise ServerError(f"{method} {path}: {last}", response.status_code)
            if attempt == self.tries - 1:
                break
            pause = self._wait(attempt, response)
            if spent + pause > self.budget:
                break
            spent += pause
            self.sleep(pause)
        raise ServerError(f"{method} {path}: gave up after {attempt + 1} tries: {last}")
