"""The Kili facade against the real SDK's signatures, recorded from kili 26.2.4 in
tests/data/kili_signatures.json (see its ``provenance`` and tests/data/kili/record_signatures.py)."""

from __future__ import annotations

import enum
import inspect
import json
from pathlib import Path
from typing import Any

import pytest

from clipcrowd.compat.kili import EXTRAS, Kili

TABLE = json.loads((Path(__file__).resolve().parents[1] / "data" / "kili_signatures.json").read_text())


def _default(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    return list(value) if isinstance(value, tuple) else value


def test_the_table_is_the_sdk_release_the_facade_follows() -> None:
    assert TABLE["provenance"]["package"] == "kili" and TABLE["provenance"]["version"] == "26.2.4"
    assert len(TABLE["methods"]["assets"]) > 50  # the real table, not a stub


@pytest.mark.parametrize("method", sorted(TABLE["methods"]))
def test_every_real_parameter_with_its_kind_order_and_default(method: str) -> None:
    real = TABLE["methods"][method]
    ours = [p for name, p in inspect.signature(getattr(Kili, method)).parameters.items() if name != "self"]
    extras = [p for p in ours if p.name in EXTRAS.get(method, ())]
    assert all(p.kind is p.KEYWORD_ONLY and p.default is not p.empty for p in extras)  # additions never shift
    ours = [p for p in ours if p not in extras]
    assert [p.name for p in ours] == [r["name"] for r in real]
    for p, r in zip(ours, real, strict=True):
        assert p.kind.name == r["kind"], p.name
        assert (p.default is not p.empty) == r["has_default"], p.name
        if r["has_default"]:
            assert _default(p.default) == r["default"], p.name
    assert not any(p.kind is p.VAR_KEYWORD for p in ours)  # nothing swallowed silently
