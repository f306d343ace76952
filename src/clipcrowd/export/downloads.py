"""Which download a route serves: format name -> media type and the stream of its bytes.

The pool is looked up before the first byte (an unknown pool is a 404, not a broken stream); the
answers are read while the response is sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.export import parquet, pool_answers, text, toloka_tsv
from clipcrowd.store.db import Database

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json",
               "jsonl": "application/x-ndjson", "parquet": "application/vnd.apache.parquet"}


@dataclass(frozen=True)
class Download:
    media_type: str
    filename: str
    body: Iterator[bytes]


def pool_results(db: Database, pool_id: int, fmt: str) -> Download:
    """The desk's results of a pool as `csv`, `json` (an array), `jsonl` or `parquet`."""
    if fmt not in MEDIA_TYPES:
        raise ValidationFailed.field("format", f"unknown format {fmt!r}; one of {sorted(MEDIA_TYPES)}")
    shape = pool_answers.shape(db, pool_id)
    chunks = pool_answers.chunks(db, shape)
    if fmt == "csv":
        body = text.results_csv(shape, chunks)
    elif fmt == "json":
        body = text.results_json(chunks)
    elif fmt == "jsonl":
        body = text.results_jsonl(chunks)
    else:
        body = parquet.results_parquet(shape, chunks)
    return Download(MEDIA_TYPES[fmt], f"pool-{pool_id}.{fmt}", body)


def assignments_tsv(db: Database, pool_id: int, query: Mapping[str, str], base_url: str) -> Download:
    """toloka-kit's `get_assignments_df` download (see `export.toloka_tsv`)."""
    request = toloka_tsv.parse(query)
    shape = pool_answers.shape(db, pool_id)
    chunks = pool_answers.chunks(db, shape, request.selection, times=toloka_tsv.times(request))
    return Download("text/tab-separated-values; charset=utf-8", f"pool-{pool_id}-assignments.tsv",
                    toloka_tsv.tsv(shape, request, chunks, base_url.rstrip("/")))
