"""The requester dialect's assignments TSV, as toloka-kit's `get_assignments_df` downloads it.

`GET /api/new/requester/pools/{id}/assignments.tsv?status=APPROVED,...&field=ASSIGNMENT:link,...`
answers one tab-separated line per (assignment, task): `INPUT:` columns, `OUTPUT:` columns,
`GOLDEN:` columns (golden tasks' first known solution), `HINT:text`, `ACCEPT:verdict` and
`ACCEPT:comment`, then the `ASSIGNMENT:` fields asked for, in the order asked. Status names are
the dialect's (APPROVED for accepted). `startTimeFrom` / `startTimeTo` bound the submission time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.domain.timeutil import parse_time
from clipcrowd.export.pool_answers import TIMES, Answer, Assignment, Selection, Shape
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


def times(request: Request) -> set[str]:
    """The assignment times the asked fields show (`pool_answers.chunks` formats only those)."""
    return {"created" if f == "ASSIGNMENT:started" else f.split(":", 1)[1] for f in request.fields} & set(TIMES)


def _assignment_field(name: str, link_base: str) -> Callable[[Answer], str]:
    """How one `ASSIGNMENT:` column is read from an answer."""
    match name:
        case "ASSIGNMENT:link":
            return lambda answer: f"{link_base}/api/v1/assignments/{answer[0].id}"
        case "ASSIGNMENT:assignment_id" | "ASSIGNMENT:task_suite_id":
            return lambda answer: answer[0].id
        case "ASSIGNMENT:task_id":
            return lambda answer: answer[1].id
        case "ASSIGNMENT:worker_id":
            return lambda answer: answer[0].worker_id
        case "ASSIGNMENT:status":
            return lambda answer: DIALECT_STATUS[answer[0].status]
        case "ASSIGNMENT:started":
            return lambda answer: answer[0].created or ""
        case "ASSIGNMENT:reward":
            return lambda answer: repr(float(answer[0].reward))
        case _:
            index = Assignment._fields.index(name.split(":", 1)[1])
            return lambda answer: str(answer[0][index] or "")


def tsv(shape: Shape, request: Request, chunks: Iterable[list[Answer]], link_base: str) -> Iterator[bytes]:
    head = ([f"INPUT:{k}" for k in shape.inputs] + [f"OUTPUT:{k}" for k in shape.outputs]
            + [f"GOLDEN:{k}" for k in shape.outputs] + ["HINT:text", "ACCEPT:verdict", "ACCEPT:comment"]
            + list(request.fields))
    fields = [_assignment_field(f, link_base) for f in request.fields]

    verdicts = {"ACCEPTED": "+", "REJECTED": "-"}

    def line(answer: Answer) -> list[str]:
        """Inputs, outputs, golden solution and hint, verdict and comment, then the asked fields."""
        row, task, values = answer
        data = task.data
        out = list(map(cell, map(data.get("input_values", {}).get, shape.inputs)))
        out += map(cell, map(values.get, shape.outputs))
        known = (data.get("known_solutions") or [{}])[0].get("output_values") or {} if task.golden else {}
        out += map(cell, map(known.get, shape.outputs))
        out += (cell(data.get("message_on_unknown_solution")), verdicts.get(row.status, ""), cell(row.public_comment))
        out += [f(answer) for f in fields]
        return out

    return delimited(head, ([line(a) for a in chunk] for chunk in chunks), delimiter="\t")
