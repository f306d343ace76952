"""The error body every answer uses, API and edge alike: `{code, message, payload, request_id}`."""

from __future__ import annotations

import uuid

from fastapi.responses import JSONResponse


def error_response(status: int, code: str, message: str, payload: object = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={
        "code": code, "message": message, "payload": payload, "request_id": uuid.uuid4().hex})
