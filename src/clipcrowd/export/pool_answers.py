"""A pool's answers, one per (assignment, task), read in keyset chunks: memory holds one chunk.

Each chunk is its own short read transaction (`assignments.id > last ORDER BY id LIMIT n` over the
`(pool_id, id)` index), so an export never pins a transaction or a connection while the client
downloads, and costs the same per row at a thousand answers as at a million. Tasks and stored
aggregated labels of a chunk are fetched with one list parameter each (`store.lists.one_of`).

Rows are read as the text the files carry (`store.wire_text`: ids and times formatted once, JSON
columns as their stored text, parsed here by pydantic-core without SQLAlchemy's per-value pass).
A chunk is read at once but handed on in batches of about `BATCH` answers, whose Python objects
(a `Task` with its parsed data per answer, the writers' cells) are made only when the batch is:
what a chunk keeps between batches is the driver's rows, tuples of text and numbers, which the
garbage collector stops tracking at its first look. Objects made for a whole chunk at once (ten
thousand tasks and their data, cells and lines) outlived the collector's young generations by the
thousand, and every few thousand of those set off a full collection, which walks every object of
the process: 40-60% of a 70,001-task export's CPU was the collector. What a writer derives from a
task alone it keeps in `Task.memo`, which lives as long as the batch.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, NamedTuple

from pydantic_core import from_json
from sqlalchemy import Connection, Select, null, select

from clipcrowd.domain.models.projects import ProjectData
from clipcrowd.services import desk_aggregates, label_runs, pools
from clipcrowd.services.projects import load as load_project
from clipcrowd.services.restrictions import active_condition
from clipcrowd.store.db import Database
from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import assignments, tasks, user_restrictions
from clipcrowd.store.wire_text import id_text, iso_millis, json_text

ANSWERED = ("SUBMITTED", "ACCEPTED", "REJECTED")
CHUNK = 1000  # assignments per read: a fixed cost per chunk, whatever the pool's size
#: answers handed on at a time (whole assignments: a batch may hold a few more). A batch and what the
#: writers make of it (~9 tracked objects an answer) stay under the 700 allocations that start a
#: young collection: at 256 an export's young collections went from ~80 to ~800 and its full ones
#: from 0 to 2 (1,024: 8), and a 70,001-answer CSV took 0.53 s of CPU instead of 0.43 (16 to 64: alike)
BATCH = 32


class Assignment(NamedTuple):
    """An assignment as the files show it: ids as 12-digit text, times as ISO text (None when unset);
    the row read is this tuple as it comes (`_columns`), so making one costs no per-field work."""

    id: str
    worker_id: str
    status: str
    created: str
    submitted: str | None
    accepted: str | None
    rejected: str | None
    skipped: str | None
    expired: str | None
    reward: float
    public_comment: str | None
    task_ids: str  # JSON text
    solutions: str | None  # JSON text
    number: int  # the id as a number
    worker: int  # the worker's id as a number


class Task:
    """A task of one chunk: its id as text, golden flag, parsed data, and what writers derived from it."""

    __slots__ = ("aggregated", "data", "golden", "id", "memo")

    def __init__(self, id: str, golden: bool, data: dict[str, Any], aggregated: dict[str, dict[str, Any]]):
        self.id, self.golden, self.data, self.aggregated = id, golden, data, aggregated
        self.memo: dict[Any, Any] = {}


class Answer(NamedTuple):
    """One task of one assignment: the assignment, the task, and the worker's values for it. The
    task carries its latest stored aggregated label per field (`Task.aggregated`). Chunks hold plain
    `(assignment, task, values)` tuples, which unpack the same way."""

    assignment: Assignment
    task: Task
    values: dict[str, Any]


@dataclass(frozen=True)
class Shape:
    """What columns an export of this pool has, known before its first row is read."""

    pool: Any
    input_spec: dict[str, Any]
    output_spec: dict[str, Any]
    aggregated_fields: list[str] = field(default_factory=list)

    @cached_property
    def inputs(self) -> list[str]:
        return sorted(self.input_spec)

    @cached_property
    def outputs(self) -> list[str]:
        return sorted(self.output_spec)


@dataclass(frozen=True)
class Selection:
    """Which answers: statuses, a submission time window, and whether to leave out barred workers."""

    statuses: Collection[str] = ANSWERED
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None
    exclude_banned: bool = False


def shape(db: Database, pool_id: int) -> Shape:
    """Columns from the project's specs and the fields some aggregation run stored (NotFound: 404)."""
    with db.read() as conn:
        pool = pools.load(conn, pool_id)
        spec = ProjectData.of(load_project(conn, pool.project_id).data).task_spec
        stored = label_runs.stored_fields(conn, pool_id)
    return Shape(pool, dict(spec.input_spec), dict(spec.output_spec), stored)


