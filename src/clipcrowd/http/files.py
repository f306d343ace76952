"""A stored file as an HTTP answer: from the local disk with Range support, else streamed from storage.

The type is the one clipcrowd detected when it stored the file; only plain media on the allow-list of
`services.served_types` is shown inline, everything else is a download (`nosniff` is on every answer).
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import FileResponse, StreamingResponse
from starlette.responses import Response

from clipcrowd.services import served_types

CHUNK = 1 << 20


def stored_file(source: Any, media_type: str) -> Response:
    """`source` is a local path (str or Path) or an open binary file from storage."""
    served = served_types.served_type(media_type)
    headers = {} if served_types.disposition(media_type) == "inline" else {"Content-Disposition": "attachment"}
    if isinstance(source, str) or hasattr(source, "is_file"):
        return FileResponse(source, media_type=served, headers=headers)  # answers Range requests (206)
    return StreamingResponse(iter(lambda: source.read(CHUNK), b""), media_type=served, headers=headers)
