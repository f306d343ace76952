"""Errors every layer raises and the API turns into `{code, message, payload}` bodies.

Codes follow the requester dialect so that clients map them to their own exception types.
"""

from __future__ import annotations

from typing import Any


class ClipcrowdError(Exception):
    """Base of all expected errors: each carries an HTTP status, a code and a message."""

    status_code = 400
    code = "BAD_REQUEST"

    def __init__(self, message: str, payload: dict[str, Any] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.payload = payload
        if code is not None:
            self.code = code

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "payload": self.payload}


class ValidationFailed(ClipcrowdError):
    """Bad input. `payload` maps each faulty field (a dotted path) to `{code, message}`."""

    status_code = 400
    code = "VALIDATION_ERROR"

    @classmethod
    def field(cls, path: str, message: str, code: str = "INVALID") -> ValidationFailed:
        return cls(f"{path}: {message}", {path: {"code": code, "message": message}})

    @classmethod
    def fields(cls, faults: dict[str, str]) -> ValidationFailed:
        text = "; ".join(f"{path}: {msg}" for path, msg in faults.items())
        return cls(text, {path: {"code": "INVALID", "message": msg} for path, msg in faults.items()})


class NotSupported(ValidationFailed):
    """A setting clipcrowd refuses because it cannot honour it (not a fault in one item's data): refused
    at once, also for a batch that would otherwise be answered by an operation."""


class NotFound(ClipcrowdError):
    status_code = 404
    code = "DOES_NOT_EXIST"


class AuthenticationFailed(ClipcrowdError):
    status_code = 401
    code = "AUTHENTICATION_ERROR"


class AccessDenied(ClipcrowdError):
    status_code = 403
    code = "ACCESS_DENIED"


class ConflictState(ClipcrowdError):
    """The object exists but is in a state that forbids the action (e.g. tasks for an archived pool)."""

    status_code = 409
    code = "CONFLICT_STATE"


class PayloadTooLarge(ClipcrowdError):
    status_code = 413
    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMedia(ClipcrowdError):
    status_code = 415
    code = "UNSUPPORTED_MEDIA"
