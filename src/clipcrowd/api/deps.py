"""Dependencies that API routes declare by type: the database, the settings, the caller.

They live in `clipcrowd.http` (the pages use them too); this module is the API's one import line.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request

from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.http.deps import (
    DbDep,
    Requester,
    SettingsDep,
    Viewer,
    WorkerId,
    get_principal,
    object_id,
)


async def json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        raise ValidationFailed.field("body", "a JSON body is required")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        if isinstance(exc, json.JSONDecodeError):
            detail = f"{exc.msg} at line {exc.lineno} column {exc.colno}"
        else:
            detail = str(exc)
        raise ValidationFailed.field("body", f"malformed JSON: {detail}") from None


JsonBody = Annotated[Any, Depends(json_body)]
__all__ = ["DbDep", "JsonBody", "Requester", "SettingsDep", "Viewer", "WorkerId", "get_principal", "object_id"]
