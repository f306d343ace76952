"""Camera and time from a file's path, by a regular expression with named groups.

Groups: ``camera`` (required; alias ``camera_name``), ``epoch`` (alias ``timestamp``), ``datetime``,
``lat`` and ``lng``. The expression runs with ``re.match`` against the absolute path with ``/``
separators, then against the native path, then with ``\\`` separators, so expressions written for
Unix (``.*/(?P<camera>...)``) and for Windows (``.*[\\\\](?P<camera>...)``) both keep working.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass

from .errors import ConfigError

#: The legacy importer's default expression.
DEFAULT_REGEX = r".*/(?P<camera>\w+?)\-.*\-(?P<epoch>\d+)\.mp4"
ALIASES = {"camera_name": "camera", "timestamp": "epoch"}
KNOWN = ("camera", "epoch", "datetime", "lat", "lng")


@dataclass(frozen=True)
class NameFacts:
    """What a file name says: camera (with suffix), raw time text, coordinates, and which form matched."""

    camera: str
    epoch: str | None
    datetime: str | None
    lat: float | None
    lng: float | None
    form: str


def printable(text: str) -> str:
    """``text`` with undecodable bytes of a non-UTF-8 file name shown as ``\\xNN`` (storable, sendable)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def local_camera_id(name: str) -> str:
    """A camera's stable id on this machine: sha1 of its UTF-8 name (the legacy hooks compute the same)."""
    return hashlib.sha1(name.encode("utf-8", "surrogateescape")).hexdigest()


class NamePattern:
    """A compiled, checked expression plus the camera-name suffix."""

    def __init__(self, regex: str, suffix: str = "") -> None:
        try:
            self.regex = re.compile(regex)
        except re.error as exc:
            raise ConfigError(f"--regex {regex!r} is not a valid regular expression: {exc}") from None
        groups = {ALIASES.get(g, g) for g in self.regex.groupindex}
        if "camera" not in groups:
            raise ConfigError(f"--regex {regex!r} has no (?P<camera>...) group (or camera_name)")
        self.has_time = bool(groups & {"epoch", "datetime"})
        self.suffix = suffix

    def _group(self, match: re.Match[str], name: str) -> str | None:
        for key in (name, *(a for a, c in ALIASES.items() if c == name)):
            if key in self.regex.groupindex and match.group(key):
                return match.group(key)
        return None

    def match(self, path: str) -> NameFacts | None:
        """The facts of ``path`` (absolute, as walked), or None when no form matches or camera is empty."""
        forms = (("posix", path.replace(os.sep, "/").replace("\\", "/")), ("native", path),
                 ("windows", path.replace("/", "\\")))
        for form, text in forms:
            found = self.regex.match(text)
            if found is None:
                continue
            camera = self._group(found, "camera")
            if not camera:
                return None
            lat, lng = self._group(found, "lat"), self._group(found, "lng")
            try:
                coords = (float(lat) if lat else None, float(lng) if lng else None)
            except ValueError:
                coords = (None, None)
            return NameFacts(printable(camera) + self.suffix, self._group(found, "epoch"),
                             self._group(found, "datetime"), coords[0], coords[1], form)
        return None
