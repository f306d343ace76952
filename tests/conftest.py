"""Suite-wide rules: in CI (CLIPCROWD_REQUIRE_ALL=1) a skipped test is a failed test."""

from __future__ import annotations

import gc
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


def pytest_configure(config: pytest.Config) -> None:
    """The xdist controller has the bytecode written once, for every worker (tests/bytecode.py)."""
    if not hasattr(config, "workerinput") and getattr(config.option, "numprocesses", None):
        from tests import bytecode

        bytecode.collect_for_workers(list(config.args))


def pytest_collection_finish(session: pytest.Session) -> None:
    """What exists once the tests are collected (modules, the app's shared routes, the test items)
    lives as long as the test process: frozen, as `clipcrowd serve` freezes its start-up
    (`server.freeze_start_up`), the garbage collector stops walking it in every full collection,
    which large exports and fills trigger by the dozen."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test` runs `-n 4 --dist loadgroup`): tests sharing a module-scoped
    fixture run on one worker, so each module-wide world (a 70,001-task pool, a hardened server) is
    built once, not once per worker; the Ray tests share one worker (two local Ray clusters at once
    would fight over two cores), and so do the toloka-kit tests (one warm toloka-kit process instead of
    one per worker) and the tests of a costly session-wide media file (written once); and the browser
    tests, then the slow ones, are handed out first, so no long one starts last and each worker's browser
    tests come one after another (its Chromium is stopped when the next test does not need it:
    interleaved, a worker would start it again several times, ~2 s of CPU each)."""
    if not getattr(config.option, "loadgroup", False):  # set in xdist's workers under --dist loadgroup
        return
    for item in items:
        group = _worker_group(item)
        if group:
            _join_group(item, group)
    items.sort(key=_hand_out_order)


def _hand_out_order(item: pytest.Item) -> int:
    if item.get_closest_marker("browser"):
        return 0
    return 1 if item.get_closest_marker("slow") else 2


def _join_group(item: pytest.Item, group: str) -> None:
    """What an `xdist_group` mark does: the node id gets `@group`, which xdist's loadgroup scheduler splits
    on. (xdist 3.8 writes `item._nodeid`, which pytest 9.2 no longer reads: its ids live in `item._id`.)"""
    grouped = f"{item.nodeid}@{group}"
    if hasattr(item, "_id"):
        from _pytest.nodeid import coerce_node_id

        item._id = coerce_node_id(grouped)
    else:
        item._nodeid = grouped
    assert item.nodeid == grouped, "pytest keeps node ids elsewhere now: update _join_group"


#: session-scoped fixtures whose file takes seconds of CPU to write (tests/media/conftest.py's ten-minute video,
#: 3-4 s): their tests share one worker, which writes it once
COSTLY_SESSION_MEDIA = frozenset({"long_video"})


def _worker_group(item: pytest.Item) -> str | None:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    if "local_ray" in info.names_closure:
        return "ray"
    if "toloka_kit" in info.names_closure:  # one toloka-kit import (2.7 s of CPU) serves them all
        return "toloka"
    for name in info.names_closure:  # session-wide media too costly to write once per worker
        if name in COSTLY_SESSION_MEDIA:
            return name
    params = getattr(getattr(item, "callspec", None), "params", {})
    shared = [name for name in info.names_closure
              if (defs := info.name2fixturedefs.get(name)) and defs[-1].scope in ("module", "class", "package")]
    if not shared:
        return None
    return "|".join([item.nodeid.split("::")[0], *(f"{n}={params[n]}" for n in shared if n in params)])


import multiprocessing  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

from clipcrowd.jobs import executor as job_processes  # noqa: E402

# A server that runs a job starts a worker process; spawned, each one pays an interpreter start and the
# imports of every job kind (2-3 s of CPU, dozens of times a run). Here workers are forked from one
# clean fork server per test process that has those modules loaded already (tests/jobs/test_processes.py
# keeps the production "spawn").
JOB_MODULES = ["clipcrowd.jobs.worker", "clipcrowd.services.task_upload_jobs", "clipcrowd.services.task_suites",
               "clipcrowd.services.asset_import", "clipcrowd.services.mining", "clipcrowd.services.aggregation",
               "clipcrowd.services.camera_motion", "clipcrowd.services.tasks", "clipcrowd.export.export_jobs"]
job_processes.START_METHOD = "forkserver"
multiprocessing.get_context("forkserver").set_forkserver_preload(JOB_MODULES)

from clipcrowd.domain import timeutil  # noqa: E402
from clipcrowd.store.db import Database  # noqa: E402
from tests.apiclient import api  # noqa: E402, F401  (fixture)
from tests.browser import browser, stop_browser  # noqa: E402, F401  (fixture: a Chromium per run of browser tests)
from tests.support import (  # noqa: E402
    Live,
    ManualClock,
    drop_test_database,
    fresh_database,
    live_server,
    release,
)
from tests.warm_toloka import toloka_kit  # noqa: E402, F401  (fixture: one toloka-kit process per test process)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The same test on the embedded default and on the production database."""
    database = fresh_database(request.param, tmp_path, shared=True)
    yield database
    release(database)


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


_ray_running: list[bool] = []


@pytest.fixture
def local_ray() -> Iterator[None]:
    """Ray on this machine, with this checkout's code importable by its workers: started by the first
    test that asks for it and stopped after the last of a run of such tests (idle Ray still costs CPU;
    under xdist the Ray tests form one group, so one Ray start serves them all)."""
    import ray

    if not _ray_running:
        # Ray's processes inherit the environment they are started in, and the workers its raylet starts
        # inherit the raylet's: PYTHONPATH set around `ray.init` reaches them all. (A `runtime_env` with
        # the same variable made Ray start workers of their own for it instead of using the two it starts
        # beforehand: 5-7 s more before the first task of a run, and ~1 s of CPU.)
        root = Path(__file__).resolve().parents[1]
        previous = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = os.pathsep.join([str(root / "src"), str(root), *([previous] if previous else [])])
        try:
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        finally:
            if previous is None:
                del os.environ["PYTHONPATH"]
            else:
                os.environ["PYTHONPATH"] = previous
        _ray_running.append(True)
    yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    try:
        return (yield)  # the test's own fixtures are finalized first
    finally:
        following = getattr(nextitem, "fixturenames", ())
        if _ray_running and "local_ray" not in following:
            import ray

            ray.shutdown()
            _ray_running.clear()
        if "browser" not in following:
            stop_browser()
