"""Aggregating a pool: its answers in, one label per task and one quality per worker stored.

The request is checked before anything starts (unknown pool, method, field or parameters, a pool
without answers: a 4xx naming the field, nothing stored). The heavy part — loading every answer,
running :func:`clipcrowd.aggregation.aggregate`, writing the results — runs as an operation
(``SOLUTION.AGGREGATE``) backed by a job of kind ``aggregation.pool`` on the job runner. Results
are written in one transaction, replacing an earlier run of the same method on the same pool and
field, so a reader never sees half a run.
The review desk and quality rules read the stored rows (`services.label_runs`, `worker_quality`)
instead of aggregating again.
"""

from __future__ import annotations

import json
import logging
from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import JSON, Connection, Text, bindparam, cast, delete, exists, func, insert, literal, select

from clipcrowd.aggregation import AGGREGATORS, AggregationInputError, AggregationResult, Answers, aggregate, method_name
from clipcrowd.domain.errors import ClipcrowdError, NotFound, ValidationFailed
from clipcrowd.domain.ids import format_id, parse_id
from clipcrowd.domain.models.projects import ProjectData
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.jobs import Handler, ShardFailed, ShardPlan, ShardRun, register, submit
from clipcrowd.services import answer_chunks, answer_columns, events, label_runs, operations
from clipcrowd.services import pools as pool_service
from clipcrowd.services import quality as quality_rules
from clipcrowd.services.paging import id_value, page, parse_limit, range_conditions
from clipcrowd.services.projects import load as load_project
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database
from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import (
    GOLDEN_TASK,
    assignment_tasks,
    assignments,
    skills,
    tasks,
    worker_quality,
    worker_skills,
)
from clipcrowd.store.tables import operations as operations_table

log = logging.getLogger("clipcrowd.aggregation")

OPERATION = "SOLUTION.AGGREGATE"
JOB_KIND = "aggregation.pool"
#: output types whose values can be labels (strings, numbers, booleans; not files, URLs or arrays)
LABEL_TYPES = ("string", "integer", "float", "boolean")
#: parameters the HTTP API does not take (a per-worker skills Series cannot travel as JSON params)
REFUSED_PARAMS = ("skills",)
#: the requester dialect's aggregation types (toloka-kit's `aggregate_solutions_by_pool`)
#: WEIGHTED_DYNAMIC_OVERLAP is a majority vote weighted by each worker's value of answer_weight_skill_id
DIALECT_TYPES = {"DAWID_SKENE": "ds", "WEIGHTED_DYNAMIC_OVERLAP": "mv"}
PARTITION = 50_000  # answers fetched from the database at a time
#: an operation's status by its id, read by `Database.lookup` (no transaction of its own)
_STATUS = select(operations_table.c.status).where(operations_table.c.id == bindparam("op_id"))


@dataclass(frozen=True)
class AggregationRequest:
    """A checked request: everything the background run needs."""

    pool_id: int
    method: str
    field: str
    include_submitted: bool
    params: dict[str, Any]
    weight_skill_id: int | None = None  # a weighted vote: each worker's value of this skill

    @property
    def statuses(self) -> tuple[str, ...]:
        return ("ACCEPTED", "SUBMITTED") if self.include_submitted else ("ACCEPTED",)

    def public(self) -> dict[str, Any]:
        body = {"pool_id": format_id(self.pool_id), "method": self.method, "field": self.field,
                "include_submitted": self.include_submitted, "params": self.params}
        if self.weight_skill_id is not None:
            body["weight_skill_id"] = format_id(self.weight_skill_id)
        return body

    @classmethod
    def from_public(cls, body: Mapping[str, Any]) -> AggregationRequest:
        weight = body.get("weight_skill_id")
        return cls(int(body["pool_id"]), str(body["method"]), str(body["field"]), bool(body["include_submitted"]),
                   dict(body.get("params") or {}), None if weight is None else int(weight))


