"""The requester dialect's app marketplace (`/api/app/v0`: app projects, batches, items), which
clipcrowd does not offer: every call is refused with one clear 400 instead of a bare 404."""

from __future__ import annotations

from typing import Any

from clipcrowd.api.routing import Router
from clipcrowd.domain.errors import ClipcrowdError

router = Router(tags=["apps"])


class AppsNotSupported(ClipcrowdError):
    status_code = 400
    code = "NOT_SUPPORTED"


@router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def refuse(path: str) -> Any:
    raise AppsNotSupported(
        "the app marketplace (/api/app/v0: app projects, batches, items) is not supported by clipcrowd: "
        "create a project, pools and tasks instead", {"path": f"/api/app/v0/{path}"})
