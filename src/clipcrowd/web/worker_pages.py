"""The worker's pages: sign-in, invite sign-up, pools she may take, the task page, her history."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from clipcrowd.domain.errors import AccessDenied, ClipcrowdError, ConflictState
from clipcrowd.domain.ids import format_id
from clipcrowd.http.deps import object_id
from clipcrowd.services import attachments, invites, issuing, refusals, served_types, web_worker, workers
from clipcrowd.web import page_json, sanitize
from clipcrowd.web._session import (
    PageWorker,
    limited,
    refused_sign_in,
    render,
    safe_next,
    session_expiry,
    signed_in,
    signed_out,
)

router = APIRouter(prefix="/w", include_in_schema=False)
Text = Annotated[str, Form()]


def _id(value: str) -> int:
    return object_id(value, "object")


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "") -> Response:
    return render(request, "worker/sign_in.html", next=safe_next(next, "/w"), error=None)


@router.post("/sign-in")
def sign_in(request: Request, login: Text, password: Text, next: Annotated[str, Form()] = "") -> Response:
    login = login.strip()
    try:
        token = limited(request, login,
                        lambda: workers.sign_in(request.app.state.db, login, password, expires=session_expiry()))
    except ClipcrowdError as exc:
        return refused_sign_in(render(request, "worker/sign_in.html", status_code=exc.status_code,
                                      next=safe_next(next, "/w"), error=exc.message, login=login), exc)
    return signed_in(safe_next(next, "/w"), token, request)


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    return signed_out("/w/sign-in", request)


@router.get("/invite/{code}")
def invite_page(request: Request, code: str) -> Response:
    try:
        invites.check(request.app.state.db, code)
    except ClipcrowdError as exc:
        return render(request, "worker/invite.html", status_code=404, code=code, error=exc.message, dead=True)
    return render(request, "worker/invite.html", code=code, error=None, dead=False)


@router.post("/invite/{code}")
def invite_sign_up(request: Request, code: str, login: Text, password: Text) -> Response:
    try:
        token, pool_id = invites.redeem(request.app.state.db, code, login.strip(), password)
    except ClipcrowdError as exc:
        return render(request, "worker/invite.html", status_code=400, code=code, error=exc.message, dead=False,
                      login=login)
    return signed_in(f"/w/pools/{format_id(pool_id)}", token, request)


@router.get("")
def home(request: Request, worker_id: PageWorker) -> Response:
    db = request.app.state.db
    return render(request, "worker/pools.html", pools=issuing.available_pools(db, worker_id),
                  me=web_worker.history(db, worker_id, limit=0))


@router.get("/pools/{pool_id}")
def pool_page(request: Request, worker_id: PageWorker, pool_id: str) -> Response:
    try:
        intro = web_worker.pool_intro(request.app.state.db, worker_id, _id(pool_id))
    except (AccessDenied, ConflictState) as exc:  # she may not take it and never did: the reason only
        return render(request, "worker/refused.html", status_code=exc.status_code, refusal=refusals.shown(exc))
    return render(request, "worker/pool.html", intro=intro, error=intro["refusal"],
                  instructions=sanitize.clean_html(intro["project"]["instructions"]))


@router.post("/pools/{pool_id}/start")
def start(request: Request, worker_id: PageWorker, pool_id: str) -> Response:
    number = _id(pool_id)
    try:
        suite = issuing.next_suite(request.app.state.db, worker_id, number)
    except ClipcrowdError as exc:
        intro = web_worker.pool_intro(request.app.state.db, worker_id, number)
        return render(request, "worker/pool.html", status_code=exc.status_code, intro=intro, error=refusals.shown(exc),
                      instructions=sanitize.clean_html(intro["project"]["instructions"]))
    return RedirectResponse(f"/w/assignments/{suite['id']}", status_code=303)


def _page_data(request: Request, page: dict[str, Any]) -> str:
    project = page["project"]
    raw = project["view_config"]
    config: Any = None
    problem = None
    if raw is None:
        problem = "this project has no template-builder interface"
    else:
        try:
            config = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError as exc:
            problem = f"the task interface is not valid JSON ({exc.msg})"
    tasks = page["assignment"]["tasks"]
    markdown = sanitize.markdown_for_tasks(config, [t["input_values"] for t in tasks]) if config else []
    data = {
        "assignment": page["assignment"], "config": config, "problem": problem, "markdown": markdown,
        "output_spec": project["output_spec"], "max_upload_bytes": request.app.state.settings.max_upload_bytes,
    }
    return page_json.embed(data)


@router.get("/assignments/{assignment_id}")
def task_page(request: Request, worker_id: PageWorker, assignment_id: str) -> Response:
    page = web_worker.task_page(request.app.state.db, worker_id, _id(assignment_id))
    return render(request, "worker/task.html", page=page, data=_page_data(request, page),
                  instructions=sanitize.clean_html(page["project"]["instructions"]))


@router.get("/history")
def history(request: Request, worker_id: PageWorker) -> Response:
    return render(request, "worker/history.html", me=web_worker.history(request.app.state.db, worker_id))


@router.get("/attachments/{attachment_id}")
def own_media(request: Request, worker_id: PageWorker, attachment_id: str) -> Response:
    """The worker's own upload as stored (remuxed, so it seeks), with range support, for her preview."""
    row, path = attachments.own_file(request.app.state.db, request.app.state.settings, worker_id,
                                     object_id(attachment_id, "attachment"))
    return FileResponse(path, media_type=served_types.served_type(row.media_type), filename=row.name,
                        content_disposition_type=served_types.disposition(row.media_type))
