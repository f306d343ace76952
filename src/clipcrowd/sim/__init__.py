"""A simulated crowd: workers with known accuracy, speed and habits that take task suites from a
pool through the worker API until it closes. Used to dry-run a pool and to test and benchmark.

>>> from clipcrowd.sim import simulate  # doctest: +SKIP
>>> report = simulate(client, pool_id, workers=20, accuracy=0.9, spammers=0.1)  # doctest: +SKIP
"""

from clipcrowd.sim.crowd import SimReport, simulate, simulate_async
from clipcrowd.sim.profiles import SimWorker, make_crowd

__all__ = ["SimReport", "SimWorker", "make_crowd", "simulate", "simulate_async"]