def label_field(output_spec: Mapping[str, Any], wanted: Any) -> str:
    """The output field to aggregate: ``wanted`` if it can hold labels, else the only one that can."""
    usable = label_fields(output_spec)
    if wanted is not None:
        if not isinstance(wanted, str) or wanted not in output_spec:
            raise ValidationFailed.field(
                "field", f"{wanted!r} is not an output field; output fields: {sorted(output_spec)}")
        if wanted not in usable:
            kind = output_spec[wanted].get("type")
            raise ValidationFailed.field(
                "field", f"{wanted!r} has type {kind!r}; labels need one of {list(LABEL_TYPES)}")
        return wanted
    if len(usable) == 1:
        return usable[0]
    if not usable:
        raise ValidationFailed.field(
            "field", f"no output field holds labels ({list(LABEL_TYPES)}): {sorted(output_spec)}")
    raise ValidationFailed.field("field", f"several output fields can be aggregated, choose one of {sorted(usable)}")


def methods_without_params() -> list[dict[str, Any]]:
    """Registry methods that run with no parameters (what the desk offers), and whether they need gold."""
    offered = []
    for name, cls in AGGREGATORS.items():
        try:
            cls()
        except (TypeError, ValueError):
            continue
        offered.append({"name": name, "title": method_name(name), "needs_gold": cls.gold == "required"})
    return offered


def label_fields(output_spec: Mapping[str, Any]) -> list[str]:
    """Output fields whose values can be aggregated as labels, in spec order."""
    return [name for name, spec in output_spec.items() if isinstance(spec, Mapping) and spec.get("type") in LABEL_TYPES]


def prepare(db: Database, body: Any) -> AggregationRequest:
    """Check a request body ``{pool_id, method, field, include_submitted, params}``; raise 4xx errors."""
    if not isinstance(body, Mapping):
        raise ValidationFailed.field("body", "must be an object {pool_id, method, field, include_submitted, params}")
    body = _from_dialect(body)
    method = body.get("method", "ds")
    if not isinstance(method, str) or method not in AGGREGATORS:
        raise ValidationFailed.field("method", f"unknown method {method!r}; one of {sorted(AGGREGATORS)}")
    include_submitted = body.get("include_submitted", False)
    if not isinstance(include_submitted, bool):
        raise ValidationFailed.field("include_submitted", "must be true or false")
    params = body.get("params") or {}
    if not isinstance(params, Mapping):
        raise ValidationFailed.field("params", "must be an object of the method's parameters")
    refused = [name for name in params if name in REFUSED_PARAMS]
    if refused:
        raise ValidationFailed.field("params", f"{refused[0]!r} cannot be given through the API")
    try:
        AGGREGATORS[method](**params)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed.field("params", f"bad parameters for {method!r}: {exc}") from None
    pool_id = parse_id(body.get("pool_id"))
    if pool_id is None:
        raise ValidationFailed.field("pool_id", f"{body.get('pool_id')!r} is not a pool id")
    with db.read() as conn:
        pool = pool_service.load(conn, pool_id)
        spec = ProjectData.of(load_project(conn, pool.project_id).data).task_spec.output_spec
        name = label_field(spec, body.get("field"))
        weight = body.get("weight_skill_id")
        weight_id = None if weight is None else parse_id(weight)
        if weight is not None and (method != "mv" or weight_id is None or not conn.execute(
                select(exists().where(skills.c.id == weight_id))).scalar()):
            raise ValidationFailed.field("answer_weight_skill_id", f"{weight!r} is not a skill id (weights need mv)")
        request = AggregationRequest(pool_id, method, name, include_submitted, dict(params), weight_id)
        answered = conn.execute(select(exists().where(
            assignments.c.pool_id == pool_id, assignments.c.status.in_(request.statuses)))).scalar()
        if not answered:
            kinds = " or ".join(request.statuses).lower()
            raise ValidationFailed.field("pool_id", f"pool {format_id(pool_id)} has no {kinds} answers to aggregate")
        if AGGREGATORS[method].gold == "required" and not conn.execute(select(exists().where(
                tasks.c.pool_id == pool_id, GOLDEN_TASK))).scalar():
            raise ValidationFailed.field("method", f"{method!r} needs golden tasks; pool {format_id(pool_id)} has none")
    return request


