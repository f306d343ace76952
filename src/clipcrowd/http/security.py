"""Edge protection: what every request must pass before a route sees it, and what every answer carries.

One ASGI middleware, so that no route can forget a check:

- the target: path and query string must be UTF-8 without control characters (a 400 names the
  query parameter);
- cross-site requests: a state-changing request without an `Authorization` header (a browser's,
  signed in by cookie, or a sign-in form) must come from this server's own origin (`Origin`, else
  `Referer`); the JSON API takes cookie-authenticated bodies only as `application/json`;
- bodies: at most `max_json_bytes` (uploads have their own cap, `max_upload_bytes`, enforced while
  they stream); a JSON body under `/api/` is parsed once by :mod:`clipcrowd.http.json_bounds` and
  handed to the route; form fields are held to the same text rules;
- answers: `X-Content-Type-Options: nosniff`, a Content-Security-Policy (scripts only from this
  server, no inline script), no framing, and a same-origin referrer policy.

It also answers 503 with `Retry-After` when the database has no free connection, instead of a 500.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from clipcrowd.domain.errors import AccessDenied, ClipcrowdError, PayloadTooLarge, UnsupportedMedia, ValidationFailed
from clipcrowd.domain.text import text_problem
from clipcrowd.http import json_bounds
from clipcrowd.http.deps import COOKIE as SESSION_COOKIE
from clipcrowd.http.errors import error_response
from clipcrowd.services.sign_in_limits import SignInLimits
from clipcrowd.settings import Settings

log = logging.getLogger("clipcrowd.api")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

JSON_STATE_KEY = "clipcrowd_json_body"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Routes whose body is a file, streamed under a cap by the route itself (`max_upload_bytes`; the desk's
#: task file: `max_json_bytes`).
UPLOAD_PATHS = re.compile(
    r"^(/api/v1/(assets/uploads|worker/assignments/[^/]+/attachments|camera-imports/[^/]+/content)"
    r"|/desk/pools/[^/]+/tasks/upload)$")
MAX_QUERY_BYTES = 16 * 1024
RETRY_AFTER_SECONDS = 2
# Task inputs may point at media on other hosts, so images and media may come from anywhere.
PAGE_CSP = ("default-src 'self'; img-src 'self' data: blob: https: http:; media-src 'self' blob: data: https: http:; "
            "script-src 'self'; style-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
            "form-action 'self'")
_SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"same-origin",
}
# Messages of a database that has no connection to give (PostgreSQL) or is busy (SQLite).
_BUSY = ("too many clients", "remaining connection slots", "database is locked", "connection slots are reserved")


def _decoded(raw: bytes, name: str, *, plus: bool = False) -> str:
    data = unquote_to_bytes(raw.replace(b"+", b" ") if plus else raw)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed.field(name, "is not valid UTF-8 text", "BAD_TEXT") from None
    problem = text_problem(text)
    if problem:
        raise ValidationFailed.field(name, problem, "BAD_TEXT")
    return text


def check_fields(raw: bytes, where: str) -> None:
    """Each `name=value` pair of a query string or a url-encoded form must be clean text."""
    for pair in raw.split(b"&"):
        if not pair:
            continue
        name_raw, _, value_raw = pair.partition(b"=")
        name = _decoded(name_raw, where, plus=True)
        _decoded(value_raw, name or where, plus=True)


def check_target(scope: Scope) -> None:
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    _decoded(raw_path, "path")
    query: bytes = scope.get("query_string") or b""
    if len(query) > MAX_QUERY_BYTES:
        raise ValidationFailed.field("query", f"is {len(query)} bytes long; the limit is {MAX_QUERY_BYTES}")
    check_fields(query, "query")


def _origin(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    return parts.netloc.lower() if parts.scheme in ("http", "https") and parts.netloc else "null"


def check_cross_site(method: str, path: str, headers: dict[str, str]) -> None:
    """Refuse a state-changing request that a page of another origin could have made."""
    if method in SAFE_METHODS or "authorization" in headers:
        return  # a browser never adds an Authorization header to another site's request by itself
    has_cookie = False
    if "cookie" in headers:
        try:
            has_cookie = SESSION_COOKIE in SimpleCookie(headers["cookie"])
        except CookieError:
            has_cookie = True  # a cookie header we cannot read: assume the worst
    origin = _origin(headers.get("origin")) or _origin(headers.get("referer"))
    own = headers.get("host", "").lower()
    if origin is None:
        if has_cookie:
            raise AccessDenied("a request signed in by cookie must carry this server's Origin or Referer",
                               {"Origin": {"code": "MISSING", "message": "required"}}, code="CSRF_REFUSED")
        return
    if origin != own:
        raise AccessDenied(f"requests from another origin ({origin}) may not change anything here",
                           {"Origin": {"code": "CROSS_ORIGIN", "message": f"expected {own}"}}, code="CSRF_REFUSED")
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if has_cookie and path.startswith("/api/") and not UPLOAD_PATHS.match(path) and content_type \
            and content_type != "application/json":
        raise UnsupportedMedia("the JSON API takes bodies as application/json",
                               {"Content-Type": {"code": "UNSUPPORTED", "message": "use application/json"}})


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ValidationFailed.field("body", "the client went away before the body was complete")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is larger than the limit of {limit} bytes",
                                  {"body": {"code": "TOO_LARGE", "message": f"at most {limit} bytes"}})
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class EdgeGuard:
    """The ASGI middleware (see the module docstring)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], settings: Settings):
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_security_headers(send)
        try:
            receive = await self._admit(scope, receive)
        except ClipcrowdError as exc:
            response = error_response(exc.status_code, exc.code, exc.message, exc.payload)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _admit(self, scope: Scope, receive: Receive) -> Receive:
        check_target(scope)
        method, path = scope["method"], scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        check_cross_site(method, path, headers)
        if method in SAFE_METHODS or UPLOAD_PATHS.match(path):
            return receive
        limit = self.settings.max_json_bytes
        declared = headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"the body is {int(declared)} bytes; the limit is {limit} bytes",
                                  {"body": {"code": "TOO_LARGE", "message": f"at most {limit} bytes"}})
        body = await _read_body(receive, limit)
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if path.startswith("/api/") and body.strip():
            value = json_bounds.parse(body, max_text=self.settings.max_text_chars)
            scope.setdefault("state", {})[JSON_STATE_KEY] = value
        elif content_type == "application/x-www-form-urlencoded":
            check_fields(body, "form")
        return _replay(body, receive)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body once, then the client's own channel (which reports a disconnect when it happens)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _with_security_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _SECURITY_HEADERS]
            headers += list(_SECURITY_HEADERS.items())
            if not any(k.lower() == b"content-security-policy" for k, _ in headers):
                headers.append((b"content-security-policy", PAGE_CSP.encode()))
            message["headers"] = headers
        await send(message)

    return wrapped