def _barred(conn: Connection, pool: Any) -> set[int]:
    """Workers barred from the pool right now (a restriction of theirs covers it)."""
    r = user_restrictions.c
    return {w for (w,) in conn.execute(select(r.worker_id).where(
        active_condition(r.worker_id, pool.project_id, pool.id)).distinct())}


_a = assignments.c
TIMES = ("created", "submitted", "accepted", "rejected", "skipped", "expired")


def _columns(times: Collection[str]) -> list[Any]:
    """The assignment's columns in `Assignment` order; of its times only `times` are formatted
    (formatting one costs as much as reading the row), the others read as NULL."""
    return [id_text(_a.id), id_text(_a.worker_id), _a.status,
            *(iso_millis(_a[name]) if name in times else null() for name in TIMES),
            _a.reward, _a.public_comment, json_text(_a.task_ids), json_text(_a.solutions), _a.id, _a.worker_id]


def _rows(conn: Connection, statement: Select[Any]) -> Sequence[Any]:
    """The statement's rows as the driver's tuples: SQLAlchemy compiles and binds (its statement
    cache, `one_of`'s list), but does not build a `Row` per row; every column here is already the
    value a writer wants (text, numbers), so there is nothing for it to convert."""
    result = conn.execute(statement)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def chunks(db: Database, shape: Shape, selection: Selection = Selection(), chunk: int = CHUNK,
           times: Collection[str] = ("submitted",), batch: int = BATCH) -> Iterator[list[Answer]]:
    """Every selected answer of the pool in assignment order, then task order within a suite, in
    lists of about `batch` answers (whole assignments), read `chunk` assignments at a time. Of the
    assignment's times, those not in `times` are None."""
    pool_id = shape.pool.id
    statuses = set(selection.statuses)
    conditions = [_a.pool_id == pool_id]
    if selection.submitted_from is not None:
        conditions.append(_a.submitted >= selection.submitted_from)
    if selection.submitted_to is not None:
        conditions.append(_a.submitted <= selection.submitted_to)
    barred: set[int] = set()
    if selection.exclude_banned:
        with db.read() as conn:
            barred = _barred(conn, shape.pool)
    columns = _columns(times)
    last = 0
    while True:
        with db.read() as conn:
            # statuses are filtered here, not in SQL: the scan then follows (pool_id, id) in order
            # instead of sorting each chunk of a status index
            rows = _rows(conn, select(*columns).where(*conditions, _a.id > last).order_by(_a.id).limit(chunk))
            if not rows:
                return
            last = rows[-1][13]
            rows = [r for r in rows if r[2] in statuses and r[14] not in barred]
            suites = [tuple(from_json(r[11])) for r in rows]  # tuples of ids: untracked, unlike lists
            ids = sorted({t for suite in suites for t in suite})
            labels = desk_aggregates.latest_labels(conn, pool_id, ids) if ids and shape.aggregated_fields else {}
            found: dict[int, Any] = {}
            if ids:
                t = tasks.c
                found = {row[0]: row for row in _rows(conn, select(
                    t.id, id_text(t.id), t.golden, json_text(t.data)).where(one_of(t.id, ids)))}
        out: list[Answer] = []
        for row, suite in zip(rows, suites, strict=True):
            assignment: Assignment = tuple.__new__(Assignment, row)
            # an assignment without answers (ACTIVE, SKIPPED, EXPIRED) still names its tasks
            solutions = from_json(row[12]) if row[12] is not None else None
            for task_id, values in zip(suite, solutions or [{}] * len(suite), strict=False):
                task = found.get(task_id)
                if task is not None:
                    _, text_id, golden, data = task
                    out.append((assignment, Task(text_id, bool(golden), from_json(data),  # type: ignore[arg-type]
                                                 labels.get(text_id, {})), values or {}))
            if len(out) >= batch:
                yield out
                out = []
        if out:
            yield out
