"""The router every API module uses: responses go through their declared model, leaving out what the
service did not set (an absent field stays absent, as clients of the requester dialect expect)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter


class Router(APIRouter):
    def add_api_route(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        kwargs["response_model_exclude_unset"] = True
        super().add_api_route(path, endpoint, **kwargs)
