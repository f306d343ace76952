"""`POST` of one object or a list of them (tasks, task suites): the query flags every such call
takes, then a synchronous answer (201) or the operation that writes the batch (202)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from starlette.requests import Request

from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.http.deps import query_flag
from clipcrowd.http.jobs import wake
from clipcrowd.services import batch_create, operations
from clipcrowd.services.batch_create import BatchKind
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database


def create(db: Database, settings: Settings, request: Request, kind: BatchKind, items: list[Any],
           single: bool) -> JSONResponse:
    """Flags: ``open_pool``, ``skip_invalid_items``, ``allow_defaults`` (implied for one object),
    ``async_mode`` with ``operation_id`` (one object too: toloka-kit then reads it back from the log).
    An async batch of up to ``inline_batch_items`` is written at once and its operation answered ended;
    so is one with invalid items that may not be skipped: its operation ended FAIL, nothing written, each
    invalid item's faults in its log (toloka-kit raises ValidationApiError keyed by item index)."""
    if not items:
        raise ValidationFailed.field("body", f"must be a {kind.noun} object or a non-empty list of them")
    if len(items) > settings.max_batch_items:
        raise ValidationFailed.field("body", f"at most {settings.max_batch_items} {kind.noun}s in one call")
    open_after = query_flag(request, "open_pool")
    skip_invalid = query_flag(request, "skip_invalid_items")
    allow_defaults = query_flag(request, "allow_defaults") or single
    in_operation = query_flag(request, "async_mode")
    batch = batch_create.prepare(kind, db, items, allow_defaults=allow_defaults,
                                 skip_invalid=skip_invalid and not single, in_operation=in_operation)
    if in_operation:
        op_id = operations.new_id(request.query_params.get("operation_id"))
        # small, or failed whole (nothing to write): answered with its operation ended
        if len(items) <= settings.inline_batch_items or batch_create.fails_whole(batch, skip_invalid):
            done = batch_create.write_now(kind, db, batch, op_id, skip_invalid=skip_invalid, open_pool=open_after)
            return JSONResponse(done, status_code=202)
        started = batch_create.start_batch(kind, db, batch, items, op_id, allow_defaults=allow_defaults,
                                           skip_invalid=skip_invalid, open_pool=open_after)
        wake(request)
        return JSONResponse(started, status_code=202)
    result = batch_create.create_sync(kind, db, batch, open_pool=open_after)
    if single:
        return JSONResponse(next(iter(result["items"].values())), status_code=201)
    return JSONResponse(result, status_code=201)
