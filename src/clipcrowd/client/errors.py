"""The one exception the SDK raises for an error answer, with the server's code and message."""

from __future__ import annotations

from typing import Any

import httpx


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, payload: Any = None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.payload = status, code, message, payload


def raise_for_error(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    raise ApiError(response.status_code, str(body.get("code", "HTTP_ERROR")),
                   str(body.get("message", response.text[:200])), body.get("payload"))
