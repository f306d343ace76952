"""Task page load benchmark: time to DOMContentLoaded and to first render, 50 tasks per suite.

Run: ``.venv/bin/python bench/task_page.py [--tasks 50] [--runs 10]``. Starts a live server
(uvicorn in a thread, SQLite in a temporary directory), makes a pool whose suites hold ``--tasks``
audio tasks (seed 001's interface: audio player, button radio group, hotkeys), and loads the task
page in Debian's Chromium. "first render" is when the page's script has drawn every task
(`window.__drawnAt`); "ready for keys" is when the first task has the focus, in the first frame
after that (`body[data-ready]`, which includes the layout of every task). Target: under 300 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, captured, start_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=50)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as home:
        server = start_server(Path(home))
        live = next(server)
        project_id = live.project(captured("audio_project.json"))
        pool = captured("audio_pool.json")
        pool["mixer_config"] = {"real_tasks_count": args.tasks, "golden_tasks_count": 0, "training_tasks_count": 0}
        pool_id = live.pool(pool, project_id)
        items = [{"input_values": {"path": "/test-media/tone.wav"}, "overlap": 1}
                 for _ in range(args.tasks * (args.runs + 1))]
        live.tasks(pool_id, items)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            dcl, ready, keys, server_ms = [], [], [], []
            for run in range(args.runs + 1):
                live.worker(f"bench{run}")
                context = browser.new_context()
                page = context.new_page()
                page.goto(f"{live.url}/w/sign-in")
                page.fill("input[name=login]", f"bench{run}")
                page.fill("input[name=password]", "password123")
                page.click("button[type=submit]")
                page.wait_for_url(f"{live.url}/w")
                page.goto(f"{live.url}/w/pools/{pool_id}")
                page.click("button:has-text('Start a task suite')")
                page.wait_for_selector("body[data-ready='1']")
                page.reload()  # measure a plain load of the task page (static files cached as usual)
                page.wait_for_selector("body[data-ready='1']")
                timing = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
                    return {dcl: n.domContentLoadedEventEnd, ttfb: n.responseStart - n.requestStart}; }""")
                drawn = page.evaluate("() => window.__drawnAt || performance.now()")
                focused = page.evaluate("() => window.__focusedAt || window.__drawnAt || performance.now()")
                count = page.locator("article.task").count()
                assert count == args.tasks, f"expected {args.tasks} tasks, drew {count}"
                context.close()
                if run == 0:
                    continue  # warm-up
                dcl.append(timing["dcl"])
                ready.append(drawn)
                keys.append(focused)
                server_ms.append(timing["ttfb"])
            browser.close()
        with contextlib.suppress(StopIteration):
            next(server)

    def line(name: str, values: list[float]) -> str:
        return (f"{name:<28} median {statistics.median(values):7.1f} ms   max {max(values):7.1f} ms")

    print(f"task page, {args.tasks} tasks per suite, {args.runs} runs (Chromium {CHROMIUM})")
    print(line("server response (TTFB)", server_ms))
    print(line("DOMContentLoaded", dcl))
    print(line("first render (all tasks)", ready))
    print(line("ready for keys (1st frame)", keys))
    verdict = "OK" if statistics.median(ready) < 300 else "SLOW"
    print(f"target < 300 ms to first render: {verdict}")


if __name__ == "__main__":
    main()
