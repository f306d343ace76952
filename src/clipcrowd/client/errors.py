"""The one exception the SDK raises for an error answer, with the server's code and message."""

from __future__ import annotations

import json
from typing import Any

import httpx


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, payload: Any = None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.payload = status, code, message, payload


def raise_for_error(response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise_for_error_body(response.status_code, response.content)


def raise_for_error_body(status: int, content: bytes) -> None:
    """Raise ApiError from an error answer's status and raw body (any HTTP client)."""
    try:
        body = json.loads(content)
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    raise ApiError(status, str(body.get("code", "HTTP_ERROR")),
                   str(body.get("message", content[:200].decode("utf-8", "replace"))), body.get("payload"))
