"""Export jobs: what a client sends to have a pool's results written as a file."""

from __future__ import annotations

from typing import Literal

from clipcrowd.domain.models.base import Incoming


class ExportCreate(Incoming):
    """`POST /api/v1/pools/{id}/exports`: the file's format (as the streamed `results.<format>`)."""

    format: Literal["csv", "json", "jsonl", "parquet"]
