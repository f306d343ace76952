"""Suite-wide rules: in CI (CLIPCROWD_REQUIRE_ALL=1) a skipped test is a failed test."""

from __future__ import annotations

import os

import pytest

REQUIRE_ALL = os.environ.get("CLIPCROWD_REQUIRE_ALL") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped while CLIPCROWD_REQUIRE_ALL=1 (skips count as failures): {reason}"


from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

from clipcrowd.domain import timeutil  # noqa: E402
from clipcrowd.store.db import Database  # noqa: E402
from tests.apiclient import api  # noqa: E402, F401  (fixture)
from tests.browser import browser  # noqa: E402, F401  (fixture: one Chromium per process)
from tests.support import (  # noqa: E402
    Live,
    ManualClock,
    drop_test_database,
    fresh_database,
    live_server,
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The same test on the embedded default and on the production database."""
    database = fresh_database(request.param, tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    """Time the server reads, moved forward by the test instead of waited for."""
    manual = ManualClock()
    previous = timeutil.use_clock(manual.now)
    yield manual
    timeutil.use_clock(previous)


@pytest.fixture
def live(db: Database, tmp_path: Path) -> Iterator[Live]:
    with live_server(db, tmp_path) as server:
        yield server


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    drop_test_database()


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """Ray on this machine for one test module (stopped after it: idle Ray still costs CPU), with this
    checkout's code importable by its workers."""
    import os

    import ray

    root = Path(__file__).resolve().parents[1]
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join([str(root / "src"), str(root)])}})
    yield
    ray.shutdown()
