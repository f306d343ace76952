"""Pools and their lifecycle; open/close/archive answer with an operation, or 204 when nothing changed."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.models.base import Page
from clipcrowd.domain.models.operations import OperationPublic
from clipcrowd.domain.models.pools import PoolCreate, PoolPublic, PoolUpdate
from clipcrowd.services import listing, pools

router = Router(prefix="/pools", tags=["pools"])
#: What open, close and archive answer.
CHANGED_OR_NOT: dict[int | str, dict[str, Any]] = {
    202: {"model": OperationPublic, "description": "the change, as a finished operation"},
    204: {"description": "the pool already was in that state"}}


def _operation_or_204(operation: dict[str, Any] | None) -> Response:
    if operation is None:
        return Response(status_code=204)
    return JSONResponse(operation, status_code=202)


@router.post("", status_code=201, response_model=PoolPublic)
def create_pool(db: DbDep, _: Requester, body: PoolCreate) -> dict[str, Any]:
    return pools.create(db, body.body())


@router.get("", response_model=Page[PoolPublic])
def find_pools(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.pools_page(db, settings, request.query_params)


@router.get("/{pool_id}", response_model=PoolPublic)
def get_pool(db: DbDep, _: Requester, pool_id: str) -> dict[str, Any]:
    return pools.get(db, object_id(pool_id, "pool"))


@router.put("/{pool_id}", response_model=PoolPublic)
def update_pool(db: DbDep, _: Requester, pool_id: str, body: PoolUpdate) -> dict[str, Any]:
    return pools.replace(db, object_id(pool_id, "pool"), body.body())


@router.post("/{pool_id}/open", status_code=202, response_model=None, responses=CHANGED_OR_NOT)
def open_pool(db: DbDep, _: Requester, pool_id: str) -> Response:
    return _operation_or_204(pools.open_pool(db, object_id(pool_id, "pool")))


@router.post("/{pool_id}/close", status_code=202, response_model=None, responses=CHANGED_OR_NOT)
def close_pool(db: DbDep, _: Requester, pool_id: str) -> Response:
    return _operation_or_204(pools.close_pool(db, object_id(pool_id, "pool")))


@router.post("/{pool_id}/close-for-update", status_code=202, response_model=None, responses=CHANGED_OR_NOT)
def close_pool_for_update(db: DbDep, _: Requester, pool_id: str) -> Response:
    return _operation_or_204(pools.close_pool(db, object_id(pool_id, "pool"), reason="FOR_UPDATE"))


@router.post("/{pool_id}/archive", status_code=202, response_model=None, responses=CHANGED_OR_NOT)
def archive_pool(db: DbDep, _: Requester, pool_id: str) -> Response:
    return _operation_or_204(pools.archive_pool(db, object_id(pool_id, "pool")))