def _from_dialect(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """Accept the requester dialect's body too: ``{type: "DAWID_SKENE", pool_id, fields: [{name}]}``
    (``answer_weight_skill_id`` is ignored, as Dawid-Skene learns the weights itself), or
    ``{type: "WEIGHTED_DYNAMIC_OVERLAP", answer_weight_skill_id, ...}``: a vote weighted by the skill."""
    if "type" not in body and "fields" not in body:
        return body
    plain = {k: v for k, v in body.items() if k not in ("type", "fields", "answer_weight_skill_id")}
    if body.get("type") == "WEIGHTED_DYNAMIC_OVERLAP":
        if body.get("answer_weight_skill_id") is None:
            raise ValidationFailed.field("answer_weight_skill_id", "is required: the skill that weighs each answer")
        plain["weight_skill_id"] = body["answer_weight_skill_id"]
    if "type" in body and "method" not in body:
        kind = body["type"]
        if kind not in DIALECT_TYPES:
            raise ValidationFailed.field(
                "type", f"unsupported aggregation type {kind!r}; one of {sorted(DIALECT_TYPES)}")
        plain["method"] = DIALECT_TYPES[kind]
    if "fields" in body and "field" not in body:
        fields = body["fields"]
        if not (isinstance(fields, list) and len(fields) == 1 and isinstance(fields[0], Mapping)
                and isinstance(fields[0].get("name"), str)):
            raise ValidationFailed.field("fields", "must be a list with one {name} (one output field per run)")
        plain["field"] = fields[0]["name"]
    return plain


def get_run(db: Database, pool_id: int, op_id: str) -> dict[str, Any] | None:
    """An aggregation operation of this pool as the API shows it; None for any other id."""
    with db.read() as conn:
        row = conn.execute(select(operations_table).where(operations_table.c.id == op_id)).one_or_none()
    if row is None or row.type != OPERATION or (row.parameters or {}).get("pool_id") != format_id(pool_id):
        return None
    return operations.get(db, op_id)


def start(db: Database, request: AggregationRequest, op_id: str) -> dict[str, Any]:
    """The operation and the job that runs it, in one transaction (the caller wakes the executor)."""
    with db.write() as conn:
        operations.start(conn, OPERATION, request.public(), op_id=op_id)
        submit(conn, JOB_KIND, {**request.public(), "operation_id": op_id}, operation_id=op_id)
    return operations.get(db, op_id)


def _label_value(conn: Connection, field: str, as_text: bool) -> Any:
    """SQL for the worker's value of `field` in the suite position's solution: as text (string
    fields: nothing to decode per answer), else as JSON (numbers and booleans keep their type)."""
    solutions, position = assignments.c.solutions, assignment_tasks.c.position
    kind: Any = Text if as_text else JSON
    if conn.dialect.name == "postgresql":
        extract = func.json_extract_path_text if as_text else func.json_extract_path
        return extract(solutions, cast(position, Text), field, type_=kind)
    path = literal("$[") + cast(position, Text) + literal("]." + json.dumps(field))
    return solutions.op("->>" if as_text else "->", return_type=kind)(path.self_group())


def _coded(ids: npt.NDArray[np.int64]) -> pd.Categorical[str]:
    """Integer ids as a categorical of public ids, coded in order of first appearance."""
    codes, uniques = pd.factorize(ids)
    return pd.Categorical.from_codes(codes, categories=pd.Index([format_id(int(x)) for x in uniques]))
@register(JOB_KIND)
class AggregatePool(Handler):
    """One shard, one item (the pool): :func:`run` replaces the stored results in one transaction,
    so running it again after a crash repeats nothing that shows."""

    def plan(self, request: Mapping[str, Any]) -> list[ShardPlan]:
        return [ShardPlan([str(request["pool_id"])])]

    def run_shard(self, shard: ShardRun) -> None:
        op_id = str(shard.request["operation_id"])
        found = shard.db.lookup(_STATUS, op_id=op_id)
        if found is not None and found[0] in ("RUNNING", "PENDING"):
            error = run(shard.db, AggregationRequest.from_public(shard.request), op_id)
            if error is not None:
                raise ShardFailed(error)
            return
        with shard.db.read() as conn:  # run before (a retry after a crash): as it ended
            row = conn.execute(select(operations_table.c.status, operations_table.c.details)
                               .where(operations_table.c.id == op_id)).one_or_none()
        if row is not None and row.status == "FAIL":
            raise ShardFailed((row.details or {}).get("error") or "the aggregation failed")


def load_answers(conn: Connection, request: AggregationRequest) -> tuple[pd.DataFrame, pd.Series]:
    """(answers frame with public task and worker ids, gold Series from golden tasks' known solutions):
    a plain frame for callers that want one (and the reference `load_coded` is tested against).

    The database hands over three columns — task id, worker id and the field's value, taken out of
    the stored solutions by SQL — read in partitions into integer arrays; task and worker become
    categoricals (each public id formatted once), which the aggregation codes without hashing
    strings. Answers without a value for the field (an optional output left empty) are left out.
    """
    pool = pool_service.load(conn, request.pool_id)
    spec = ProjectData.of(load_project(conn, pool.project_id).data).task_spec.output_spec.get(request.field) or {}
    at = assignment_tasks.c
    result = conn.execution_options(yield_per=PARTITION).execute(
        select(at.task_id, at.worker_id, _label_value(conn, request.field, spec.get("type") == "string"))
        .join_from(assignment_tasks, assignments, assignments.c.id == at.assignment_id)
        .where(assignments.c.pool_id == request.pool_id, assignments.c.status.in_(request.statuses))
        .order_by(at.assignment_id, at.position))
    task_col: array[int] = array("q")
    worker_col: array[int] = array("q")
    label_col: list[Any] = []
    for part in result.partitions():
        for task_id, worker_id, value in part:
            if value is not None:
                task_col.append(task_id)
                worker_col.append(worker_id)
                label_col.append(value)
    answers = pd.DataFrame({"task": _coded(np.frombuffer(task_col, dtype=np.int64)),
                            "worker": _coded(np.frombuffer(worker_col, dtype=np.int64)), "label": label_col})
    gold = {format_id(task_id): value for task_id, value in _gold(conn, request).items()}
    return answers, pd.Series(gold, dtype=object)


def _gold(conn: Connection, request: AggregationRequest) -> dict[int, Any]:
    """Golden tasks' known values of the field, by integer task id (the pool's golden tasks through
    their partial index, whose predicate the query repeats: not a scan of the pool's tasks)."""
    gold: dict[int, Any] = {}
    golden = conn.execute(select(tasks.c.id, tasks.c.data).where(tasks.c.pool_id == request.pool_id, GOLDEN_TASK))
    for task_id, data in golden:
        for known in data.get("known_solutions") or ():
            value = (known.get("output_values") or {}).get(request.field)
            if value is not None:
                gold[task_id] = value
                break
    return gold


def load_coded(conn: Connection, request: AggregationRequest) -> tuple[Answers, pd.Series]:
    """(coded answers, gold Series), both by integer task and worker ids, read column-wise
    (`services.answer_columns`)."""
    pool = pool_service.load(conn, request.pool_id)
    spec = ProjectData.of(load_project(conn, pool.project_id).data).task_spec.output_spec.get(request.field) or {}
    answers = answer_columns.read_answers(conn, request.pool_id, request.statuses, request.field,
                                          spec.get("type") == "string")
    return answers, pd.Series(_gold(conn, request), dtype=object)


def _usable_gold(answers: Answers, gold: pd.Series, method: str) -> pd.Series | None:
    """Gold for methods that use it, limited to labels some worker gave (others cannot be modelled)."""
    if AGGREGATORS[method].gold == "none" or gold.empty:
        return None
    known = set(answers.labels.tolist())
    usable = gold[[value in known for value in gold.tolist()]]
    return usable if not usable.empty else None


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def run(db: Database, request: AggregationRequest, op_id: str) -> str | None:
    """The background half: aggregate, store, record an event, finish the operation (or fail it:
    then the error, as the operation reports it). Answers left unpacked are packed afterwards, for
    the next run (`services.answer_chunks`)."""
    try:
        with db.read() as conn:
            answers, gold = load_coded(conn, request)
            unpacked = answer_chunks.worth_packing(conn, request.pool_id, request.field)
            weights = (None if request.weight_skill_id is None
                       else _skill_weights(conn, request.weight_skill_id, answers))
        params = dict(request.params)
        if weights is not None:
            params["skills"] = weights
        result = aggregate(answers, request.method, _usable_gold(answers, gold, request.method), **params)
        counts = dict(zip(answers.workers.tolist(), np.bincount(answers.worker, minlength=answers.n_workers).tolist(),
                          strict=True))
        codes, values = _label_codes(result, answers)
        chosen = codes >= 0
        label_tasks = result.labels.index.to_numpy()[chosen]
        label_codes = codes[chosen]
        label_confidence = result.confidence.to_numpy()[chosen]
        now = utcnow()
        quality = result.worker_quality
        quality_rows = [
            {"pool_id": request.pool_id, "worker_id": int(worker), "field": request.field,
             "method": request.method, "quality": None if pd.isna(value) else float(value),
             "answers": int(counts[worker]), "operation_id": op_id, "created": now}
            for worker, value in zip(quality.index.tolist(), quality.tolist(), strict=True)
        ]
        scope = {"pool_id": request.pool_id, "field": request.field, "method": request.method}
        details: dict[str, Any] = {"tasks": len(label_tasks), "workers": len(quality_rows), "method": request.method,
                   "field": request.field, "answers": result.n_answers,
                   "duplicate_answers": result.n_duplicate_answers}
        with db.write() as conn:
            label_runs.store(conn, pool_id=request.pool_id, field=request.field, method=request.method,
                             operation_id=op_id, created=now, labels=[_plain(v) for v in values],
                             task_ids=label_tasks, codes=label_codes, confidence=label_confidence)
            conn.execute(delete(worker_quality).where(*(worker_quality.c[k] == v for k, v in scope.items())))
            conn.execute(insert(worker_quality), quality_rows)
            events.record(conn, "AGGREGATED", pool_id=request.pool_id, operation_id=op_id, **details)
            # rules reading the stored qualities act in the same transaction: all of it or none of it
            quality_rules.on_aggregated(conn, request.pool_id, request.method, request.field)
            operations.finish(conn, op_id, success=True, details=details)
    except Exception as exc:  # the operation must end, whatever went wrong; the error is reported in it
        expected = isinstance(exc, AggregationInputError | ClipcrowdError)
        if not expected:
            log.exception("aggregation %s failed", op_id)
        error = f"{type(exc).__name__}: {exc}"
        with db.write() as conn:
            operations.finish(conn, op_id, success=False, details={"error": error})
        return error
    if unpacked:
        answer_chunks.pack(db, request.pool_id, request.field)
    return None


def _label_codes(result: AggregationResult, answers: Answers) -> tuple[npt.NDArray[np.intp], Any]:
    """Each task's label as a code into the labels the run stores (-1: no label), and those labels
    (the ones some task got, sorted): from the codes `aggregate` found, without hashing the labels
    again; by hashing them only where a method chose a label outside the answers' labels."""
    codes = np.asarray(result.label_codes)
    outside = codes < 0
    if outside.any() and bool(result.labels[outside].notna().any()):
        return pd.factorize(result.labels, use_na_sentinel=True)
    used = np.bincount(codes[~outside], minlength=answers.n_labels) > 0
    if used.all():
        return codes, answers.labels
    renumber = np.cumsum(used) - 1
    return np.where(outside, -1, renumber.take(np.maximum(codes, 0))), answers.labels[used]


def _skill_weights(conn: Connection, skill_id: int, answers: Answers) -> pd.Series | None:
    """Each answering worker's value of the skill (0 without one), by worker id; None when nobody
    has it, so every vote counts the same, as `aggregate_solutions_by_task` does."""
    workers = [int(w) for w in answers.workers.tolist()]
    have = dict(conn.execute(select(worker_skills.c.worker_id, worker_skills.c.value).where(
        worker_skills.c.skill_id == skill_id, one_of(worker_skills.c.worker_id, workers))).all())
    if not any(v > 0 for v in have.values()):
        return None
    return pd.Series({w: float(have.get(w, 0.0)) for w in workers}, dtype=float)


def _operation(conn: Connection, op_id: str) -> Any:
    row = conn.execute(select(operations_table).where(operations_table.c.id == op_id)).one_or_none()
    if row is None or row.type != OPERATION:
        raise NotFound(f"aggregation operation {op_id} does not exist")
    return row


def _task_bounds(query: Mapping[str, str]) -> tuple[int | None, int | None]:
    """The lowest and highest task id that ``task_id_gt``, ``_gte``, ``_lt`` and ``_lte`` allow (ids
    are integers: above 7 is from 8 on); None where nothing bounds them."""
    low: int | None = None
    high: int | None = None
    for suffix, shift in (("gt", 1), ("gte", 0)):
        if (raw := query.get(f"task_id_{suffix}")) is not None:
            bound = id_value(raw, f"task_id_{suffix}") + shift
            low = bound if low is None else max(low, bound)
    for suffix, shift in (("lt", -1), ("lte", 0)):
        if (raw := query.get(f"task_id_{suffix}")) is not None:
            bound = id_value(raw, f"task_id_{suffix}") + shift
            high = bound if high is None else min(high, bound)
    return low, high


def labels_page(db: Database, settings: Settings, op_id: str, query: Mapping[str, str]) -> dict[str, Any]:
    """One page of an operation's labels, by task id; ``task_id_gt`` continues after a page."""
    limit = parse_limit(query, settings.page_limit_default, settings.page_limit_max)
    low, high = _task_bounds(query)
    with db.read() as conn:
        _operation(conn, op_id)
        run = label_runs.run_of_operation(conn, op_id)
        rows = [] if run is None else label_runs.labels_of_run(conn, run, low, high, limit + 1)
    pool = None if run is None else format_id(run.pool_id)
    items = [{"pool_id": pool, "task_id": format_id(task), "output_values": {run.field: label},
              "confidence": confidence} for task, label, confidence in rows[:limit]]
    return {"items": items, "has_more": len(rows) > limit}


def worker_quality_page(db: Database, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    """Stored worker qualities of a pool (``pool_id`` required; ``method``, ``field``, ``user_id``)."""
    if "pool_id" not in query:
        raise ValidationFailed.field("pool_id", "is required")
    t = worker_quality.c
    conditions = [t.pool_id == id_value(query["pool_id"], "pool_id")]
    if "user_id" in query:
        conditions.append(t.worker_id == id_value(query["user_id"], "user_id"))
    for name in ("method", "field"):
        if name in query:
            conditions.append(t[name] == query[name])
    conditions += range_conditions(worker_quality, query, ("id",))

    def present(_conn: Connection, rows: Any) -> list[dict[str, Any]]:
        return [{"id": format_id(r.id), "pool_id": format_id(r.pool_id), "user_id": format_id(r.worker_id),
                 "field": r.field, "method": r.method, "quality": r.quality, "answers": r.answers,
                 "operation_id": r.operation_id} for r in rows]

    with db.read() as conn:
        return page(conn, worker_quality, conditions, query, present, limit_default=settings.page_limit_default,
                    limit_max=settings.page_limit_max, sortable=("id",))
