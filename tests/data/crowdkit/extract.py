"""Write the toy data sets and expected outputs of crowd-kit's classification tests as plain files.

    python tests/data/crowdkit/extract.py /path/to/crowd-kit-checkout

Reads ``tests/conftest.py``, ``tests/aggregation/data_{mv,wawa,gold_mv,zbs,mmsr}.py`` and the
step-by-step fixtures of ``tests/aggregation/test_ds_aggregation.py`` of a crowd-kit checkout,
calls each fixture function and writes its value: ``<name>.csv`` (index columns first) and an entry
in ``manifest.json`` saying how to read it back (``series`` or ``frame``, index columns, value
name, column-index name). Only values are kept: no crowd-kit code is copied.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
FILES = ("tests/conftest.py", "tests/aggregation/data_mv.py", "tests/aggregation/data_wawa.py",
         "tests/aggregation/data_gold_mv.py", "tests/aggregation/data_zbs.py", "tests/aggregation/data_mmsr.py",
         "tests/aggregation/test_ds_aggregation.py")
SKIP = ("not_random", "simple_text_df", "simple_text_true_embeddings")


def fixtures(checkout: Path) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for relative in FILES:
        source = (checkout / relative).read_text()
        if relative.endswith("test_ds_aggregation.py"):  # only its module-level helpers and fixtures
            source = source.split("class TestWorkerInitError")[0] + "\n" + source[source.index("def _make_probas"):]
            source = source[: source.index("@pytest.mark.parametrize(\"n_iter\", [0, 1])")]
        namespace: dict[str, Any] = {"__name__": "fixtures"}
        source = source.replace("from crowdkit.aggregation import", "from typing import Any as _unused  #")
        source = "\n".join(line for line in source.splitlines() if not line.startswith("from .data_"))
        exec(compile(source.replace("@pytest.fixture", ""), relative, "exec"), namespace)
        pending = {name: value for name, value in namespace.items()
                   if callable(value) and getattr(value, "__module__", None) == "fixtures"
                   and not name.startswith(("_", "test_")) and name not in SKIP}
        while pending:  # fixtures built from other fixtures: call each once its arguments exist
            ready = {n: f for n, f in pending.items() if all(a in found for a in _arguments(f))}
            if not ready:
                break
            for name, function in ready.items():
                found[name] = function(*[found[a] for a in _arguments(function)])
                del pending[name]
    return found


def _arguments(function: Any) -> tuple[str, ...]:
    return tuple(function.__code__.co_varnames[: function.__code__.co_argcount])


def main(checkout: Path) -> None:
    manifest: dict[str, Any] = {"source": "Toloka/crowd-kit (Apache-2.0), files: " + ", ".join(FILES),
                                "entries": {}}
    for name, value in sorted(fixtures(checkout).items()):
        if isinstance(value, pd.Series):
            frame = value.to_frame(name="__value__")
            entry = {"kind": "series", "name": value.name}
        elif isinstance(value, pd.DataFrame):
            frame = value
            entry = {"kind": "frame", "columns_name": value.columns.name}
        else:
            continue
        index_names = [n if n is not None else f"__index{i}__" for i, n in enumerate(frame.index.names)]
        entry["index"] = index_names
        entry["index_named"] = [n is not None for n in frame.index.names]
        entry["columns"] = [str(c) for c in frame.columns] if entry["kind"] == "frame" else None
        frame.rename_axis(index_names).reset_index().to_csv(HERE / f"{name}.csv", index=False)
        manifest["entries"][name] = entry
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
