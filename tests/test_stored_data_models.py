"""A project's or pool's stored `data` JSON is read through its model (`ProjectData.of`, `PoolData.of`),
never by key: a field's name, default and type are then written once, in `domain/models`. The check
walks the server's packages for `<row>.data["task_spec"]` and `<row>.data.get("filter")`-style reads
of the fields the models own. (Pages, the simulated crowd and the client read API bodies, not rows.)"""

from __future__ import annotations

import ast
from pathlib import Path

from clipcrowd.domain.models.pools import PoolData
from clipcrowd.domain.models.projects import ProjectData

SRC = Path(__file__).resolve().parents[1] / "src" / "clipcrowd"
SERVER_SIDE = ("services", "export", "jobs", "quality", "ingest", "aggregation", "mining", "store", "domain", "api",
               "http")
#: Fields a model declares, project's and pool's (free-form event and task data are not models).
OWNED = {"task_spec", "input_type", "public_name", "filter", "quality_control", "defaults", "mixer_config"}


def _reads_by_key(source: str, filename: str) -> list[str]:
    """`file:line key` for each read of an OWNED key off an attribute named `data`."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        key = None
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "data":
            key = node.slice
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
              and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "data" and node.args):
            key = node.args[0]
        if isinstance(key, ast.Constant) and key.value in OWNED:
            found.append(f"{filename}:{node.lineno} {key.value}")
    return found


def test_the_owned_fields_are_the_models_fields() -> None:
    declared = set(ProjectData.model_fields) | set(PoolData.model_fields)
    assert declared >= OWNED, OWNED - declared


def test_stored_project_and_pool_data_is_read_through_its_model() -> None:
    found = [hit for package in SERVER_SIDE for path in sorted((SRC / package).rglob("*.py"))
             for hit in _reads_by_key(path.read_text(), str(path.relative_to(SRC)))]
    assert found == []


def test_the_check_sees_a_read_by_key() -> None:
    bad = "spec = project.data['task_spec']\ntree = pool.data.get('filter')\nok = event.data.get('tasks')\n"
    assert _reads_by_key(bad, "x.py") == ["x.py:1 task_spec", "x.py:2 filter"]
