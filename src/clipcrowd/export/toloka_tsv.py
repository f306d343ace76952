"""The requester dialect's assignments TSV, as toloka-kit's `get_assignments_df` downloads it.

`GET /api/new/requester/pools/{id}/assignments.tsv?status=APPROVED,...&field=ASSIGNMENT:link,...`
answers one tab-separated line per (assignment, task): `INPUT:` columns, `OUTPUT:` columns,
`GOLDEN:` columns (golden tasks' first known solution), `HINT:text`, `ACCEPT:verdict` and
`ACCEPT:comment`, then the `ASSIGNMENT:` fields asked for, in the order asked. Status names are
the dialect's (APPROVED for accepted). `startTimeFrom` / `startTimeTo` bound the submission time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.timeutil import format_time, parse_time
from clipcrowd.export.pool_answers import Answer, Selection, Shape
from clipcrowd.export.text import cell, delimited

STATUS_NAMES = {"ACTIVE": "ACTIVE", "SUBMITTED": "SUBMITTED", "APPROVED": "ACCEPTED", "REJECTED": "REJECTED",
                "SKIPPED": "SKIPPED", "EXPIRED": "EXPIRED"}
DIALECT_STATUS = {ours: theirs for theirs, ours in STATUS_NAMES.items()}
FIELDS = ("ASSIGNMENT:link", "ASSIGNMENT:assignment_id", "ASSIGNMENT:task_id", "ASSIGNMENT:task_suite_id",
          "ASSIGNMENT:worker_id", "ASSIGNMENT:status", "ASSIGNMENT:started", "ASSIGNMENT:submitted",
          "ASSIGNMENT:accepted", "ASSIGNMENT:rejected", "ASSIGNMENT:skipped", "ASSIGNMENT:expired",
          "ASSIGNMENT:reward")
DEFAULT_FIELDS = ("ASSIGNMENT:link", "ASSIGNMENT:assignment_id", "ASSIGNMENT:worker_id", "ASSIGNMENT:status",
                  "ASSIGNMENT:started")


@dataclass(frozen=True)
class Request:
    selection: Selection
    fields: tuple[str, ...]


def _list(query: Mapping[str, str], name: str, allowed: Iterable[str], default: Iterable[str]) -> tuple[str, ...]:
    raw = query.get(name)
    if raw is None or not raw.strip():
        return tuple(default)
    allowed = list(allowed)
    wanted = [part.strip() for part in raw.split(",") if part.strip()]
    if len(wanted) > len(allowed):
        raise ValidationFailed.field(name, f"at most {len(allowed)} values")
    for value in wanted:
        if value not in allowed:
            raise ValidationFailed.field(name, f"unknown {name} {value!r}; one of {allowed}")
    return tuple(dict.fromkeys(wanted))


def parse(query: Mapping[str, str]) -> Request:
    """The query of toloka-kit's `GetAssignmentsTsvParameters`, checked (400 naming the parameter)."""
    statuses = _list(query, "status", STATUS_NAMES, ["APPROVED"])
    fields = _list(query, "field", FIELDS, DEFAULT_FIELDS)
    banned = (query.get("excludeBanned") or "false").lower()
    if banned not in ("true", "false"):
        raise ValidationFailed.field("excludeBanned", "must be true or false")
    return Request(Selection(statuses=[STATUS_NAMES[s] for s in statuses],
                             submitted_from=parse_time(query.get("startTimeFrom"), "startTimeFrom"),
                             submitted_to=parse_time(query.get("startTimeTo"), "startTimeTo"),
                             exclude_banned=banned == "true"), fields)


def _assignment_field(name: str, answer: Answer, link_base: str) -> str:
    row = answer.assignment
    match name:
        case "ASSIGNMENT:link":
            return f"{link_base}/api/v1/assignments/{format_id(row.id)}"
        case "ASSIGNMENT:assignment_id" | "ASSIGNMENT:task_suite_id":
            return format_id(row.id)
        case "ASSIGNMENT:task_id":
            return format_id(answer.task.id)
        case "ASSIGNMENT:worker_id":
            return format_id(row.worker_id)
        case "ASSIGNMENT:status":
            return DIALECT_STATUS[row.status]
        case "ASSIGNMENT:started":
            return format_time(row.created) or ""
        case "ASSIGNMENT:reward":
            return repr(float(row.reward))
        case _:
            return format_time(getattr(row, name.split(":", 1)[1])) or ""


def tsv(shape: Shape, request: Request, answers: Iterable[Answer], link_base: str) -> Iterator[bytes]:
    head = ([f"INPUT:{k}" for k in shape.inputs] + [f"OUTPUT:{k}" for k in shape.outputs]
            + [f"GOLDEN:{k}" for k in shape.outputs] + ["HINT:text", "ACCEPT:verdict", "ACCEPT:comment"]
            + list(request.fields))

    def line(answer: Answer) -> list[str]:
        row, task = answer.assignment, answer.task
        inputs = task.data.get("input_values", {})
        known = (task.data.get("known_solutions") or [{}])[0].get("output_values") or {} if task.golden else {}
        verdict = {"ACCEPTED": "+", "REJECTED": "-"}.get(row.status, "")
        return ([cell(inputs.get(k)) for k in shape.inputs] + [cell(answer.values.get(k)) for k in shape.outputs]
                + [cell(known.get(k)) for k in shape.outputs]
                + [cell(task.data.get("message_on_unknown_solution")), verdict, cell(row.public_comment)]
                + [_assignment_field(f, answer, link_base) for f in request.fields])

    return delimited(head, (line(a) for a in answers), delimiter="\t")


