"""Where an asset's files live in Storage: everything of a project under one folder.

``projects/<project>/uploads/<sha256><ext>``  files sent through the API (content-addressed, shared
by the project's assets); ``projects/<project>/assets/<asset>/...`` what processing writes. Deleting
a project is one ``delete_prefix``; failing an asset is one ``delete_prefix`` of its folder.
"""

from __future__ import annotations

from clipcrowd.domain.ids import format_id


def project_prefix(project_id: int) -> str:
    return f"projects/{format_id(project_id)}"


def uploads_prefix(project_id: int) -> str:
    return f"{project_prefix(project_id)}/uploads"


def asset_prefix(project_id: int, asset_id: int) -> str:
    return f"{project_prefix(project_id)}/assets/{format_id(asset_id)}"


def asset_key(project_id: int, asset_id: int, name: str) -> str:
    return f"{asset_prefix(project_id, asset_id)}/{name}"


def frame_name(index: int) -> str:
    return f"frames/{index:06d}.jpg"
