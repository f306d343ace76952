"""Is an uploaded file what the task's file field accepts? Decoded, not guessed from its name.

A worker's upload is checked before it is stored: the kinds the task interface accepts come from
its `field.media-file` components (`accept: {video, photo, gallery, audio, fileSystem}`), and a
declared `Content-Type` of `video/*`, `audio/*` or `image/*` must be true as well. The proof is
:func:`clipcrowd.media.probe` (headers plus one demux pass and one decoded video frame) and, for
audio, one decoded audio frame. A text file renamed `clip.mp4` fails with a message that says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import av

from clipcrowd.domain.errors import UnsupportedMedia
from clipcrowd.media import MediaError, probe

KINDS = ("video", "audio", "image")
IMAGE_CODECS = {"png", "mjpeg", "jpeg2000", "webp", "gif", "bmp", "tiff", "apng"}
_FLAG_KINDS = {"video": "video", "photo": "image", "gallery": "image", "audio": "audio"}


def accepted_kinds(view_spec: Any) -> set[str] | None:
    """Media kinds the interface's file fields accept; None when any file will do.

    None when there is no template-builder config, no `field.media-file`, or a field that
    accepts files from the file system without naming a kind.
    """
    if not isinstance(view_spec, Mapping):
        return None
    raw = view_spec.get("config")
    try:
        config = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        return None
    fields = list(_media_fields(config))
    if not fields:
        return None
    kinds: set[str] = set()
    for node in fields:
        accept = node.get("accept")
        if not isinstance(accept, Mapping):
            return None
        named = {_FLAG_KINDS[k] for k, v in accept.items() if v and k in _FLAG_KINDS}
        if not named:
            return None
        kinds |= named
    return kinds


def _media_fields(node: Any) -> Iterable[Mapping[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _media_fields(item)
    elif isinstance(node, Mapping):
        if node.get("type") == "field.media-file":
            yield node
        for value in node.values():
            yield from _media_fields(value)


def declared_kind(media_type: str) -> str | None:
    major = media_type.split("/", 1)[0].strip().lower()
    return major if major in KINDS else None


def _found_kind(path: Path) -> set[str]:
    """The kinds this file really is (empty when it decodes as none of them)."""
    info = probe(path)
    found: set[str] = set()
    if info.video is not None:
        found.add("image" if info.video.codec in IMAGE_CODECS and info.video.frame_count <= 1 else "video")
        if info.video.codec in IMAGE_CODECS:
            found.add("image")
    if info.audio and _audio_decodes(path):
        found.add("audio")
    return found


def _audio_decodes(path: Path) -> bool:
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            for _frame in container.decode(audio=0):
                return True
    except (av.FFmpegError, IndexError):
        return False
    return False


def check(path: Path, *, name: str, media_type: str, accepts: set[str] | None) -> None:
    """Raise :class:`UnsupportedMedia` naming the file unless it decodes as a kind that is wanted."""
    wanted = set(accepts) if accepts is not None else set()
    claimed = declared_kind(media_type)
    if claimed is not None:
        wanted = {claimed} if accepts is None or claimed in accepts else wanted
    if not wanted:
        return
    label = " or ".join(sorted(wanted))
    try:
        found = _found_kind(path)
    except MediaError as exc:
        reason = str(exc).split(": ", 1)[-1]
        raise UnsupportedMedia(f"{name!r} is not a {label} file this server can decode ({reason})",
                               {"file": {"code": "NOT_DECODABLE", "message": reason}}) from None
    if not found & wanted:
        what = " and ".join(sorted(found)) or "nothing playable"
        raise UnsupportedMedia(f"{name!r} holds {what}, but this task wants a {label} file",
                               {"file": {"code": "WRONG_KIND", "message": f"expected {label}"}})
