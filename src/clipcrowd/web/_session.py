"""Who is looking at a page: the session token in the HttpOnly cookie, and the redirects when there is none.

A sign-in mints a session token that expires with the cookie; signing out revokes it, so a copied
cookie is worthless after sign-out. Sign-in attempts pass `services.sign_in_limits` first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from clipcrowd.aggregation import method_name
from clipcrowd.domain.errors import ClipcrowdError
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.http.deps import COOKIE, cookie_principal
from clipcrowd.http.security import PAGE_CSP
from clipcrowd.services import auth
from clipcrowd.services.sign_in_limits import SignInLimits, TooManyAttempts

SESSION_SECONDS = 30 * 24 * 3600  # the cookie's and its token's lifetime
T = TypeVar("T")
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def time_tag(value: str | None) -> Markup:
    """A stored time (naive UTC ISO) as `<time datetime="…Z">`: UTC until static/local_time.js
    rewrites it in the reader's own zone and language."""
    if not value:
        return Markup("—")
    return Markup('<time datetime="{0}Z">{0} UTC</time>').format(value)


templates.env.filters["method_name"] = method_name  # aggregation codes shown by name
templates.env.filters["time_tag"] = time_tag


class SignInFirst(Exception):
    """Raised by page dependencies; answered with a redirect to the right sign-in page."""

    def __init__(self, where: str, back: str):
        super().__init__(where)
        self.where, self.back = where, back


def sign_in_redirect(exc: SignInFirst) -> RedirectResponse:
    return RedirectResponse(f"{exc.where}?next={quote(exc.back)}", status_code=303)


def page_worker(request: Request) -> int:
    principal = cookie_principal(request)
    if principal is None or principal.role != "worker" or principal.worker_id is None:
        raise SignInFirst("/w/sign-in", request.url.path)
    return int(principal.worker_id)


def page_requester(request: Request) -> int:
    principal = cookie_principal(request)
    if principal is None or principal.role not in ("requester", "admin"):
        raise SignInFirst("/desk/sign-in", request.url.path)
    return int(principal.requester_id or 0)


PageWorker = Annotated[int, Depends(page_worker)]
PageRequester = Annotated[int, Depends(page_requester)]


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this server (never `//host` or a full URL) may follow a sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def session_expiry() -> datetime:
    return utcnow() + timedelta(seconds=SESSION_SECONDS)


def limited(request: Request, key: str, attempt: Callable[[], T]) -> T:
    """Run one sign-in attempt under the limits for this login (`key`) and the client's address."""
    limits: SignInLimits = request.app.state.sign_in_limits
    db = request.app.state.db
    address = request.client.host if request.client else "unknown"
    limits.check(db, key, address)
    try:
        result = attempt()
    except ClipcrowdError:
        limits.failed(db, key, address)
        raise
    limits.succeeded(db, key)
    return result


def refused_sign_in(response: Response, exc: ClipcrowdError) -> Response:
    if isinstance(exc, TooManyAttempts):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def signed_in(target: str, token: str, request: Request) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https", max_age=SESSION_SECONDS)
    return response


def signed_out(target: str, request: Request) -> RedirectResponse:
    """Revoke the session token in the cookie (at once, in every server process) and drop the cookie."""
    token = request.cookies.get(COOKIE)
    if token:
        auth.revoke(request.app.state.db, token)
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    response: HTMLResponse = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers["Content-Security-Policy"] = PAGE_CSP
    return response
