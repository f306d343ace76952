"""Dependencies that API routes declare by type: the database, the settings, the caller.

They live in `clipcrowd.http` (the pages use them too); this module is the API's one import line.
Bodies are declared as models of `clipcrowd.domain.models`, never as untyped JSON.
"""

from __future__ import annotations

from clipcrowd.http.deps import (
    DbDep,
    Requester,
    SettingsDep,
    Viewer,
    WorkerCaller,
    WorkerId,
    get_principal,
    object_id,
)

__all__ = ["DbDep", "Requester", "SettingsDep", "Viewer", "WorkerCaller", "WorkerId", "get_principal", "object_id"]
