"""HTTP connections for clipcrowd's clients, safe against the keep-alive race.

A server closes a keep-alive connection that stayed idle too long. If a client sends a request on
that connection just as the server closes it, the request gets no answer ("Server disconnected
without sending a response", or a reset). Two rules keep clients clear of it:

- a client forgets an idle pooled connection after ``KEEP_ALIVE_SECONDS``, well before the server
  does (``Settings.keep_alive_seconds``), so it rarely reuses one the server is about to close;
- when it happens all the same, an idempotent request (``IDEMPOTENT``: repeating it changes nothing
  the first one did not) is sent once more, on a new connection. Other requests are never repeated:
  the API has no idempotency key, and the server may have acted on them.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any

import aiohttp
import httpx

KEEP_ALIVE_SECONDS = 5.0
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# What a request sent on a connection the server has just closed ends in.
STALE_CONNECTION_ERRORS = (httpx.RemoteProtocolError, httpx.ReadError)


@functools.cache
def default_tls() -> ssl.SSLContext:
    """httpx's default TLS settings (certifi's CA certificates, hostnames checked), built once per process:
    an httpx client or request builds its own otherwise, loading ~150 certificates, ~20 ms of CPU each time,
    even for a plain-HTTP server. A context is safe to share between clients and threads."""
    return httpx.create_ssl_context()


class RetryStaleTransport(httpx.BaseTransport):
    """httpx's own pool with a short keep-alive, repeating an idempotent request once on a dropped connection."""

    def __init__(self, verify: Any = True) -> None:
        verify = default_tls() if verify is True else verify
        self.inner = httpx.HTTPTransport(limits=httpx.Limits(keepalive_expiry=KEEP_ALIVE_SECONDS), verify=verify)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return self.inner.handle_request(request)
        except STALE_CONNECTION_ERRORS:
            # A body streamed from a file or an iterator cannot be sent twice; bytes can.
            if request.method not in IDEMPOTENT or not isinstance(request.stream, httpx.ByteStream):
                raise
            return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def http_client(url: str, *, headers: dict[str, str] | None = None, timeout: float = 60.0, verify: Any = True,
                **options: Any) -> httpx.Client:
    """An httpx client for a clipcrowd server, with the rules above (`verify`: TLS checks, as httpx's)."""
    return httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout,
                        transport=RetryStaleTransport(verify), **options)


def async_session(url: str, *, connections: int, timeout: float = 120.0) -> aiohttp.ClientSession:
    """An aiohttp session for `AsyncWorkerClient`s, with the same short keep-alive.

    aiohttp itself sends an idempotent request once more when a reused connection drops.
    """
    connector = aiohttp.TCPConnector(limit=connections, keepalive_timeout=KEEP_ALIVE_SECONDS)
    return aiohttp.ClientSession(url.rstrip("/"), connector=connector, timeout=aiohttp.ClientTimeout(total=timeout))
