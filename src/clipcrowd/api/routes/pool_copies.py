"""Patching a pool's priority, cloning pools, and finding operations (what a clone answers with)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.models.base import Page
from clipcrowd.domain.models.operations import OperationPublic
from clipcrowd.domain.models.pool_changes import PoolPatch
from clipcrowd.domain.models.pools import PoolPublic
from clipcrowd.services import listing, pool_copies

router = Router(tags=["pools"])


@router.patch("/pools/{pool_id}", response_model=PoolPublic)
def patch_pool(db: DbDep, _: Requester, pool_id: str, body: PoolPatch) -> dict[str, Any]:
    return pool_copies.patch_priority(db, object_id(pool_id, "pool"), body.priority)


@router.post("/pools/{pool_id}/clone", status_code=202, response_model=OperationPublic)
def clone_pool(db: DbDep, _: Requester, pool_id: str) -> JSONResponse:
    return JSONResponse(pool_copies.clone(db, object_id(pool_id, "pool")), status_code=202)


@router.get("/operations", response_model=Page[OperationPublic], tags=["operations"])
def find_operations(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.operations_page(db, settings, request.query_params)

