"""Pools: validation of the requester's pool object and the settings the server reads from it.

The object is stored as sent (plus read-only fields); `PoolRules` is the typed view the issuing
and review code works with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clipcrowd.domain import bounds
from clipcrowd.domain.errors import NotSupported, ValidationFailed
from clipcrowd.domain.filters import validate_filter
from clipcrowd.domain.ids import parse_id
from clipcrowd.domain.models.base import checked
from clipcrowd.domain.models.pools import MixerConfig, PoolCreate, PoolData, PoolDefaults
from clipcrowd.domain.quality import validate_quality_control
from clipcrowd.domain.timeutil import parse_time

DEFAULT_REVIEW_DAYS = 7  # a submission nobody reviews is accepted after this many days
READ_ONLY_POOL_FIELDS = {"id", "status", "created", "last_started", "last_stopped", "last_close_reason", "type"}


#: settings Toloka keeps on a project: sent with a pool they would be stored and never read
PROJECT_SETTINGS = ("max_active_assignments_count", "assignments_automerge_enabled")


def validate_pool(body: Any) -> dict[str, Any]:
    """Check a pool object (a create or a full update); return it without read-only fields.

    Types and bounds are `PoolCreate`'s (the API checks the same model at the edge); what a field's
    type cannot say (the suite mix, dates, filter trees, quality rules) is checked here.
    """
    if not isinstance(body, Mapping):
        raise ValidationFailed.field("pool", "must be a JSON object")
    pool = checked(PoolCreate, body, "pool")
    mixer = pool.mixer_config
    if mixer is not None and mixer.real_tasks_count + mixer.golden_tasks_count < 1:
        raise ValidationFailed.field("mixer_config", "a task suite needs at least one real or golden task")
    if mixer is not None and mixer.training_tasks_count:
        # Toloka mixes training tasks (known answers with a hint) into a pool's suites; here a training
        # is a pool of its own that the pool requires (quality_control.training_requirement)
        raise ValidationFailed.field("mixer_config.training_tasks_count",
                                     "must be 0: training tasks are not mixed into a pool's suites; create a "
                                     "training and name it in quality_control.training_requirement")
    if body.get("dynamic_pricing_config") is not None:
        raise ValidationFailed.field("dynamic_pricing_config", "is not supported: every assignment of a pool pays "
                                     "its reward_per_assignment (leave it out; a bonus pays a worker more)")
    if body.get("speed_quality_balance") is not None:
        raise ValidationFailed.field("speed_quality_balance", "is not supported: it picks workers by their rating, "
                                     "and clipcrowd keeps no rating (leave it out; a filter on a skill of your "
                                     "own admits the workers you want)")
    _check_mixer(body.get("mixer_config"), mixer)
    for name in PROJECT_SETTINGS:
        if body.get(name) is not None:
            raise ValidationFailed.field(name, "is a project's setting, not a pool's: set it on the project (it "
                                         "holds for every pool of the project)")
    parse_time(pool.will_expire, "will_expire")
    validate_filter(pool.filter)
    validate_quality_control(pool.quality_control)
    _check_dynamic_overlap(body.get("dynamic_overlap_config"), pool)
    _check_training_config(body.get("training_config"))
    return {k: v for k, v in body.items() if k not in READ_ONLY_POOL_FIELDS}


def _check_training_config(raw: Any) -> None:
    """`training_config: {training_skill_ttl_days}`: how many days a passed training admits to the pool."""
    if raw is None:
        return
    if not isinstance(raw, Mapping) or set(raw) - {"training_skill_ttl_days"}:
        raise ValidationFailed.field("training_config", "an object with training_skill_ttl_days only")
    if raw.get("training_skill_ttl_days") is not None:
        bounds.check_number(raw["training_skill_ttl_days"], "training_config.training_skill_ttl_days", minimum=1,
                            maximum=bounds.MAX_TRAINING_SKILL_TTL_DAYS, integer=True)


#: what `may_contain_adult_content: true` adds to a pool's filter: only workers who said they accept it
ADULT_ALLOWED = {"category": "profile", "key": "adult_allowed", "operator": "EQ", "value": True}


def _with_adult_opt_in(tree: Mapping[str, Any] | None, adult: bool | None) -> Mapping[str, Any] | None:
    if not adult:
        return tree
    return {"and": [tree, ADULT_ALLOWED]} if tree else ADULT_ALLOWED


def _ttl_days(pool: Mapping[str, Any]) -> int | None:
    config = pool.get("training_config")
    days = config.get("training_skill_ttl_days") if isinstance(config, Mapping) else None
    return days if isinstance(days, int) and not isinstance(days, bool) and days > 0 else None


def _check_mixer(raw: Any, mixer: MixerConfig | None) -> None:
    """The minimums within the counts; the settings issuing does not read are refused by name."""
    if mixer is None:
        return
    for name in ("golden_task_distribution_function", "training_task_distribution_function"):
        if isinstance(raw, Mapping) and raw.get(name) is not None:
            raise NotSupported.field(f"mixer_config.{name}", "is not supported: a suite holds the mixer's counts "
                                     "whatever a worker has done (leave it out)")
    if mixer.force_last_assignment_delay_seconds:
        raise NotSupported.field("mixer_config.force_last_assignment_delay_seconds", "is not supported: the last, "
                                 "short suite is handed out at once (leave it out or send 0)")
    for kind in ("real", "golden", "training"):
        least = getattr(mixer, f"min_{kind}_tasks_count")
        if least is not None and least > getattr(mixer, f"{kind}_tasks_count"):
            raise ValidationFailed.field(f"mixer_config.min_{kind}_tasks_count",
                                         f"must be at most {kind}_tasks_count")


def _check_dynamic_overlap(config: Any, pool: PoolCreate) -> None:
    """`dynamic_overlap_config`: type BASIC, max_overlap above the default overlap, min_confidence
    from 0 to 1, the weighting skill's id and the output fields to vote on."""
    if config is None:
        return
    path = "dynamic_overlap_config"
    if not isinstance(config, Mapping):
        raise ValidationFailed.field(path, "must be an object")
    if config.get("type") != "BASIC":
        raise ValidationFailed.field(f"{path}.type", "only BASIC (skill-weighted answers) is supported")
    defaults = pool.defaults or PoolDefaults()
    start = defaults.default_overlap_for_new_tasks or defaults.default_overlap_for_new_task_suites or 1
    bounds.check_number(config.get("max_overlap"), f"{path}.max_overlap", minimum=start, maximum=bounds.MAX_OVERLAP,
                        integer=True)
    bounds.check_number(config.get("min_confidence"), f"{path}.min_confidence", minimum=0, maximum=1)
    if parse_id(config.get("answer_weight_skill_id")) is None:
        raise ValidationFailed.field(f"{path}.answer_weight_skill_id", "is required: a skill id")
    fields = config.get("fields")
    if not isinstance(fields, list) or not fields or not all(
            isinstance(f, Mapping) and isinstance(f.get("name"), str) and f["name"] for f in fields):
        raise ValidationFailed.field(f"{path}.fields", "a non-empty list of {name} naming output fields")


