"""Every failure leaves as `{code, message, payload}` with a 4xx for the client's mistakes."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from clipcrowd.domain.errors import ClipcrowdError
from clipcrowd.domain.models.base import field_path
from clipcrowd.domain.models.tasks import MANY, ONE
from clipcrowd.http.errors import error_response
from clipcrowd.http.security import allowed_methods

log = logging.getLogger("clipcrowd.api")

_SOURCES = ("body", "query", "path", "header", "cookie")
_HTTP_CODES = {401: "AUTHENTICATION_ERROR", 403: "ACCESS_DENIED", 404: "DOES_NOT_EXIST",
               405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE"}


def request_path(loc: Sequence[Any]) -> str:
    """`("body", "many", 1, "input_values", "text")` -> `[1].input_values.text`, the services' notation."""
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
        if parts and parts[0] in (ONE, MANY):  # which shape of a one-or-many body was tried
            parts = parts[1:]
    return field_path(parts)


def fault(error: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """One pydantic error as `(field path, {code, message})`."""
    loc = error.get("loc", ())
    if error.get("type") == "json_invalid":
        detail = (error.get("ctx") or {}).get("error", "invalid JSON")
        return "body", {"code": "INVALID", "message": f"malformed JSON: {detail}"}
    if error.get("type") == "missing" and tuple(loc) == ("body",):
        return "body", {"code": "INVALID", "message": "a JSON body is required"}
    return request_path(loc) or "request", {"code": "INVALID", "message": error.get("msg", "invalid")}


def known_error(exc: ClipcrowdError) -> JSONResponse:
    """The body of an error clipcrowd raised on purpose (the server installs the handler: pages answer
    their own errors as a page)."""
    return error_response(exc.status_code, exc.code, exc.message, exc.payload)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        faults = dict(fault(error) for error in exc.errors())
        message = "; ".join(f"{k}: {v['message']}" for k, v in faults.items())
        return error_response(400, "VALIDATION_ERROR", message, faults)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "BAD_REQUEST" if exc.status_code < 500 else "INTERNAL_ERROR")
        message = str(exc.detail) if exc.status_code != 404 else f"no such resource: {request.url.path}"
        response = error_response(exc.status_code, code, message)
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:
            given = (exc.headers or {}).get("Allow", "")
            allowed = set(allowed_methods(request)) | {m.strip() for m in given.split(",")}
            response.headers["Allow"] = ", ".join(sorted(m for m in allowed if m))
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "INTERNAL_ERROR", "internal error; the server log has the details")
