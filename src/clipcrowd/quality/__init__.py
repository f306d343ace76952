"""Quality control as pure functions: a worker's events in a pool go in, decisions come out.

Collectors turn events into metrics, conditions compare metrics with thresholds, actions say what
to do (restrict the worker, set a skill, accept or reject her answers, raise an overlap). Nothing
here touches the database: `services.quality` loads events, calls `evaluate`, and applies what it
returns.
"""

from clipcrowd.quality.collectors import COLLECTORS, TRIGGERS, Event
from clipcrowd.quality.rules import AcceptAll, ChangeOverlap, Decision, RejectAll, Restrict, SetSkill, evaluate

__all__ = ["COLLECTORS", "TRIGGERS", "AcceptAll", "ChangeOverlap", "Decision", "Event", "RejectAll", "Restrict",
           "SetSkill", "evaluate"]
