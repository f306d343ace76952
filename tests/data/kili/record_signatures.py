"""Record the real Kili SDK's method signatures as JSON (run in a virtualenv with the SDK installed).

    python3.11 -m venv /tmp/kili-venv && /tmp/kili-venv/bin/pip install kili==26.2.4
    /tmp/kili-venv/bin/python tests/data/kili/record_signatures.py > tests/data/kili_signatures.json

Each parameter: name, kind (``inspect.Parameter`` kind name), whether it has a default and the
default as JSON (enum members by their value; anything else JSON cannot hold by its ``repr``).
The methods are the ones clipcrowd's facade (``clipcrowd.compat.kili.Kili``) offers.
"""

from __future__ import annotations

import enum
import inspect
import json
import sys
from importlib.metadata import version
from typing import Any

METHODS = ("__init__", "create_project", "delete_project", "append_many_to_dataset", "assets", "count_assets",
           "update_properties_in_assets", "delete_many_from_dataset")


def default(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return {"repr": repr(value)}


def parameters(function: Any) -> list[dict[str, Any]]:
    rows = []
    for name, p in inspect.signature(function).parameters.items():
        if name == "self":
            continue
        row: dict[str, Any] = {"name": name, "kind": p.kind.name, "has_default": p.default is not p.empty}
        if p.default is not p.empty:
            row["default"] = default(p.default)
        rows.append(row)
    return rows


def main() -> None:
    from kili.client import Kili

    table = {
        "provenance": {
            "package": "kili", "version": version("kili"), "python": sys.version.split()[0],
            "how": "inspect.signature(kili.client.Kili.<method>) in a throwaway virtualenv "
                   "(pip install kili==26.2.4), by tests/data/kili/record_signatures.py",
        },
        "methods": {m: parameters(getattr(Kili, m)) for m in METHODS},
    }
    json.dump(table, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
