"""Running a simulated crowd against a live server until the pool closes.

Setup (workers, the project's options, golden answers) goes through the requester API; the work
itself goes through the worker API exactly as a browser would, many workers at once on asyncio.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from clipcrowd.client.errors import ApiError
from clipcrowd.client.requester import Client
from clipcrowd.client.transport import async_session
from clipcrowd.client.worker import AsyncWorkerClient
from clipcrowd.sim import answers
from clipcrowd.sim.media import tiny_audio, tiny_video
from clipcrowd.sim.profiles import SimWorker, make_crowd

Truth = Callable[[Mapping[str, Any]], Mapping[str, Any]]


@dataclass
class SimReport:
    """What happened: submissions per worker, why workers stopped, latencies of each call."""

    pool_status: str = ""
    submitted: Counter[str] = field(default_factory=Counter)
    stopped: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    round_trips: int = 0
    seconds: float = 0.0
    workers: list[SimWorker] = field(default_factory=list)


class _Activity:
    """What the whole crowd is doing, so that a worker with nothing to do waits while a suite is out
    (a rejection or an expiry may give its tasks back) and gives up only when nothing has been out
    for ``idle_seconds``: how long that takes does not depend on how busy the server is."""

    def __init__(self) -> None:
        self.out = 0
        self.since = time.monotonic()

    def took(self) -> None:
        self.out += 1

    def ended(self) -> None:
        self.out -= 1
        self.since = time.monotonic()

    def idle_for(self) -> float:
        return 0.0 if self.out else time.monotonic() - self.since


def _filter_values(tree: Any, key: str) -> list[str]:
    if isinstance(tree, dict):
        children = tree.get("and") or tree.get("or")
        if isinstance(children, list):
            return [v for child in children for v in _filter_values(child, key)]
        if tree.get("key") == key and tree.get("operator") in ("EQ", "IN") and isinstance(tree.get("value"), str):
            return [tree["value"]]
    return []


def _upload_kind(project: Mapping[str, Any], field_name: str) -> str:
    raw = project.get("task_spec", {}).get("view_spec", {}).get("config", "")
    text = raw if isinstance(raw, str) else json.dumps(raw)
    return "audio" if '"audio": true' in text and '"video": true' not in text else "video"


class _Plan:
    """Everything a worker needs to answer tasks of this pool."""

    def __init__(self, client: Client, pool_id: str, truth: Truth | None):
        self.pool = client.get_pool(pool_id)
        self.project = client.get_project(self.pool["project_id"])
        spec = self.project["task_spec"]
        self.output_spec: dict[str, Any] = spec["output_spec"]
        self.choices = answers.output_options(self.project)
        self.files = [n for n, f in self.output_spec.items() if f["type"] in ("file", "array_file")]
        # keyed by input values: a worker sees her suite's tasks under ids of their own
        self.truth: dict[str, Mapping[str, Any]] = {}
        for task in client.get_tasks(pool_id):
            key = task_key(task)
            if task.get("known_solutions"):
                self.truth[key] = task["known_solutions"][0]["output_values"]
            elif truth is not None:
                self.truth[key] = truth(task["input_values"])
            else:
                self.truth[key] = {n: answers.default_truth(key, n, c) for n, c in self.choices.items()}


def task_key(task: Mapping[str, Any]) -> str:
    return json.dumps(task.get("input_values"), sort_keys=True)


async def _work(
    worker: SimWorker, plan: _Plan, pool_id: str, http: aiohttp.ClientSession, report: SimReport,
    stop_at: float, idle_seconds: float, seed: int, activity: _Activity, pace: float | None = None,
) -> None:
    api = AsyncWorkerClient(http, worker.token)
    rng = random.Random(seed * 100_003 + worker.index)
    next_start = time.monotonic() + (rng.random() * pace if pace else 0.0)
    while time.monotonic() < stop_at:
        if pace:  # start suites on a fixed schedule, whatever the server's latency
            await asyncio.sleep(max(0.0, next_start - time.monotonic()))
            next_start += pace
        started = time.perf_counter()
        try:
            suite = await api.next_suite(pool_id)
        except ApiError as exc:
            if exc.code == "NO_TASKS_AVAILABLE":
                if activity.idle_for() > idle_seconds:
                    report.stopped["idle"] += 1
                    return
                await asyncio.sleep(0.1 + rng.random() * 0.2)
                continue
            report.stopped[exc.code] += 1
            return
        activity.took()
        try:
            if not await _answer(api, worker, plan, suite, rng, report, started):
                return
        finally:
            activity.ended()
    report.stopped["timeout"] += 1


async def _answer(api: AsyncWorkerClient, worker: SimWorker, plan: _Plan, suite: Mapping[str, Any],
                  rng: random.Random, report: SimReport, started: float) -> bool:
    """Answer one suite and submit it; False when the submission was refused (the worker stops)."""
    issue_latency = time.perf_counter() - started
    if worker.think_seconds:
        await asyncio.sleep(worker.think_seconds)
    outputs = []
    for task in suite["tasks"]:
        values = answers.answer(rng, worker.accuracy, worker.spammer, plan.truth.get(task_key(task), {}),
                                plan.choices, plan.output_spec, worker.confusion_seed)
        for name in plan.files:
            kind = _upload_kind(plan.project, name)
            content = tiny_video(seed=worker.index) if kind == "video" else tiny_audio(seed=worker.index)
            media_type = "video/mp4" if kind == "video" else "audio/mp4"
            uploaded = await api.upload(suite["id"], f"{kind}-{uuid.uuid4().hex[:8]}.mp4", content, media_type)
            values[name] = uploaded["id"]
        outputs.append(values)
    started = time.perf_counter()
    try:
        await api.submit(suite["id"], outputs)
    except ApiError as exc:
        report.stopped[f"submit:{exc.code}"] += 1
        return False
    report.latencies.extend([issue_latency, time.perf_counter() - started])
    report.round_trips += 1
    report.submitted[worker.user_id] += 1
    return True


async def simulate_async(
    url: str, token: str, pool_id: str, crowd: list[SimWorker], *, truth: Truth | None = None,
    timeout: float = 600.0, idle_seconds: float = 5.0, seed: int = 0, pace: float | None = None,
) -> SimReport:
    """Register the crowd as workers, then let all of them work at once until the pool closes.

    `pace` starts each worker's suites that many seconds apart (an open-loop load, for measuring
    latency at a given rate); without it a worker asks again as soon as she has submitted.
    """
    report = SimReport(workers=crowd)
    with Client(url, token) as client:
        plan = _Plan(client, pool_id, truth)
        run = uuid.uuid4().hex[:8]
        for worker in crowd:
            if not worker.token:
                made = client.create_worker(f"sim-{run}-{worker.index}", languages=worker.languages,
                                            client_type=worker.client_type,
                                            **({"profile": worker.profile} if worker.profile else {}))
                worker.token, worker.user_id = made["token"], made["id"]
    began = time.monotonic()
    async with async_session(url, connections=len(crowd) + 4) as http:
        activity = _Activity()
        await asyncio.gather(*(_work(w, plan, pool_id, http, report, began + timeout, idle_seconds, seed, activity,
                                     pace) for w in crowd))
    report.seconds = time.monotonic() - began
    with Client(url, token) as client:
        report.pool_status = client.get_pool(pool_id)["status"]
    return report


def simulate(
    url: str, token: str, pool_id: str, *, workers: int = 10, accuracy: float = 0.9, spammers: float = 0.0,
    fast: float = 0.0, think_seconds: float = 0.0, truth: Truth | None = None, timeout: float = 600.0,
    idle_seconds: float = 5.0, seed: int = 0, languages: list[str] | None = None, client_type: str | None = None,
) -> SimReport:
    """Dry-run a pool with `workers` simulated people whose profile passes the pool's filter."""
    with Client(url, token) as client:
        pool = client.get_pool(pool_id)
    pool_filter = pool.get("filter")
    crowd = make_crowd(
        workers, accuracy=accuracy, spammers=spammers, fast=fast, think_seconds=think_seconds, seed=seed,
        languages=languages or _filter_values(pool_filter, "languages")[:1] or ["EN"],
        client_type=client_type or (_filter_values(pool_filter, "client_type")[:1] or ["BROWSER"])[0],
        # a pool that may contain adult content goes only to those who accept it (domain.pool.ADULT_ALLOWED)
        profile={"adult_allowed": True} if pool.get("may_contain_adult_content") else None,
    )
    return _run_to_end(simulate_async(url, token, pool_id, crowd, truth=truth, timeout=timeout,
                                      idle_seconds=idle_seconds, seed=seed))


def _run_to_end(work: Coroutine[Any, Any, SimReport]) -> SimReport:
    """Run `work` on a new event loop, in a thread of its own when this thread already runs a loop
    (a notebook, or a caller driving a browser through Playwright's sync API)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()
