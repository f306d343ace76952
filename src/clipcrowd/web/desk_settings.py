"""A pool's settings in words for its desk page: acceptance mode, figures, filters and quality rules
as sentences (with their JSON), and why it is closed. Presentation only; `PoolRules` decides the mode."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from clipcrowd.domain.pool import PoolRules
from clipcrowd.domain.timeutil import format_time, parse_time

OPERATOR_SIGNS = {"EQ": "=", "NE": "≠", "GT": ">", "GTE": "≥", "LT": "<", "LTE": "≤", "IN": "in", "NOT_IN": "not in"}
CLOSE_REASONS = {
    "NOT_STARTED": "not opened yet", "MANUAL": "closed by you", "COMPLETED": "every task has its answers",
    "EXPIRED": "its end date passed", "BLOCKED": "blocked", "ASSIGNMENTS_LIMIT_EXCEEDED": "assignment limit reached",
}



def _leaf_text(leaf: Mapping[str, Any], skill_names: Mapping[str, str]) -> str:
    key = str(leaf.get("key"))
    if leaf.get("category") == "skill":
        key = f"skill “{skill_names.get(key, key)}”"
        if leaf.get("value") is None:
            return f"{key} has no value" if leaf.get("operator") == "EQ" else f"{key} has a value"
    value = leaf.get("value")
    shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return f"{key} {OPERATOR_SIGNS.get(str(leaf.get('operator')), leaf.get('operator'))} {shown}"


def filter_lines(tree: Any, skill_names: Mapping[str, str]) -> list[str]:
    """A filter as one line per AND clause, its alternatives joined by “or”."""
    if not tree:
        return []
    clauses = tree["and"] if isinstance(tree, Mapping) and "and" in tree else [tree]
    lines = []
    for clause in clauses:
        if isinstance(clause, Mapping) and "or" in clause and all(
                isinstance(x, Mapping) and "category" in x for x in clause["or"]):
            lines.append(" or ".join(_leaf_text(x, skill_names) for x in clause["or"]))
        elif isinstance(clause, Mapping) and "category" in clause:
            lines.append(_leaf_text(clause, skill_names))
        else:
            lines.append(json.dumps(clause, ensure_ascii=False))
    return lines


def quality_lines(qc: Any) -> list[str]:
    """Each quality rule as a sentence: collector (parameters): if conditions → action."""
    lines = []
    for config in (qc or {}).get("configs") or []:
        collector = config.get("collector_config") or {}
        params = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in (collector.get("parameters") or {}).items())
        head = f"{collector.get('type')}" + (f" ({params})" if params else "")
        for rule in config.get("rules") or []:
            conds = " and ".join(f"{c.get('key')} {OPERATOR_SIGNS.get(str(c.get('operator')), c.get('operator'))} "
                                 f"{c.get('value')}" for c in rule.get("conditions") or [])
            action = rule.get("action") or {}
            p = action.get("parameters") or {}
            if action.get("type") in ("RESTRICTION_V2", "RESTRICTION"):
                span = "for good" if p.get("duration_unit") == "PERMANENT" else \
                    f"for {p.get('duration')} {str(p.get('duration_unit', '')).lower()}"
                what = f"block on {str(p.get('scope', '')).lower().replace('_', ' ')} {span}"
                if p.get("private_comment"):
                    what += f" (“{p['private_comment']}”)"
            else:
                what = f"{action.get('type')} {json.dumps(p, ensure_ascii=False)}"
            lines.append(f"{head}: if {conds} → {what}")
    return lines


def acceptance_text(data: Mapping[str, Any]) -> str:
    """The pool's acceptance mode as `PoolRules` applies it (absent auto_accept_solutions = automatic)."""
    rules = PoolRules.of(data)
    if rules.auto_accept:
        return "Accepted automatically"
    days = rules.auto_accept_period_days
    return f"Reviewed by you, auto-accept after {days} day{'' if days == 1 else 's'}"


def pool_settings(pool: Mapping[str, Any], skill_names: Mapping[str, str]) -> dict[str, Any]:
    """Everything a pool's page shows about its settings, in words."""
    defaults = pool.get("defaults") or {}
    mixer = pool.get("mixer_config") or {}
    seconds = int(pool.get("assignment_max_duration_seconds") or 0)
    return {
        "acceptance": acceptance_text(pool),
        "reward": pool.get("reward_per_assignment"),
        "overlap": (defaults.get("default_overlap_for_new_task_suites") or defaults.get("default_overlap_for_new_tasks")
                    or 1),
        "will_expire": format_time(parse_time(pool.get("will_expire"), "will_expire")),
        "max_duration": f"{seconds // 60} min" + (f" {seconds % 60} s" if seconds % 60 else "") if seconds >= 60
        else f"{seconds} s",
        "mixer": {k: mixer.get(f"{k}_tasks_count", {"real": 1}.get(k, 0)) for k in ("real", "golden", "training")},
        "priority": pool.get("priority"),
        "adult": bool(pool.get("may_contain_adult_content")),
        "filters": filter_lines(pool.get("filter"), skill_names),
        "filter_json": json.dumps(pool.get("filter"), indent=2, ensure_ascii=False) if pool.get("filter") else "",
        "rules": quality_lines(pool.get("quality_control")),
        "qc_json": json.dumps(pool.get("quality_control"), indent=2, ensure_ascii=False)
        if pool.get("quality_control") else "",
        "close_reason": CLOSE_REASONS.get(str(pool.get("last_close_reason")), pool.get("last_close_reason"))
        if pool.get("status") == "CLOSED" and pool.get("last_close_reason") else None,
        "description": pool.get("public_description"), "comment": pool.get("private_comment"),
    }
