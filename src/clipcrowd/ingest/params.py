"""One import item checked at request time, and its processing parameters filled from the probe.

What can be known before any byte is fetched is refused at once, per item, with the path of the
fault (``assets[2].json_metadata.processingParameters.framesPlayedPerSecond``); what needs the media
(a rate above the native one, a broken file) is found by the worker and recorded on the asset.
Kili's ``processingParameters`` are kept as given; only the missing ones are filled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.media import BadFrameRateError, VideoInfo
from clipcrowd.media.rate import check_rate, frames_at, is_native_rate

from . import defaults
from .fetch import is_url

PARAMS = "processingParameters"
UPLOAD_PREFIX = "upload:"
_BOOLS = ("shouldUseNativeVideo", "shouldKeepNativeFrameRate")


@dataclass(frozen=True)
class Item:
    """An import item that passed the request-time checks."""

    external_id: str
    kind: str  # VIDEO | FRAME | IMAGE | AUDIO
    source: dict[str, Any]
    json_metadata: dict[str, Any]


def _ref(value: Any, where: str, upload_exists: Callable[[str], bool]) -> dict[str, str]:
    """A source reference: an http(s) URL or an ``upload:<name>`` returned by the upload route."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed.field(where, "must be an http(s) URL or an uploaded file reference")
    if is_url(value):
        return {"url": value}
    if value.startswith(UPLOAD_PREFIX):
        name = value[len(UPLOAD_PREFIX):]
        if not name or name.startswith("/") or ".." in name or not upload_exists(name):
            raise ValidationFailed.field(where, f"{value!r} is not a file uploaded to this project", "DOES_NOT_EXIST")
        return {"upload": name}
    raise ValidationFailed.field(
        where, f"{value!r} is neither an http(s) URL nor an uploaded file (upload local files first)")


def check_parameters(meta: Mapping[str, Any], where: str) -> None:
    params = meta.get(PARAMS)
    if params is None:
        return
    if not isinstance(params, Mapping):
        raise ValidationFailed.field(f"{where}.{PARAMS}", "must be an object")
    for flag in _BOOLS:
        if flag in params and not isinstance(params[flag], bool):
            raise ValidationFailed.field(f"{where}.{PARAMS}.{flag}", "must be true or false")
    if "framesPlayedPerSecond" in params:
        fps = params["framesPlayedPerSecond"]
        at = f"{where}.{PARAMS}.framesPlayedPerSecond"
        if isinstance(fps, bool) or not isinstance(fps, (int, float)):
            raise ValidationFailed.field(at, f"must be a number, got {fps!r}")
        try:
            check_rate(fps, native=None, average=None)  # what can be known before the video is probed
        except BadFrameRateError as exc:
            raise ValidationFailed.field(at, str(exc)) from None


def played_rate_for(params: Mapping[str, Any], native: Fraction | None, average: Fraction | None) -> Fraction | None:
    """The rate frames are labelled at: None for the native rate, else the checked custom rate.

    The one reading of ``framesPlayedPerSecond`` / ``shouldKeepNativeFrameRate`` for import and
    metadata updates alike; the rule itself is :mod:`clipcrowd.media.rate`'s.
    """
    fps = params.get("framesPlayedPerSecond")
    if fps is None or params.get("shouldKeepNativeFrameRate") is True:
        return None
    rate = check_rate(fps, native=native, average=average)
    return None if is_native_rate(rate, native=native, average=average) else rate


def check_item(raw: Any, index: int, input_type: str, upload_exists: Callable[[str], bool]) -> Item:
    """Validate one item of an import call (``{external_id, content | json_content, json_metadata}``)."""
    at = f"assets[{index}]"
    if not isinstance(raw, Mapping):
        raise ValidationFailed.field(at, "must be an object")
    external_id = raw.get("external_id")
    if not isinstance(external_id, str) or not external_id.strip() or len(external_id) > 500:
        raise ValidationFailed.field(f"{at}.external_id", "is required: a non-empty string of at most 500 characters")
    meta = raw.get("json_metadata") or {}
    if not isinstance(meta, Mapping):
        raise ValidationFailed.field(f"{at}.json_metadata", "must be an object")
    check_parameters(meta, f"{at}.json_metadata")
    content, listed = raw.get("content"), raw.get("json_content")
    if (content is None) == (listed is None):
        raise ValidationFailed.field(at, "give exactly one of content (a file or URL) and json_content (images)")
    if content is not None:
        source: dict[str, Any] = _ref(content, f"{at}.content", upload_exists)
    else:
        if input_type not in ("VIDEO", "FRAME"):
            raise ValidationFailed.field(f"{at}.json_content",
                                         f"an image list makes a video; this project takes {input_type}")
        if not isinstance(listed, list) or not listed:
            raise ValidationFailed.field(f"{at}.json_content", "must be a non-empty list of image URLs or uploads")
        if len(listed) > defaults.MAX_SPLIT_FRAMES:
            raise ValidationFailed.field(f"{at}.json_content", f"at most {defaults.MAX_SPLIT_FRAMES} images")
        source = {"images": [_ref(v, f"{at}.json_content[{i}]", upload_exists) for i, v in enumerate(listed)]}
    params = meta.get(PARAMS) or {}
    kind = input_type
    if input_type in ("VIDEO", "FRAME"):
        native = params.get("shouldUseNativeVideo", input_type == "VIDEO")
        kind = "VIDEO" if native else "FRAME"
    return Item(external_id=external_id, kind=kind, source=source, json_metadata=dict(meta))


def played_rate(params: Mapping[str, Any], info: VideoInfo) -> Fraction | None:
    return played_rate_for(params, info.native_rate, info.average_rate)


def played_frames(info: VideoInfo, rate: Fraction | None) -> int:
    return frames_at(rate, duration=info.duration, frame_count=info.frame_count)


def fill(params: Mapping[str, Any], info: VideoInfo, frame_count: int, kind: str) -> dict[str, Any]:
    """``params`` with every missing processing parameter taken from the probe."""
    rate = played_rate(params, info)
    native = info.average_rate or info.native_rate or Fraction(0)
    filled: dict[str, Any] = {
        "shouldUseNativeVideo": kind == "VIDEO",
        "shouldKeepNativeFrameRate": rate is None,
        "framesPlayedPerSecond": float(rate if rate is not None else native),
        "numberOfFrames": frame_count,
        "startTime": float(info.first_time),
        "delayDueToMinPts": float(info.first_time),
        "codec": info.codec,
    }
    return {**filled, **params}
