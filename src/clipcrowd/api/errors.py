"""Every failure leaves as `{code, message, payload}` with a 4xx for the client's mistakes."""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from clipcrowd.domain.errors import ClipcrowdError

log = logging.getLogger("clipcrowd.api")

_HTTP_CODES = {401: "AUTHENTICATION_ERROR", 403: "ACCESS_DENIED", 404: "DOES_NOT_EXIST",
               405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE"}


def error_response(status: int, code: str, message: str, payload: object = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={
        "code": code, "message": message, "payload": payload, "request_id": uuid.uuid4().hex})


def install(app: FastAPI) -> None:
    @app.exception_handler(ClipcrowdError)
    async def _known(_request: Request, exc: ClipcrowdError) -> JSONResponse:
        return error_response(exc.status_code, exc.code, exc.message, exc.payload)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        faults = {}
        for error in exc.errors():
            path = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
            faults[path or "request"] = {"code": "INVALID", "message": error.get("msg", "invalid")}
        message = "; ".join(f"{k}: {v['message']}" for k, v in faults.items())
        return error_response(400, "VALIDATION_ERROR", message, faults)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "BAD_REQUEST" if exc.status_code < 500 else "INTERNAL_ERROR")
        message = str(exc.detail) if exc.status_code != 404 else f"no such resource: {request.url.path}"
        response = error_response(exc.status_code, code, message)
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:
            from clipcrowd.api.security import allowed_methods

            given = (exc.headers or {}).get("Allow", "")
            allowed = set(allowed_methods(request)) | {m.strip() for m in given.split(",")}
            response.headers["Allow"] = ", ".join(sorted(m for m in allowed if m))
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "INTERNAL_ERROR", "internal error; the server log has the details")
