"""schemathesis over the served OpenAPI spec, as a requester and as a worker: no answer is a 5xx.

Every operation of `/openapi.json` gets a bounded number of generated requests (valid and invalid
by the spec) against a live server per database. Request bodies are fuzzed as far as the spec
declares them, so typed request models sharpen this test without a change here. Each generated
request is sent once per role: generating is most of the cost, and the roles' requests would be
the same ones anyway (generation is derandomized). schemathesis and hypothesis are imported in the
test, not at the top: every xdist worker collects this module, one of them runs it.
"""

from __future__ import annotations

from typing import Any

from tests.hardening.conftest import World

EXAMPLES = 6  # per operation, generation mode and role: bounded, so the suite stays quick


def _fuzz(operation: Any, world: World, roles: dict[str, dict[str, str]], negative: bool,
          sent: dict[str, list[int]], failures: dict[str, list[str]]) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    mode = GenerationMode.NEGATIVE if negative else GenerationMode.POSITIVE

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        for role, headers in roles.items():
            response = case.call(base_url=world.live.url, headers={**headers, **(case.headers or {})}, timeout=60)
            sent[role].append(response.status_code)
            if response.status_code >= 500:
                failures[role].append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                                      f"{response.text[:200]}")

    try:
        run()
    except Unsatisfiable:  # no parameter or body to make invalid: nothing negative to send
        assert negative


def test_no_server_errors_under_generated_requests(world: World) -> None:
    import schemathesis

    schema = schemathesis.openapi.from_url(f"{world.live.url}/openapi.json")
    roles = {"requester": world.requester, "worker": world.ann}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 60
    failures: dict[str, list[str]] = {role: [] for role in roles}
    sent: dict[str, list[int]] = {role: [] for role in roles}
    for operation in operations:
        _fuzz(operation, world, roles, False, sent, failures)
        if len(operation.body):  # invalid bodies too, where the spec types one (untyped strings cannot be)
            _fuzz(operation, world, roles, True, sent, failures)
    assert failures == {role: [] for role in roles}
    for role in roles:
        assert len(sent[role]) >= 2 * len(operations) and any(code < 300 for code in sent[role]), role
    world.assert_reads_work()
