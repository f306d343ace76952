"""Name -> aggregator class: the one place the server and the CLI look methods up, and the name a
person reads for each code (the desk shows `Dawid-Skene`, never `ds`)."""

from __future__ import annotations

from .base import BaseAggregator
from .dawid_skene import DawidSkene
from .glad import GLAD
from .gold_majority_vote import GoldMajorityVote
from .k_of_n import KOfN
from .mace import MACE
from .majority_vote import MajorityVote
from .one_coin_dawid_skene import OneCoinDawidSkene
from .wawa import Wawa
from .zero_based_skill import ZeroBasedSkill

__all__ = ["AGGREGATORS", "METHOD_NAMES", "method_name"]

AGGREGATORS: dict[str, type[BaseAggregator]] = {
    "mv": MajorityVote,
    "wawa": Wawa,
    "gold_mv": GoldMajorityVote,
    "zbs": ZeroBasedSkill,
    "ds": DawidSkene,
    "one_coin_ds": OneCoinDawidSkene,
    "glad": GLAD,
    "mace": MACE,
    "k_of_n": KOfN,
}

#: code -> the name a person reads; every code of AGGREGATORS has one (a test holds them in step)
METHOD_NAMES: dict[str, str] = {
    "mv": "Majority vote",
    "wawa": "Wawa (agreement-weighted vote)",
    "gold_mv": "Majority vote weighted by golden accuracy",
    "zbs": "Zero-based skill",
    "ds": "Dawid-Skene",
    "one_coin_ds": "One-coin Dawid-Skene",
    "glad": "GLAD",
    "mace": "MACE",
    "k_of_n": "k-of-n confirmation",
}


def method_name(code: str) -> str:
    """The readable name of a method code; an unknown code (a stored run of a removed method) as is."""
    return METHOD_NAMES.get(code, code)
