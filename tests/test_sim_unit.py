"""The simulated crowd's people: shares of habits, accuracy, per-worker confusion."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from clipcrowd.sim import make_crowd
from clipcrowd.sim.answers import answer, output_options
from tests.factories import text_project


def test_crowd_shares_and_bad_parameters() -> None:
    crowd = make_crowd(20, accuracy=0.8, spammers=0.25, fast=0.1, think_seconds=2.0, seed=3)
    assert sum(w.spammer for w in crowd) == 5 and sum(w.fast for w in crowd) == 2
    assert all(w.think_seconds == 0 for w in crowd if w.fast)
    assert all(1.6 <= w.think_seconds <= 2.4 for w in crowd if not w.fast)
    assert all(0.75 <= w.accuracy <= 0.85 for w in crowd)
    for bad in ({"spammers": 1.5}, {"fast": -0.1}, {"accuracy": 2.0}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            make_crowd(5, **bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one"):
        make_crowd(0)


def test_answers_follow_accuracy_and_each_workers_own_confusion() -> None:
    spec = {"result": {"type": "string"}}
    choices = {"result": ["a", "b", "c", "d"]}
    rng = random.Random(1)
    draws = [answer(rng, 0.7, False, {"result": "a"}, choices, spec, confusion_seed=11)["result"] for _ in range(4000)]
    counts = Counter(draws)
    assert 0.66 < counts["a"] / 4000 < 0.74
    other = [answer(rng, 0.0, False, {"result": "a"}, choices, spec, confusion_seed=99)["result"] for _ in range(4000)]
    mine, theirs = Counter(x for x in draws if x != "a"), Counter(other)
    assert "a" not in theirs
    # two workers spread their mistakes differently over b, c and d
    assert max(abs(mine[k] / sum(mine.values()) - theirs[k] / 4000) for k in "bcd") > 0.05
    spam = Counter(answer(rng, 1.0, True, {"result": "a"}, choices, spec)["result"] for _ in range(4000))
    assert all(800 < spam[k] < 1200 for k in "abcd")


def test_options_come_from_the_interface_or_the_spec() -> None:
    assert output_options(text_project()) == {"result": ["a", "b"]}
    project = {"task_spec": {"output_spec": {"ok": {"type": "boolean"}}, "view_spec": {"config": "{bad json"}}}
    assert output_options(project) == {"ok": [True, False]}


def test_simulation_runs_from_a_thread_that_already_runs_a_loop() -> None:
    """A notebook (or Playwright's sync API) keeps a loop running in the caller's thread."""
    import asyncio
    import threading

    from clipcrowd.sim.crowd import _run_to_end

    async def where() -> str:
        return threading.current_thread().name

    async def caller() -> tuple[str, str]:
        return threading.current_thread().name, _run_to_end(where())  # type: ignore[arg-type]

    outer, inner = asyncio.run(caller())
    assert inner != outer  # ran on a loop of its own thread, not refused
    assert _run_to_end(where()) == threading.current_thread().name  # no loop running: right here  # type: ignore[arg-type]
