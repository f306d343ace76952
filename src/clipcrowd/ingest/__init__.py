"""clipcrowd.ingest: assets into a project, from uploads, URLs and image lists, processed by jobs.

- :mod:`.interface` turns a Kili-style JSON interface into a clipcrowd task spec;
- :mod:`.params` checks import items at request time and fills processing parameters from the probe;
- :mod:`.fetch` downloads URLs with a size cap, a timeout and a redirect limit;
- :mod:`.process` is the work of an ``asset.process`` job (probe, frame table, cover, proxy, frame
  split) with nothing half-written left on failure; the job kind itself is registered with
  :mod:`clipcrowd.jobs` by :mod:`clipcrowd.services.asset_import`;
- :mod:`.layout` says where each file lives in Storage.

Depends on :mod:`clipcrowd.media` and :mod:`clipcrowd.store`; never on services or the API.
"""

from __future__ import annotations

from .interface import ASSET_FIELD, INPUT_TYPES, check_input_type, project_from_interface
from .params import PARAMS, UPLOAD_PREFIX, Item, check_item
from .process import KIND as PROCESS_KIND
from .process import run_job as process_asset

__all__ = [
    "ASSET_FIELD",
    "INPUT_TYPES",
    "PARAMS",
    "PROCESS_KIND",
    "UPLOAD_PREFIX",
    "Item",
    "check_input_type",
    "check_item",
    "process_asset",
    "project_from_interface",
]
