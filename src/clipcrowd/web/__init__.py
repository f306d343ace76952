"""Web pages: the worker's task pages and the requester's desk, served by `clipcrowd serve`.

Jinja2 templates and plain ES modules shipped in this package; no build step and nothing loaded
from outside the server. Pages hold no logic: they call `services/` and the JSON API.

`include(router)` adds the pages' routers and the static files to the router the server builds
once per process, `install(app)` the sign-in redirect to each application; `error_page` answers a
page's error as a page (the server asks it before answering with the API's error body).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from clipcrowd.domain.errors import ClipcrowdError
from clipcrowd.web import api_docs, desk_charts, desk_pages, desk_setup_pages, desk_tasks, worker_pages
from clipcrowd.web._session import SignInFirst, render, sign_in_redirect

STATIC = Path(__file__).parent / "static"
_PAGE_PREFIXES = ("/w", "/desk")


def include(root: APIRouter) -> None:
    for router in (worker_pages.router, desk_pages.router, desk_setup_pages.router, desk_tasks.router,
                   desk_charts.router, api_docs.router):
        root.include_router(router)
    root.mount("/static/web", StaticFiles(directory=STATIC), name="web-static")
    root.add_api_route("/", _home, include_in_schema=False)


def _home() -> Response:
    return RedirectResponse("/w", status_code=303)


def install(app: FastAPI) -> None:
    @app.exception_handler(SignInFirst)
    async def _sign_in(_request: Request, exc: SignInFirst) -> Response:
        return sign_in_redirect(exc)


def error_page(request: Request, exc: ClipcrowdError) -> Response | None:
    """The error as a page when the request was for a page, else None."""
    path = request.url.path
    if any(path == p or path.startswith(p + "/") for p in _PAGE_PREFIXES):
        return render(request, "error.html", status_code=exc.status_code, message=exc.message)
    return None