@dataclass(frozen=True)
class PoolRules:
    """The parts of a pool that decide how work is handed out and reviewed."""

    real_per_suite: int
    golden_per_suite: int
    default_overlap: int
    max_duration_seconds: int
    auto_accept: bool
    auto_accept_period_days: int
    will_expire: datetime | None
    filter: Mapping[str, Any] | None
    quality_control: Mapping[str, Any]
    reward: float
    #: the mixer's order: False picks real tasks at random and golden ones in creation order... see `of`
    in_creation_order: bool | None = None
    shuffle: bool = True
    #: a suite with fewer real (golden) tasks left for her than this is not handed out
    least_real: int = 1
    least_golden: int = 0
    #: prepared suites by issuing_order_override, then oldest first; False: at random
    suites_in_creation_order: bool = True
    #: a passed required training admits to the pool this many days after her value was set (None: for good)
    training_skill_ttl_days: int | None = None

    @classmethod
    def of(cls, pool: Mapping[str, Any]) -> PoolRules:
        """The rules of a pool's stored ``data``, read through `PoolData`."""
        data = PoolData.of(pool)
        mixer, defaults = data.mixer_config, data.defaults or PoolDefaults()
        overlap = defaults.default_overlap_for_new_tasks or defaults.default_overlap_for_new_task_suites or 1
        real = mixer.real_tasks_count if mixer else 1
        issuing = data.assignments_issuing_config
        # a pool says it in its mixer; a training (stored as a pool) at the top, as toloka-kit sends it
        in_order = mixer.mix_tasks_in_creation_order if mixer else None
        in_order = pool.get("mix_tasks_in_creation_order") if in_order is None else in_order
        shuffle = mixer.shuffle_tasks_in_task_suite if mixer else None
        shuffle = pool.get("shuffle_tasks_in_task_suite") if shuffle is None else shuffle
        # Toloka hands out the last, short suite unless force_last_assignment is false
        least_real = min(real, 1) if not mixer or mixer.force_last_assignment is not False else (
            real if mixer.min_real_tasks_count is None else mixer.min_real_tasks_count)
        return cls(
            real_per_suite=real,
            golden_per_suite=mixer.golden_tasks_count if mixer else 0,
            default_overlap=overlap,
            max_duration_seconds=data.assignment_max_duration_seconds,
            # absent = automatic, as on Toloka: its "non-automatic acceptance" is an opt-in and
            # toloka-kit sends the field only when set (seed 001 leaves it out and reads ACCEPTED)
            auto_accept=True if data.auto_accept_solutions is None else data.auto_accept_solutions,
            auto_accept_period_days=(DEFAULT_REVIEW_DAYS if data.auto_accept_period_day is None
                                     else data.auto_accept_period_day),
            will_expire=parse_time(data.will_expire, "will_expire"),
            # an adult-content pool is offered only to workers whose profile accepts it, as on Toloka
            filter=_with_adult_opt_in(data.filter, data.may_contain_adult_content),
            quality_control=data.quality_control or {},
            reward=data.reward_per_assignment,
            in_creation_order=in_order if isinstance(in_order, bool) else None,
            shuffle=shuffle is not False,
            least_real=least_real,
            least_golden=(mixer.min_golden_tasks_count or 0) if mixer else 0,
            suites_in_creation_order=issuing is None or issuing.issue_task_suites_in_creation_order is not False,
            training_skill_ttl_days=_ttl_days(pool),
        )
