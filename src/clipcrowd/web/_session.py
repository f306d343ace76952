"""Who is looking at a page: the token in the HttpOnly cookie, and the redirects when there is none."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from clipcrowd.api.security import PAGE_CSP, SESSION_COOKIE
from clipcrowd.domain.errors import AuthenticationFailed
from clipcrowd.services.auth import resolve

COOKIE = SESSION_COOKIE  # the cookie api/deps.py reads, so the pages' scripts call the API as her
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


class SignInFirst(Exception):
    """Raised by page dependencies; answered with a redirect to the right sign-in page."""

    def __init__(self, where: str, back: str):
        super().__init__(where)
        self.where, self.back = where, back


def sign_in_redirect(exc: SignInFirst) -> RedirectResponse:
    return RedirectResponse(f"{exc.where}?next={quote(exc.back)}", status_code=303)


def _principal(request: Request) -> Any:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        return resolve(request.app.state.db, token)
    except AuthenticationFailed:
        return None


def page_worker(request: Request) -> int:
    principal = _principal(request)
    if principal is None or principal.role != "worker" or principal.worker_id is None:
        raise SignInFirst("/w/sign-in", request.url.path)
    return int(principal.worker_id)


def page_requester(request: Request) -> int:
    principal = _principal(request)
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


def signed_in(target: str, token: str, request: Request) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https", max_age=30 * 24 * 3600)
    return response


def signed_out(target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    response: HTMLResponse = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers["Content-Security-Policy"] = PAGE_CSP
    return response
