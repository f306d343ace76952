"""User bonuses (one or a list, synchronously or as an operation) and message threads to workers."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request
from fastapi.responses import JSONResponse

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.domain.models.base import Page
from clipcrowd.domain.models.bonuses import (
    MessageThreadCompose,
    MessageThreadFolders,
    MessageThreadPublic,
    MessageThreadReply,
    UserBonusBatchResult,
    UserBonusCreate,
    UserBonusPublic,
)
from clipcrowd.domain.models.operations import OperationPublic
from clipcrowd.http.deps import query_flag
from clipcrowd.services import bonuses, listing, messages, operations

router = Router(tags=["bonuses"])
MAX_ITEMS = 1000
CREATED: dict[int | str, dict[str, Any]] = {
    201: {"model": UserBonusPublic | UserBonusBatchResult,
          "description": "one bonus for one sent; for a list, the granted bonuses and refused items by index"},
    202: {"model": OperationPublic, "description": "with async_mode=true: the (finished) operation that granted them"}}


@router.post("/user-bonuses", status_code=201, response_model=None, responses=CREATED)
def create_user_bonuses(db: DbDep, _: Requester, request: Request,
                        body: UserBonusCreate | list[UserBonusCreate]) -> JSONResponse:
    single = not isinstance(body, list)
    items = [b.body() for b in ([body] if isinstance(body, UserBonusCreate) else body)]
    if not items or len(items) > MAX_ITEMS:
        raise ValidationFailed.field("body", f"one bonus or a list of 1 to {MAX_ITEMS}")
    op_id = None
    if query_flag(request, "async_mode"):
        op_id = operations.new_id(request.query_params.get("operation_id"))
    result = bonuses.create_many(db, items, skip_invalid=query_flag(request, "skip_invalid_items") and not single,
                                 op_id=op_id)
    if op_id is not None:
        return JSONResponse(operations.get(db, op_id), status_code=202)
    if single:
        return JSONResponse(next(iter(result["items"].values())), status_code=201)
    return JSONResponse(result, status_code=201)


@router.get("/user-bonuses", response_model=Page[UserBonusPublic])
def find_user_bonuses(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.bonuses_page(db, settings, request.query_params)


@router.get("/user-bonuses/{bonus_id}", response_model=UserBonusPublic)
def get_user_bonus(db: DbDep, _: Requester, bonus_id: str) -> dict[str, Any]:
    return bonuses.get(db, object_id(bonus_id, "user bonus"))


@router.post("/message-threads/compose", status_code=201, response_model=MessageThreadPublic)
def compose_message_thread(db: DbDep, _: Requester, body: MessageThreadCompose) -> dict[str, Any]:
    return messages.compose(db, body.body())


@router.get("/message-threads", response_model=Page[MessageThreadPublic])
def find_message_threads(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.message_threads_page(db, settings, request.query_params)


@router.post("/message-threads/{thread_id}/reply", response_model=MessageThreadPublic)
def reply_message_thread(db: DbDep, _: Requester, thread_id: str, body: MessageThreadReply) -> dict[str, Any]:
    return messages.reply(db, object_id(thread_id, "message thread"), body.text)


@router.post("/message-threads/{thread_id}/{change}", response_model=MessageThreadPublic)
def file_message_thread(db: DbDep, _: Requester, thread_id: str,
                        change: Literal["add-to-folders", "remove-from-folders"],
                        body: MessageThreadFolders) -> dict[str, Any]:
    return messages.file(db, object_id(thread_id, "message thread"), body.folders, add=change == "add-to-folders")


@router.get("/message-threads/{thread_id}", response_model=MessageThreadPublic)
def get_message_thread(db: DbDep, _: Requester, thread_id: str) -> dict[str, Any]:
    return messages.get(db, object_id(thread_id, "message thread"))
