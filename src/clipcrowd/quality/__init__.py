"""Quality control as pure functions: a worker's events in a pool go in, decisions come out.

Collectors turn events into metrics, conditions compare metrics with thresholds, actions say what
to do (restrict the worker, set a skill). Nothing here touches the database: `services.quality`
loads events, calls `evaluate`, and applies what it returns.
"""

from clipcrowd.quality.collectors import COLLECTORS, TRIGGERS, Event
from clipcrowd.quality.rules import Decision, Restrict, SetSkill, evaluate

__all__ = ["COLLECTORS", "TRIGGERS", "Decision", "Event", "Restrict", "SetSkill", "evaluate"]