def _routes(routes: Any) -> Any:
    """Every endpoint route, also those of included routers (which FastAPI may keep as one entry)."""
    for route in routes:
        nested = getattr(route, "_effective_candidates", None)
        if nested is not None:
            yield from nested
        else:
            yield route


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this path (for the `Allow` header of a 405)."""
    path = request.url.path
    methods: set[str] = set()
    for route in _routes(request.app.router.routes):
        regex, verbs = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is not None and verbs and regex.match(path):
            methods |= set(verbs)
    return sorted(methods)


def _database_busy(exc: Exception) -> bool:
    return isinstance(exc, PoolTimeout) or any(text in str(exc) for text in _BUSY)


def install(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(EdgeGuard, settings=settings)
    app.state.sign_in_limits = SignInLimits(settings.sign_in_attempts, settings.sign_in_window_seconds)

    async def _busy(request: Request, exc: Exception) -> JSONResponse:
        if not _database_busy(exc):
            log.error("database error on %s %s", request.method, request.url.path, exc_info=exc)
            return error_response(500, "INTERNAL_ERROR", "internal error; the server log has the details")
        log.warning("database busy on %s %s: %s", request.method, request.url.path, str(exc).splitlines()[0])
        response = error_response(503, "SERVICE_UNAVAILABLE",
                                  f"the database is busy; try again in {RETRY_AFTER_SECONDS} s")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    app.add_exception_handler(PoolTimeout, _busy)
    app.add_exception_handler(OperationalError, _busy)
