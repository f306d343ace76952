"""The requester's desk: projects and pools, pool progress, aggregation runs, the review queue, workers,
downloads."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from clipcrowd.domain.errors import AuthenticationFailed, ClipcrowdError
from clipcrowd.export import downloads
from clipcrowd.http.deps import object_id
from clipcrowd.http.jobs import wake
from clipcrowd.http.streaming import streamed
from clipcrowd.services import (
    aggregation,
    attachments,
    auth,
    desk_aggregates,
    invites,
    operations,
    pools,
    served_types,
    web_desk,
)
from clipcrowd.services.auth import Principal, resolve
from clipcrowd.web import desk_settings, page_json, sanitize
from clipcrowd.web._session import (
    PageRequester,
    limited,
    refused_sign_in,
    render,
    safe_next,
    session_expiry,
    signed_in,
    signed_out,
)

router = APIRouter(prefix="/desk", include_in_schema=False)


def _id(value: str, kind: str = "pool") -> int:
    return object_id(value, kind)


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "") -> Response:
    return render(request, "desk/sign_in.html", next=safe_next(next, "/desk"), error=None)


@router.post("/sign-in")
def sign_in(request: Request, token: Annotated[str, Form()], next: Annotated[str, Form()] = "") -> Response:
    """A requester token in, a session token (expiring, revoked at sign-out) in the cookie."""
    db, token = request.app.state.db, token.strip()

    def requester() -> Principal:
        principal = resolve(db, token)
        if principal.role not in ("requester", "admin"):
            raise AuthenticationFailed("this is a worker token; the desk needs a requester token")
        return principal

    try:
        principal = limited(request, f"token:{auth.hash_token(token)[:16]}", requester)
    except ClipcrowdError as exc:
        return refused_sign_in(render(request, "desk/sign_in.html", status_code=exc.status_code,
                                      next=safe_next(next, "/desk"), error=exc.message), exc)
    session = auth.create_token(db, principal.role, requester_id=principal.requester_id, name="desk session",
                                expires=session_expiry())
    return signed_in(safe_next(next, "/desk"), session, request)


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    return signed_out("/desk/sign-in", request)


@router.get("")
def home(request: Request, _: PageRequester) -> Response:
    return render(request, "desk/home.html", projects=web_desk.overview(request.app.state.db))


@router.get("/pools/{pool_id}")
def pool_page(request: Request, _: PageRequester, pool_id: str, message: str = "", aggregation: str = "") -> Response:
    return _pool_page(request, _id(pool_id), message=message, run_id=aggregation or None)


def _pool_page(request: Request, number: int, *, status_code: int = 200, message: str = "",
               invite: dict[str, Any] | None = None, run_id: str | None = None) -> Response:
    db = request.app.state.db
    p = web_desk.progress(db, number)
    return render(request, "desk/pool.html", status_code=status_code, p=p,
                  agg=desk_aggregates.panel(db, number, run_id), message=message, invite=invite,
                  settings=desk_settings.pool_settings(p["pool"], web_desk.skill_names(db, p["pool"])),
                  invite_defaults=invites.defaults(db, number))


@router.post("/pools/{pool_id}/aggregate")
def aggregate(request: Request, _: PageRequester, pool_id: str,
              method: Annotated[str, Form()] = "ds", field: Annotated[str, Form()] = "",
              include_submitted: Annotated[str, Form()] = "") -> Response:
    """Start an aggregation run (checked first: a refusal is shown on the page, nothing stored)."""
    db, number = request.app.state.db, _id(pool_id)
    body = {"pool_id": pool_id, "method": method, "field": field or None, "include_submitted": bool(include_submitted)}
    try:
        checked = aggregation.prepare(db, body)
    except ClipcrowdError as exc:
        return _pool_page(request, number, status_code=exc.status_code, message=exc.message)
    op_id = operations.new_id(None)
    aggregation.start(db, checked, op_id)
    wake(request)
    return RedirectResponse(f"/desk/pools/{pool_id}?aggregation={op_id}#aggregation", status_code=303)


@router.post("/pools/{pool_id}/open")
def open_pool(request: Request, _: PageRequester, pool_id: str) -> Response:
    return _pool_action(request, pool_id, pools.open_pool, "opened")


@router.post("/pools/{pool_id}/close")
def close_pool(request: Request, _: PageRequester, pool_id: str) -> Response:
    return _pool_action(request, pool_id, pools.close_pool, "closed")


def _pool_action(request: Request, pool_id: str, action: object, done: str) -> Response:
    number = _id(pool_id)
    try:
        action(request.app.state.db, number)  # type: ignore[operator]
        message = f"Pool {done}."
    except ClipcrowdError as exc:
        message = exc.message
    return RedirectResponse(f"/desk/pools/{pool_id}?message={quote(message)}", status_code=303)


@router.post("/pools/{pool_id}/invites")
def make_invite(request: Request, _: PageRequester, pool_id: str, client_type: Annotated[str, Form()] = "",
                languages: Annotated[str, Form()] = "", accept_failing: Annotated[str, Form()] = "") -> Response:
    """An invite whose profile passes the pool's filter (what the form leaves empty comes from it)."""
    db, number = request.app.state.db, _id(pool_id)
    langs = [x.strip() for x in languages.split(",") if x.strip()]
    body = {"client_type": client_type, "languages": langs, "accept_failing": accept_failing == "yes"}
    try:
        made = invites.create(db, number, body)
    except ClipcrowdError as exc:
        return _pool_page(request, number, status_code=400,
                          invite={"error": exc.message, "client_type": client_type, "languages": languages})
    made["link"] = str(request.base_url).rstrip("/") + f"/w/invite/{made['code']}"
    return _pool_page(request, number, invite=made)


@router.get("/pools/{pool_id}/review")
def review(request: Request, _: PageRequester, pool_id: str) -> Response:
    queue = web_desk.review_queue(request.app.state.db, _id(pool_id))
    for item in queue["items"]:
        for task in item["tasks"]:
            task["shown_inputs"] = sanitize.as_shown(task.get("input_values") or {})
    data = page_json.embed(queue)
    return render(request, "desk/review.html", queue=queue, data=data)


@router.get("/pools/{pool_id}/workers")
def worker_table(request: Request, _: PageRequester, pool_id: str) -> Response:
    number = _id(pool_id)
    db = request.app.state.db
    return render(request, "desk/workers.html", p=web_desk.progress(db, number), rows=web_desk.worker_table(db, number))


@router.get("/pools/{pool_id}/results.{fmt}")
def results(request: Request, _: PageRequester, pool_id: str, fmt: str) -> Response:
    """The pool's answers as csv, json, jsonl or parquet, streamed while they are read."""
    return streamed(downloads.pool_results(request.app.state.db, _id(pool_id), fmt))


@router.get("/attachments/{attachment_id}")
def media(request: Request, _: PageRequester, attachment_id: str) -> Response:
    """An uploaded file with HTTP range support so a video seeks without downloading it all; inline only
    when its detected type is plain media (see services/served_types.py), else as a download."""
    row, path = attachments.local_file(request.app.state.db, request.app.state.settings,
                                       _id(attachment_id, "attachment"))
    return FileResponse(path, media_type=served_types.served_type(row.media_type), filename=row.name,
                        content_disposition_type=served_types.disposition(row.media_type))
