"""The desk's task upload: a file of tasks for one pool, and the per-row report of what was made.

The form posts multipart; the body passes the edge unread (see `UPLOAD_PATHS` in http/security.py)
and is counted here while it streams, so a file over the cap is refused without being held whole.
The multipart parser spools the file to disk past 1 MiB; `services.task_upload` reads it a line at a
time and goes through the same task-creation path as the API. A file larger than
`Settings.task_upload_inline_bytes` is handed to a job (`services.task_upload_jobs`) and the requester
is sent to the job's page, which shows its progress and then the same report.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from clipcrowd.domain.errors import ClipcrowdError, PayloadTooLarge
from clipcrowd.domain.ids import format_id
from clipcrowd.http.deps import object_id
from clipcrowd.http.jobs import wake
from clipcrowd.services import task_upload, task_upload_jobs, web_desk
from clipcrowd.web._session import PageRequester, render

router = APIRouter(prefix="/desk", include_in_schema=False)
_FORM_SLACK = 64 * 1024  # multipart boundaries and the small fields around the file


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"


def _page(request: Request, number: int, *, status_code: int = 200, error: str = "",
          outcome: task_upload.Outcome | None = None, chosen: dict[str, Any] | None = None,
          job: task_upload_jobs.UploadJob | None = None) -> Response:
    db = request.app.state.db
    inputs, outputs = task_upload.spec_of(db, number)
    return render(request, "desk/tasks_upload.html", status_code=status_code, p=web_desk.progress(db, number),
                  formats=task_upload.FORMATS, limit=_size(request.app.state.settings.max_json_bytes),
                  max_rows=request.app.state.settings.max_batch_items, error=error, outcome=outcome,
                  chosen=chosen or {}, inputs=inputs, outputs=outputs, job=job)


@router.get("/pools/{pool_id}/tasks/upload")
def upload_page(request: Request, _: PageRequester, pool_id: str) -> Response:
    return _page(request, object_id(pool_id, "pool"))


def _counted(request: Request, limit: int) -> Request:
    """The same request whose body raises PayloadTooLarge once more than `limit` bytes have come."""
    size = 0
    receive = request.receive

    async def counting() -> Any:
        nonlocal size
        message = await receive()
        size += len(message.get("body", b""))
        if size > limit:
            raise PayloadTooLarge(f"the file is larger than the limit of {limit} bytes")
        return message

    return Request(request.scope, counting)


@router.post("/pools/{pool_id}/tasks/upload")
async def upload(request: Request, _: PageRequester, pool_id: str) -> Response:
    number = object_id(pool_id, "pool")
    settings = request.app.state.settings
    limit = settings.max_json_bytes + _FORM_SLACK
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        return _page(request, number, status_code=413,
                     error=f"The file is too large: at most {_size(settings.max_json_bytes)}.")
    try:
        form = await _counted(request, limit).form(max_files=1, max_fields=4, max_part_size=4096)
    except PayloadTooLarge:
        return _page(request, number, status_code=413,
                     error=f"The file is too large: at most {_size(settings.max_json_bytes)}.")
    except (MultiPartException, HTTPException, ValueError) as exc:  # Starlette wraps the parser's own error
        detail = exc.detail if isinstance(exc, HTTPException) else str(exc)
        return _page(request, number, status_code=400, error=f"The form could not be read: {detail}")
    file, fmt, skip = form.get("file"), form.get("format", ""), form.get("skip_bad", "") == "yes"
    chosen_format = fmt if isinstance(fmt, str) else ""
    chosen = {"format": chosen_format, "skip_bad": skip}
    try:
        if not isinstance(file, UploadFile) or not file.filename:
            return _page(request, number, status_code=400, error="Choose a file to upload.", chosen=chosen)
        try:
            fmt_name = task_upload.format_of(file.filename, chosen_format)
        except ClipcrowdError as exc:
            return _page(request, number, status_code=400, error=exc.message, chosen=chosen)
        file.file.seek(0)
        if file.size is not None and file.size > settings.task_upload_inline_bytes:
            job_id = await run_in_threadpool(task_upload_jobs.start, request.app.state.db,
                                             settings.resolved_storage_url, number, file.file, fmt_name,
                                             skip_bad=skip, max_rows=settings.max_batch_items)
            wake(request)
            return RedirectResponse(f"/desk/pools/{format_id(number)}/tasks/upload/{format_id(job_id)}",
                                    status_code=303)
        outcome = await run_in_threadpool(task_upload.upload, request.app.state.db, number, file.file, fmt_name,
                                          skip_bad=skip, max_rows=settings.max_batch_items)
    finally:
        await form.close()
    return _page(request, number, status_code=_status(outcome, skip), outcome=outcome, chosen=chosen)


def _status(outcome: task_upload.Outcome, skip: bool) -> int:
    return 400 if outcome.refused or (outcome.fault_count and not skip) else 200


@router.get("/pools/{pool_id}/tasks/upload/{job_id}")
def upload_job_page(request: Request, _: PageRequester, pool_id: str, job_id: str) -> Response:
    """A large upload's job: its status while it runs (the page asks again by itself), then the report."""
    number = object_id(pool_id, "pool")
    job = task_upload_jobs.load(request.app.state.db, number, object_id(job_id, "upload"))
    return _page(request, number, outcome=job.outcome, job=job)
