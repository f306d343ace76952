"""Opening media safely: turn FFmpeg's terse failures into :mod:`~clipcrowd.media.errors` that name the cause.

FFmpeg says "Invalid data found when processing input" for a text file and for an MP4 cut in half
alike. We tell them apart by the first bytes: a file that starts like a known container but cannot
be opened was truncated; anything else was never media.
"""

from __future__ import annotations

import os
from pathlib import Path

import av
import av.container

from .errors import EmptyFileError, MediaError, NotDecodableError, TruncatedFileError

PathLike = str | os.PathLike[str]


def _looks_like_media(head: bytes) -> bool:
    """True when ``head`` starts like a container FFmpeg reads (MP4/MOV, Matroska/WebM, AVI/WAV, TS...)."""
    return (
        head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")
        or head.startswith((b"\x1a\x45\xdf\xa3", b"RIFF", b"OggS", b"fLaC", b"ID3", b"FLV", b"YUV4MPEG2"))
        or (len(head) > 188 and head[0] == 0x47 and head[188] == 0x47)
    )


def check_file(path: PathLike) -> Path:
    """The path as ``Path`` after checking it exists and is not empty."""
    p = Path(path)
    if not p.is_file():
        raise MediaError(f"{p}: no such file")
    if p.stat().st_size == 0:
        raise EmptyFileError(f"{p}: the file is empty (0 bytes)")
    return p


def open_input(path: PathLike) -> av.container.InputContainer:
    """Open ``path`` for reading, raising a specific :class:`MediaError` instead of ``av.FFmpegError``."""
    p = check_file(path)
    try:
        return av.open(str(p), mode="r", metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise classify(p, exc) from exc


def classify(path: Path, exc: Exception) -> MediaError:
    """The :class:`MediaError` that explains ``exc`` raised while reading ``path``."""
    with path.open("rb") as fh:
        head = fh.read(512)
    if _looks_like_media(head):
        return TruncatedFileError(f"{path}: the file looks like media but is truncated or damaged ({exc})")
    return NotDecodableError(f"{path}: not a media file FFmpeg can decode ({exc})")
