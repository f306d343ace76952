"""The media type and disposition a stored file is served with, decided by clipcrowd, never by the uploader.

An upload's declared `Content-Type` is a claim, not a fact: a page declared as video would run
its script in the desk's origin if it were served back as `text/html`. So the type is found by
decoding the file (PyAV), and a browser may show a file inline only when that type is on
`INLINE_TYPES` (plain audio, video and raster images; never HTML, SVG or anything scriptable).
Everything else goes out as `application/octet-stream` with `Content-Disposition: attachment`;
`X-Content-Type-Options: nosniff` on every answer (http/security.py) stops the browser guessing.
"""

from __future__ import annotations

from pathlib import Path

from clipcrowd.media import MediaError, probe

OCTET_STREAM = "application/octet-stream"
INLINE_TYPES = frozenset({
    "video/mp4", "video/webm", "video/ogg", "video/quicktime",
    "audio/mp4", "audio/mpeg", "audio/wav", "audio/ogg", "audio/webm", "audio/flac", "audio/aac",
    "image/png", "image/jpeg", "image/gif", "image/webp",
})
# FFmpeg demuxer names (a probe's `format_name` lists aliases, comma-separated) to (video, audio-only) types
_CONTAINERS = {
    "mov": ("video/mp4", "audio/mp4"), "mp4": ("video/mp4", "audio/mp4"),
    "matroska": ("video/webm", "audio/webm"), "webm": ("video/webm", "audio/webm"),
    "ogg": ("video/ogg", "audio/ogg"), "wav": (None, "audio/wav"), "mp3": (None, "audio/mpeg"),
    "flac": (None, "audio/flac"), "aac": (None, "audio/aac"),
}
_IMAGE_CODECS = {"png": "image/png", "apng": "image/png", "mjpeg": "image/jpeg", "gif": "image/gif",
                 "webp": "image/webp"}


def detect(path: Path) -> str:
    """The type this file decodes as; `application/octet-stream` when it is no media we serve inline."""
    try:
        info = probe(path)
    except (MediaError, OSError):
        return OCTET_STREAM
    if info.video is not None and info.video.codec in _IMAGE_CODECS and info.video.frame_count <= 1:
        return _IMAGE_CODECS[info.video.codec]
    for name in info.format_name.split(","):
        video_type, audio_type = _CONTAINERS.get(name.strip(), (None, None))
        if info.video is not None and video_type:
            return video_type
        if info.video is None and info.audio and audio_type:
            return audio_type
    if info.video is not None and info.video.codec in _IMAGE_CODECS:
        return _IMAGE_CODECS[info.video.codec]
    return OCTET_STREAM


def served_type(media_type: str | None) -> str:
    """What to put in `Content-Type`: a stored type only when it is safe to show inline."""
    clean = (media_type or "").split(";")[0].strip().lower()
    return clean if clean in INLINE_TYPES else OCTET_STREAM


def disposition(media_type: str | None) -> str:
    return "inline" if served_type(media_type) != OCTET_STREAM else "attachment"
