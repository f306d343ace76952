"""Requester calls clipcrowd does not offer, answered with a 400 that says so instead of a 404.

A script written for the requester dialect then fails at once, with a reason, rather than on a
missing route. Training pools do not exist (the list is empty, so cloning a project finds none to copy).
"""

from __future__ import annotations

from typing import Any, NoReturn

from fastapi import Body

from clipcrowd.api.deps import Requester
from clipcrowd.api.routing import Router
from clipcrowd.domain.errors import ClipcrowdError
from clipcrowd.domain.models.base import Page

router = Router(tags=["not supported"])
REFUSED: dict[int | str, dict[str, Any]] = {400: {"description": "always: NOT_SUPPORTED, with the reason"}}
TRAININGS = "training pools are not supported by clipcrowd"


class NotSupported(ClipcrowdError):
    code = "NOT_SUPPORTED"


def _refuse(message: str, resource: str) -> NoReturn:
    raise NotSupported(message, {"resource": resource})


@router.get("/trainings", response_model=Page[dict[str, Any]])
def find_trainings(_: Requester) -> dict[str, Any]:
    """There are never trainings to list (creating one is refused)."""
    return {"items": [], "has_more": False}


@router.post("/trainings", response_model=dict[str, Any], responses=REFUSED)
def create_training(_: Requester, body: dict[str, Any] = Body(...)) -> NoReturn:
    _refuse(TRAININGS, "trainings")
