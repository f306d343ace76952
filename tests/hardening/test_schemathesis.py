"""schemathesis over the served OpenAPI spec, as a requester and as a worker: no answer is a 5xx.

Every operation of `/openapi.json` gets a bounded number of generated requests (valid and invalid
by the spec) against a live server per database. Request bodies are fuzzed as far as the spec
declares them, so typed request models sharpen this test without a change here.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.hardening.conftest import World

EXAMPLES = 6  # per operation, generation mode and role: bounded, so the suite stays quick


def _fuzz(operation: Any, world: World, headers: dict[str, str], mode: GenerationMode,
          sent: list[int]) -> list[str]:
    failures: list[str] = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(base_url=world.live.url, headers={**headers, **(case.headers or {})}, timeout=60)
        sent.append(response.status_code)
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}")

    try:
        run()
    except Unsatisfiable:  # no parameter or body to make invalid: nothing negative to send
        assert mode == GenerationMode.NEGATIVE
    return failures


@pytest.mark.parametrize("role", ["requester", "worker"])
def test_no_server_errors_under_generated_requests(world: World, role: str) -> None:
    schema = schemathesis.openapi.from_url(f"{world.live.url}/openapi.json")
    headers = world.requester if role == "requester" else world.ann
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 60
    failures: list[str] = []
    sent: list[int] = []
    for operation in operations:
        failures += _fuzz(operation, world, headers, GenerationMode.POSITIVE, sent)
        if len(operation.body):  # invalid bodies too, where the spec types one (untyped strings cannot be)
            failures += _fuzz(operation, world, headers, GenerationMode.NEGATIVE, sent)
    assert failures == []
    assert len(sent) >= 2 * len(operations) and any(code < 300 for code in sent)
    world.assert_reads_work()
