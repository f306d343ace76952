"""The calling requester's account."""

from __future__ import annotations

from typing import Any

from .base import Public


class RequesterPublic(Public):
    id: str
    balance: float
    public_name: dict[str, Any]
