"""Who the simulated workers are: accuracy, speed, habits, and the profile pool filters see."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SimWorker:
    """One simulated person. `accuracy` is the chance of giving the true answer on a task."""

    index: int
    accuracy: float
    think_seconds: float
    spammer: bool = False
    fast: bool = False
    # How her mistakes fall: a weight per wrong option, so one worker keeps confusing a with b
    # while another errs the other way (a per-worker confusion matrix, as real crowds have).
    confusion_seed: int = 0
    languages: list[str] = field(default_factory=lambda: ["EN"])
    client_type: str = "BROWSER"
    #: other profile facts a pool reads (`adult_allowed` for a pool that may contain adult content)
    profile: dict[str, Any] = field(default_factory=dict)
    token: str = ""
    user_id: str = ""


def make_crowd(
    n: int, *, accuracy: float = 0.9, spammers: float = 0.0, fast: float = 0.0, think_seconds: float = 0.0,
    languages: list[str] | None = None, client_type: str = "BROWSER", seed: int = 0,
    profile: dict[str, Any] | None = None,
) -> list[SimWorker]:
    """A crowd of `n`: a share of spammers (random answers) and of fast submitters (no thinking)."""
    if n < 1:
        raise ValueError("a crowd needs at least one worker")
    for name, share in (("spammers", spammers), ("fast", fast)):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"{name} is a share between 0 and 1, got {share}")
    if not 0.0 <= accuracy <= 1.0:
        raise ValueError(f"accuracy is between 0 and 1, got {accuracy}")
    rng = random.Random(seed)
    n_spam, n_fast = round(n * spammers), round(n * fast)
    crowd = []
    for i in range(n):
        spread = rng.uniform(-0.05, 0.05) if 0.05 < accuracy < 0.95 else 0.0
        crowd.append(SimWorker(
            index=i, accuracy=min(1.0, max(0.0, accuracy + spread)),
            think_seconds=0.0 if i < n_fast else think_seconds * rng.uniform(0.8, 1.2),
            spammer=n_fast <= i < n_fast + n_spam, fast=i < n_fast, confusion_seed=rng.randrange(2**31),
            languages=list(languages or ["EN"]), client_type=client_type, profile=dict(profile or {}),
        ))
    return crowd
