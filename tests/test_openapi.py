"""The served OpenAPI document describes every operation: the body it takes and what it answers.

Client generators, fuzzers and `/docs` see only what this document declares, so an operation whose
body or answer is untyped (`{}`) is a hole in the API's contract.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clipcrowd.server import create_app
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database

#: Actions named by their path alone: they take no body.
NO_BODY = {
    ("post", "/api/v1/projects/{project_id}/archive"),
    ("post", "/api/v1/pools/{pool_id}/open"),
    ("post", "/api/v1/pools/{pool_id}/close"),
    ("post", "/api/v1/pools/{pool_id}/close-for-update"),
    ("post", "/api/v1/pools/{pool_id}/archive"),
    ("post", "/api/v1/pools/{pool_id}/clone"),
    ("post", "/api/v1/trainings/{training_id}/{action}"),  # open, close, archive or clone
    ("post", "/api/v1/worker/pools/{pool_id}/next"),
    ("post", "/api/v1/worker/assignments/{assignment_id}/skip"),
    ("post", "/api/v1/jobs/{job_id}/cancel"),
    ("post", "/api/v1/camera-imports/{job_id}/cancel"),
}
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home: Path = tmp_path_factory.mktemp("openapi")
    db = Database(f"sqlite:///{home / 'spec.db'}")
    try:
        return create_app(Settings(home=home, database_url=db.url), db).openapi()
    finally:
        db.dispose()


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in spec["paths"].items() for method, op in ops.items()
            if method in METHODS]


def typed(schema: dict[str, Any]) -> bool:
    """A schema that says something: a reference, a type, or a union of those."""
    if "$ref" in schema or "type" in schema:
        return True
    return any(typed(s) for s in schema.get("anyOf", []) + schema.get("oneOf", []))


def faults(spec: dict[str, Any]) -> list[str]:
    found = []
    for method, path, op in operations(spec):
        name = f"{method.upper()} {path}"
        if method in ("post", "put", "patch") and (method, path) not in NO_BODY:
            body = op.get("requestBody", {}).get("content", {})
            if not body or not all(typed(c.get("schema", {})) for c in body.values()):
                found.append(f"{name}: no typed request body")
        successes = {code: r for code, r in op["responses"].items() if code.startswith("2")}
        if not successes:
            found.append(f"{name}: no success response")
        for code, response in successes.items():
            content = response.get("content", {})
            if code == "204":
                if content:
                    found.append(f"{name}: 204 with a body")
            elif not content or not all(typed(c.get("schema", {})) for c in content.values()):
                found.append(f"{name}: {code} answers an untyped body")
    return found


def test_every_operation_declares_its_body_and_its_answer(spec: dict[str, Any]) -> None:
    assert len(operations(spec)) >= 69
    assert faults(spec) == []


def test_the_bodies_name_their_fields(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    pool = schemas["PoolCreate"]
    assert {"project_id", "private_name", "reward_per_assignment", "will_expire"} <= set(pool["required"])
    assert pool["properties"]["assignment_max_duration_seconds"]["type"] == "integer"
    assert pool["additionalProperties"] is True  # the requester dialect passes unknown fields through
    assert "output_spec" in schemas["TaskSpec"]["required"]
    submit = spec["paths"]["/api/v1/worker/assignments/{assignment_id}/submit"]["post"]
    assert submit["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/Submission")


def test_the_check_sees_a_hole(spec: dict[str, Any]) -> None:
    """An untyped body and an untyped answer, as the check must report them."""
    holed = {"paths": {"/x": {"post": {"requestBody": {"content": {"application/json": {"schema": {}}}},
                                       "responses": {"200": {"content": {"application/json": {"schema": {}}}}}}}}}
    assert faults(holed) == ["POST /x: no typed request body", "POST /x: 200 answers an untyped body"]
