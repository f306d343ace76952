"""schemathesis over the served OpenAPI spec, as a requester and as a worker: no answer is a 5xx.

Every operation of `/openapi.json` gets a bounded number of generated requests (valid and invalid
by the spec; how many follows from what the operation takes, `_examples`) against a live server per
database. Request bodies are fuzzed as far as the spec declares them, so typed request models
sharpen this test without a change here. Each generated request is sent once per role and
database: generating is most of the cost, and the roles' and the databases' requests would be the
same ones anyway (generation is derandomized), so both servers run side by side in one test and get
every request. schemathesis and hypothesis are imported in the test, not at the top: every xdist
worker collects this module, one of them runs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from tests.hardening.conftest import World, hardened_server, make_world
from tests.support import CLIENT_TLS, postgres_reachable

EXAMPLES = 6  # per operation, generation mode and role: bounded, so the suite stays quick
PER_PATH_PARAMETER = 3  # examples per path parameter of an operation without a body (at most EXAMPLES)


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, World]]:
    """The hardened server and its world on SQLite and, when it answers, on PostgreSQL, both at once."""
    kinds = ["sqlite"] + (["postgres"] if postgres_reachable() is None else [])
    with ExitStack() as stack:
        made = {}
        for kind in kinds:
            live = stack.enter_context(hardened_server(kind, tmp_path_factory.mktemp(f"fuzz-{kind}")))
            http = stack.enter_context(httpx.Client(base_url=live.url, timeout=60, verify=CLIENT_TLS))
            made[kind] = make_world(live, http)
        yield made


def _examples(operation: Any) -> int:
    """How many requests hypothesis generates for the operation: EXAMPLES where it takes a body
    (a schema to fill and, negated, to break); without one its only inputs are path parameters
    (ids, an export's format), strings on the wire, PER_PATH_PARAMETER each. Each of the 44 with one
    id parses it as the others do (`http.deps.object_id`): together they still send 132 ids."""
    if len(operation.body):
        return EXAMPLES
    return min(EXAMPLES, max(1, PER_PATH_PARAMETER * len(operation.path_parameters)))


def _fuzz(operation: Any, targets: dict[str, tuple[str, dict[str, str]]], negative: bool,
          sent: dict[str, list[int]], failures: dict[str, list[str]], session: Any) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import GenerationMode

    mode = GenerationMode.NEGATIVE if negative else GenerationMode.POSITIVE

    @settings(max_examples=_examples(operation), deadline=None, database=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        for target, (url, headers) in targets.items():
            response = case.call(base_url=url, session=session, headers={**headers, **(case.headers or {})},
                                 timeout=60)
            session.cookies.clear()  # each request on its own, as with a new session
            sent[target].append(response.status_code)
            if response.status_code >= 500:
                failures[target].append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                                        f"{response.text[:200]}")

    run()  # hypothesis raises Unsatisfiable if it finds no case to send


def _body_can_be_invalid(operation: Any) -> bool:
    """Whether the operation takes a body that some bytes would break: a JSON body with a schema.
    An `application/octet-stream` upload takes any bytes, so it has no invalid body to send;
    asked for one, hypothesis drew 459 cases for each such operation and gave up (`Unsatisfiable`),
    a sixth of the test's CPU for no request. schemathesis says which bodies it can negate."""
    return any(body.is_negatable for body in operation.body.items)


def test_no_server_errors_under_generated_requests(worlds: dict[str, World]) -> None:
    import requests
    import schemathesis

    schema = schemathesis.openapi.from_url(f"{worlds['sqlite'].live.url}/openapi.json")
    # each role on each database: "sqlite requester", "sqlite worker", "postgres requester", ...
    targets = {f"{kind} {role}": (world.live.url, headers) for kind, world in worlds.items()
               for role, headers in (("requester", world.requester), ("worker", world.ann))}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 60
    failures: dict[str, list[str]] = {target: [] for target in targets}
    sent: dict[str, list[int]] = {target: [] for target in targets}
    # One session for every request: without one, schemathesis opens a session, a connection and a
    # search for ~/.netrc per request (about a tenth of this test's CPU). Nothing is read from the
    # environment (no proxy, no netrc), and cookies a response sets are dropped after it.
    with requests.Session() as session:
        session.trust_env = False
        for operation in operations:
            _fuzz(operation, targets, False, sent, failures, session)
            if _body_can_be_invalid(operation):
                _fuzz(operation, targets, True, sent, failures, session)
    assert failures == {target: [] for target in targets}
    for target in targets:
        assert len(sent[target]) >= 2 * len(operations) and any(code < 300 for code in sent[target]), target
    for world in worlds.values():
        world.assert_reads_work()
    if "postgres" not in worlds:
        pytest.skip(f"run on SQLite only: {postgres_reachable()}")
