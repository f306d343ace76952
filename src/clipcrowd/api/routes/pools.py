"""Pools and their lifecycle; open/close/archive answer with an operation, or 204 when nothing changed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from clipcrowd.api.deps import DbDep, JsonBody, Requester, SettingsDep, object_id
from clipcrowd.services import listing, pools

router = APIRouter(prefix="/pools", tags=["pools"])


def _operation_or_204(operation: dict[str, Any] | None) -> Response:
    if operation is None:
        return Response(status_code=204)
    return JSONResponse(operation, status_code=202)


@router.post("", status_code=201)
def create_pool(db: DbDep, _: Requester, body: JsonBody) -> dict[str, Any]:
    return pools.create(db, body)


@router.get("")
def find_pools(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.pools_page(db, settings, request.query_params)


@router.get("/{pool_id}")
def get_pool(db: DbDep, _: Requester, pool_id: str) -> dict[str, Any]:
    return pools.get(db, object_id(pool_id, "pool"))


@router.put("/{pool_id}")
def update_pool(db: DbDep, _: Requester, pool_id: str, body: JsonBody) -> dict[str, Any]:
    return pools.replace(db, object_id(pool_id, "pool"), body)


@router.post("/{pool_id}/open")
def open_pool(db: DbDep, _: Requester, pool_id: str) -> Response:
    return _operation_or_204(pools.open_pool(db, object_id(pool_id, "pool")))


@router.post("/{pool_id}/close")
def close_pool(db: DbDep, _: Requester, pool_id: str) -> Response:
    return _operation_or_204(pools.close_pool(db, object_id(pool_id, "pool")))


@router.post("/{pool_id}/archive")
def archive_pool(db: DbDep, _: Requester, pool_id: str) -> Response:
    return _operation_or_204(pools.archive_pool(db, object_id(pool_id, "pool")))
