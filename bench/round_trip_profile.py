"""Where one worker round trip (next + submit over HTTP) spends the server's time.

Builds the application in this process over a fresh database (SQLite, or PostgreSQL in a database of
its own), makes an open pool of tasks (overlap 3) and ten workers, and runs round trips through the
ASGI app with every handler inlined in one thread, so that cProfile sees the whole request: the
edge middleware, dependencies, the services, SQLAlchemy, the driver, response encoding. Prints the
statements each round trip sends (SQLAlchemy's `before_cursor_execute`, `store.direct.Direct`'s, `Database.lookup`'s),
the CPU per round trip of this process (client included: compare runs, not with bench/scale.py),
and the top of the profile.

    PYTHONPATH=src .venv/bin/python bench/round_trip_profile.py [--db sqlite|postgres] [--round-trips 500]
        [--sort tottime] [--top 40] [--statements]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import fastapi.dependencies.utils
import fastapi.routing
import httpx
from bench.round_trip_cpu import database, drop
from sqlalchemy import event

from clipcrowd.server import create_app
from clipcrowd.services import auth
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database
from clipcrowd.store.direct import Direct

TASKS = 2000
WORKERS = 10


async def _inline(func: Any, *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


async def setup(client: httpx.AsyncClient) -> tuple[str, list[dict[str, str]]]:
    project = (await client.post("/api/v1/projects", json={"public_name": "profile", "task_spec": {
        "input_spec": {"text": {"type": "string"}},
        "output_spec": {"result": {"type": "string", "allowed_values": ["a", "b"]}}}})).json()
    pool = (await client.post("/api/v1/pools", json={
        "project_id": project["id"], "private_name": "profile", "reward_per_assignment": 0.01,
        "assignment_max_duration_seconds": 600, "will_expire": "2099-01-01T00:00:00",
        "defaults": {"default_overlap_for_new_task_suites": 3},
        "mixer_config": {"real_tasks_count": 1, "golden_tasks_count": 0, "training_tasks_count": 0}})).json()
    batch = [{"pool_id": pool["id"], "input_values": {"text": f"task {i}"}, "overlap": 3} for i in range(TASKS)]
    assert (await client.post("/api/v1/tasks", json=batch)).status_code in (200, 201)
    (await client.post(f"/api/v1/pools/{pool['id']}/open")).raise_for_status()
    tokens = []
    for i in range(WORKERS):
        made = (await client.post("/api/v1/workers", json={"login": f"profile-{i}"})).json()
        tokens.append({"Authorization": f"Bearer {made['token']}"})
    return pool["id"], tokens


async def round_trips(client: httpx.AsyncClient, pool: str, tokens: list[dict[str, str]], count: int,
                      start: int = 0) -> None:
    for done in range(start, start + count):
        headers = tokens[done % len(tokens)]
        suite = await client.post(f"/api/v1/worker/pools/{pool}/next", headers=headers)
        assert suite.status_code == 200, suite.text
        body = suite.json()
        answer = {"solutions": [{"output_values": {"result": "a"}} for _ in body["tasks"]]}
        sent = await client.post(f"/api/v1/worker/assignments/{body['id']}/submit", headers=headers, json=answer)
        assert sent.status_code == 200, sent.text


async def run(args: argparse.Namespace) -> None:
    home = Path(tempfile.mkdtemp(prefix="cc-rt-profile-"))
    url = database(args.db, args.name, home)
    db = Database(url)
    db.migrate()
    token = auth.create_token(db, "requester", requester_id=auth.ensure_requester(db))
    app = create_app(Settings(home=home, database_url=url, log_level="warning"), db)
    # every handler in this thread, so that one profile sees the whole request
    fastapi.routing.run_in_threadpool = _inline  # type: ignore[assignment]
    fastapi.dependencies.utils.run_in_threadpool = _inline  # type: ignore[assignment]
    statements: Counter[str] = Counter()

    @event.listens_for(db.engine, "before_cursor_execute")
    def count(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements[" ".join(statement.split())[:160]] += 1

    plain_run = Direct.run

    def counted_run(self: Direct, conn: Any, values: Any = None) -> Any:  # statements sent past SQLAlchemy's events
        statements[" ".join(self.compiled(conn.dialect).sql.split())[:160]] += 1
        return plain_run(self, conn, values)

    Direct.run = counted_run  # type: ignore[method-assign]
    lookups = 0
    plain_lookup = db.lookup

    def counted_lookup(*a: Any, **k: Any) -> Any:
        nonlocal lookups
        lookups += 1
        return plain_lookup(*a, **k)

    db.lookup = counted_lookup  # type: ignore[method-assign]
    commands: Counter[bytes] = Counter()
    if args.db == "postgres":  # BEGIN / COMMIT / ROLLBACK: each a trip to the server of its own
        from psycopg._connection_base import BaseConnection

        plain_command = BaseConnection._exec_command

        def counted_command(self: Any, command: Any, *a: Any, **k: Any) -> Any:
            commands[command if isinstance(command, bytes) else str(command).encode()] += 1
            return plain_command(self, command, *a, **k)

        BaseConnection._exec_command = counted_command  # type: ignore[method-assign]
    spent = Counter[str]()

    async def timed_app(scope: Any, receive: Any, send: Any) -> None:
        started = time.process_time()
        try:
            await app(scope, receive, send)
        finally:
            spent["app"] += time.process_time() - started

    def timed(name: str, func: Any) -> Any:
        def run(*a: Any, **k: Any) -> Any:
            started = time.process_time()
            try:
                return func(*a, **k)
            finally:
                spent[name] += time.process_time() - started
        return run

    from clipcrowd.api.routes import worker as worker_routes

    if args.breakdown:  # CPU inside Connection.execute, per calling function
        import sys

        from sqlalchemy.engine import Connection

        plain_execute = Connection.execute

        def timed_execute(self: Any, statement: Any, *a: Any, **k: Any) -> Any:
            caller = sys._getframe(1).f_code
            started = time.process_time()
            try:
                return plain_execute(self, statement, *a, **k)
            finally:
                spent[f"execute {Path(caller.co_filename).stem}.{caller.co_name}"] += time.process_time() - started

        Connection.execute = timed_execute  # type: ignore[method-assign]

    worker_routes.issuing = SimpleNamespace(next_suite=timed("services", worker_routes.issuing.next_suite))  # type: ignore[assignment]
    worker_routes.submissions = SimpleNamespace(submit=timed("services", worker_routes.submissions.submit))  # type: ignore[assignment]
    if args.breakdown:  # CPU per service function the round trip calls (construction included)
        import importlib

        for dotted in ("lifecycle.mark_answered", "lifecycle.paid", "worker_stats.on_submitted",
                       "events.record_many", "pools.close_if_complete", "quality.on_event", "present.tasks_by_id",
                       "majority.on_tasks_complete",
                       "dynamic_overlap.on_tasks_complete", "trainings.on_submitted", "trainings.gate",
                       "issuing._record", "issuing._mixed_suite", "issuing.worker_view", "issuing.admit",
                       "submissions._owned_active_with_pool", "submissions._check_files"):
            module_name, name = dotted.rsplit(".", 1)
            module = importlib.import_module(f"clipcrowd.services.{module_name}")
            plain = getattr(module, name)
            wrapped = timed(f"execute+ {dotted}", plain)
            for holder in (module, importlib.import_module("clipcrowd.services.submissions")):
                if getattr(holder, name, None) is plain:  # imported by name elsewhere too
                    setattr(holder, name, wrapped)
    transport = httpx.ASGITransport(app=timed_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver",
                                 headers={"Authorization": f"OAuth {token}"}) as client:
        pool, tokens = await setup(client)
        await round_trips(client, pool, tokens, 50)  # warm caches
        statements.clear()
        commands.clear()
        lookups = 0
        await round_trips(client, pool, tokens, 20, start=50)
        per = sum(statements.values()) / 20
        print(f"statements per round trip: {per:.1f} (+ {lookups / 20:.1f} token lookups)")
        if commands:
            print("commands per round trip:", {c.decode()[:40]: n / 20 for c, n in commands.items()})
        if args.statements:
            for sql, n in statements.most_common():
                print(f"  {n / 20:4.1f}  {sql}")
        spent.clear()
        cpu = time.process_time()
        await round_trips(client, pool, tokens, args.round_trips, start=70)
        cpu = time.process_time() - cpu
        n = args.round_trips
        print(f"{args.db}: {1000 * cpu / n:.2f} ms CPU per round trip (no profiler): app {1000 * spent['app'] / n:.2f}"
              f" (of which services {1000 * spent['services'] / n:.2f}), client {1000 * (cpu - spent['app']) / n:.2f}")
        for key, value in sorted(spent.items(), key=lambda kv: -kv[1]):
            if key.startswith("execute"):
                print(f"  {1000 * value / n:6.2f} ms  {key}")
        profile = cProfile.Profile(time.process_time)  # CPU, not waiting on the database
        cpu, wall = time.process_time(), time.perf_counter()
        profile.enable()
        await round_trips(client, pool, tokens, args.round_trips, start=70 + args.round_trips)
        profile.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"{args.db}: {1000 * cpu / args.round_trips:.2f} ms CPU, {1000 * wall / args.round_trips:.2f} ms wall "
              f"per round trip (profiled, client included)")
    if args.dump:
        profile.dump_stats(args.dump)
    stats = pstats.Stats(profile)
    stats.sort_stats(args.sort).print_stats(args.top)
    if args.callers:
        stats.print_callers(args.callers)
    if args.callees:
        stats.print_callees(args.callees)
    db.dispose()
    if args.db == "postgres":
        drop(args.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="postgres", choices=("sqlite", "postgres"))
    parser.add_argument("--round-trips", type=int, default=500)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--statements", action="store_true")
    parser.add_argument("--dump", default="", help="write the profile's stats to this file (pstats)")
    parser.add_argument("--name", default="roundtrip_profile", help="the PostgreSQL database made (and dropped)")
    parser.add_argument("--callers", default="")
    parser.add_argument("--callees", default="")
    parser.add_argument("--breakdown", action="store_true", help="CPU per calling function of Connection.execute")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
