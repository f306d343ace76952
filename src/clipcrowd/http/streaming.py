"""A download as a streamed HTTP response: sent piece by piece while the export reads on."""

from __future__ import annotations

from starlette.responses import StreamingResponse

from clipcrowd.export.downloads import Download


def streamed(download: Download) -> StreamingResponse:
    return StreamingResponse(download.body, media_type=download.media_type,
                             headers={"Content-Disposition": f'attachment; filename="{download.filename}"'})
