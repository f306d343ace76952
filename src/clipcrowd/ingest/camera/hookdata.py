"""Hook data: JSON given inline (``-d``) and/or in a file (``-f``), global values with per-camera overrides.

The inline JSON is laid over the file's. ``cameras`` is merged camera by camera (an inline
``{"cameras": {"c1": {...}}}`` no longer wipes the file's other cameras); ``legacy_merge``
restores the legacy importer's shallow ``dict.update``. A setting resolves as
``cameras[name][key]``, then the top-level ``key``, then the built-in default, and it counts as set
when it is *present* (0 and "" are values, not gaps). Values are checked once, before any file
is touched: a bad value stops the run (exit 1), a camera the folder does not have is a warning.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .clock import zone
from .errors import ConfigError

log = logging.getLogger("clipcrowd.import")

PLANS = ("basic", "plus", "pro")
SIZES = ("img_x_size", "img_y_size", "img_x_size_cover", "img_y_size_cover", "img_y_size_extraction",
         "img_x_size_extraction")
MAX_SIZE = 8192
#: Built-in defaults: covers 320 px wide, the height following the aspect ratio.
DEFAULTS: dict[str, Any] = {"plan": "basic", "img_x_size_cover": 320}


def _parse(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: hook data must be a JSON object")
    return data


def load(inline: str | None, file: Path | None, *, legacy_merge: bool = False) -> dict[str, Any]:
    """The merged hook data (without the logger the hooks also get)."""
    data: dict[str, Any] = {}
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read --hook_data_json_file {file}: {exc}") from None
        data = _parse(text, str(file))
    if inline is not None:
        over = _parse(inline, "--hook_data_json")
        if legacy_merge or not isinstance(data.get("cameras"), dict) or not isinstance(over.get("cameras"), dict):
            data.update(over)
        else:
            cameras = {k: dict(v) if isinstance(v, dict) else v for k, v in data["cameras"].items()}
            for name, values in over["cameras"].items():
                if isinstance(values, dict) and isinstance(cameras.get(name), dict):
                    cameras[name].update(values)
                else:
                    cameras[name] = values
            data.update({k: v for k, v in over.items() if k != "cameras"}, cameras=cameras)
    validate(data)
    return data


def check_values(values: Mapping[str, Any], where: str = "") -> None:
    """Refuse (ConfigError) a bad plan, size, fps, shard size or zone among ``values``."""
    for key in SIZES:
        if key in values:
            v = values[key]
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_SIZE:
                raise ConfigError(f"hook data {where}{key}: must be an integer in 1..{MAX_SIZE}, got {v!r}")
    if "plan" in values:
        v = values["plan"]
        if not isinstance(v, str) or v.lower() not in PLANS:
            raise ConfigError(f"hook data {where}plan: must be one of {', '.join(PLANS)}, got {v!r}")
    if "fps" in values:
        v = values["fps"]
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v <= 1000:
            raise ConfigError(f"hook data {where}fps: must be a number in (0, 1000], got {v!r}")
    if "shard_size" in values:
        v = values["shard_size"]
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 2048:
            raise ConfigError(f"hook data {where}shard_size: must be an integer in 1..2048, got {v!r}")
    if "tz" in values:
        if not isinstance(values["tz"], str):
            raise ConfigError(f"hook data {where}tz: must be a time zone name")
        zone(values["tz"])


def validate(data: Mapping[str, Any]) -> None:
    check_values(data, "")
    cameras = data.get("cameras", {})
    if not isinstance(cameras, dict):
        raise ConfigError("hook data cameras: must be an object {camera name: settings}")
    for name, values in cameras.items():
        if not isinstance(values, dict):
            raise ConfigError(f"hook data cameras.{name}: must be an object")
        check_values(values, f"cameras.{name}.")


def setting(data: Mapping[str, Any], camera: str, key: str) -> Any:
    """``key`` for ``camera``: its own value, else the global one, else the default (present = set)."""
    own = data.get("cameras", {}).get(camera, {})
    if key in own:
        return own[key]
    if key in data:
        return data[key]
    return DEFAULTS.get(key)


def camera_config(data: Mapping[str, Any], camera: str) -> dict[str, Any]:
    """The settings one camera gets: plan, sizes (extraction never below what is asked), fps, tz."""
    out = {k: setting(data, camera, k) for k in (*SIZES, "plan", "fps", "tz")}
    out = {k: v for k, v in out.items() if v is not None}
    if isinstance(out.get("plan"), str):
        out["plan"] = out["plan"].lower()
    asked = [out[k] for k in ("img_y_size", "img_y_size_cover") if k in out]
    if "img_y_size_extraction" in out and asked and max(asked) > out["img_y_size_extraction"]:
        log.warning("camera %s: img_y_size_extraction %s is below the sizes asked for; raised to %s",
                    camera, out["img_y_size_extraction"], max(asked))
        out["img_y_size_extraction"] = max(asked)
    out["name"] = camera
    return out


def unknown_cameras(data: Mapping[str, Any], seen: set[str]) -> list[str]:
    """Cameras named in the hook data that the folder does not have (each is logged as a warning)."""
    missing = sorted(set(data.get("cameras", {})) - seen)
    for name in missing:
        log.warning("hook data names camera %r, which no file in the folder has", name)
    return missing
