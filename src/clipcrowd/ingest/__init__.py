"""clipcrowd.ingest: assets into a project, from uploads, URLs and image lists, processed by jobs.

- :mod:`.params` checks import items at request time and fills processing parameters from the probe;
- :mod:`.fetch` downloads URLs with a size cap, a timeout and a redirect limit;
- :mod:`.process` is the work of an ``asset.process`` job (probe, frame table, cover, proxy, frame
  split) with nothing half-written left on failure; the job kind itself is registered with
  :mod:`clipcrowd.jobs` by :mod:`clipcrowd.services.asset_import`;
- :mod:`.layout` says where each file lives in Storage.

Depends on :mod:`clipcrowd.media` and :mod:`clipcrowd.store`; never on services or the API.
"""

from __future__ import annotations

from .params import PARAMS, UPLOAD_PREFIX, Item, check_item
from .process import KIND as PROCESS_KIND
from .process import run_job as process_asset

__all__ = [
    "PARAMS",
    "PROCESS_KIND",
    "UPLOAD_PREFIX",
    "Item",
    "check_item",
    "process_asset",
]
