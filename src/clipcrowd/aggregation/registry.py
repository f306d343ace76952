"""Name -> aggregator class: the one place the server and the CLI look methods up."""

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

__all__ = ["AGGREGATORS"]

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
