"""Loading a hooks module and the objects the legacy importer handed to it.

A hooks module is a ``.py`` path (loaded as ``hooks_module``, like the legacy ``imp.load_source``) or
a dotted module name. It must define ``register_camera`` and ``post_video_content``; ``set_hook_data``,
``assign_job_ids`` and ``register_jobs`` are optional. A Python 2 module fails with a message that
names the file and line. A ``post_video_content`` whose first parameter is ``host`` (the signature
the legacy template documents, which the real call never matched) is warned about at load time.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import logging
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from .errors import ConfigError
from .state import Shelf

log = logging.getLogger("clipcrowd.import")
REQUIRED = ("register_camera", "post_video_content")
OPTIONAL = ("set_hook_data", "assign_job_ids", "register_jobs")


def load(spec: str) -> ModuleType:
    """The hooks module named by ``spec``; ConfigError (exit 1) when it cannot serve as one."""
    path = Path(spec)
    try:
        if spec.endswith(".py") or path.exists():
            if not path.is_file():
                raise ConfigError(f"hooks module {spec}: no such file")
            loader = importlib.util.spec_from_file_location("hooks_module", str(path))
            if loader is None or loader.loader is None:
                raise ConfigError(f"hooks module {spec}: cannot be loaded")
            module = importlib.util.module_from_spec(loader)
            sys.modules["hooks_module"] = module
            loader.loader.exec_module(module)
        else:
            module = importlib.import_module(spec)
    except SyntaxError as exc:
        raise ConfigError(f"hooks module {exc.filename or spec} line {exc.lineno}: SyntaxError: {exc.msg} "
                          "(a Python 2 module? clipcrowd runs hooks on Python 3)") from None
    except ImportError as exc:
        raise ConfigError(f"hooks module {spec}: cannot import: {exc}") from None
    except ConfigError:
        raise
    except Exception as exc:  # the module's own top-level code failed: report it, no traceback
        raise ConfigError(f"hooks module {spec}: {type(exc).__name__} while loading: {exc}") from None
    missing = [name for name in REQUIRED if not callable(getattr(module, name, None))]
    if missing:
        raise ConfigError(f"hooks module {spec} does not define {', '.join(missing)}")
    try:
        params = list(inspect.signature(module.post_video_content).parameters)
    except (TypeError, ValueError):
        params = []
    if params[:1] == ["host"]:
        log.warning("hooks module %s: post_video_content starts with 'host'; it is called as "
                    "(camera_name, camera_id, filepath, timestamp, location=, host=, port=)", spec)
    return module


class Importer:
    """The ``importer`` object hooks receive: ``.args`` (legacy names), ``.cameras``, ``.module``, ``.db``."""

    def __init__(self, args: argparse.Namespace, module: Any, db: Shelf) -> None:
        self.args = args
        self.module = module
        self.db = db
        self.cameras: dict[str, dict[str, Any]] = {}
