"""An assignment as the JSON text of the requester dialect, written by the database.

`assignment_json()` is a column of `assignments` whose value is the text of the object
`present.assignment` makes: the same keys in the same order, the same types, the same time format.
A page of them then passes through Python as text, never decoded and re-encoded (the per-row work
that cost most of a page). Stored JSON (task data, answers) is spliced in as stored, so its numbers
and strings keep their exact text. `tests/test_assignment_paging.py` compares the two on both
databases: every status, golden and infinite-overlap tasks, suites of several tasks, hostile strings
and numbers.

How the parts are written (names after `present.assignment` and `present.task`):
- ids and times as `store.wire_text` formats them; absent times and comment are left out;
- `reward`: the float's shortest text that reads back as the same float, `.0` kept on whole numbers;
- `tasks`: each task's stored `data` with `id`, `pool_id`, `created`, `infinite_overlap` and
  `overlap` set from its columns (a key already in `data` keeps its place, a new one is appended in
  that order; no `overlap` with infinite overlap). SQLite does it with `json_set`, which keeps keys in
  place. PostgreSQL has no order-keeping `json_set` (jsonb reorders keys and rewrites numbers:
  `1e+16` would come back as an integer), so a task whose `data` already holds those three values and
  no `id` or `created` key (every task the task service writes, until its overlap changes) is its
  stored text with `id` and `created` appended, and any other is rebuilt key by key from `json_each`;
- a suite of one task (the usual) is one index lookup; a longer one reads its ids in order;
- `solutions`: `{"output_values": …}` around each stored answer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from clipcrowd.store.wire_text import id_text, iso_millis

_A = "assignments"
_TIMES = ("created", "submitted", "accepted", "rejected", "skipped", "expired")


class assignment_json(FunctionElement[str]):
    """Each row's assignment as JSON text (select it from `assignments`, unaliased)."""

    type = Text()
    name = "assignment_json"
    inherit_cache = True


class _Formats:
    """How one dialect writes ids and times (as `store.wire_text` does) inside a hand-written statement."""

    def __init__(self, compiler: Any, kw: dict[str, Any]):
        self.compiler, self.kw = compiler, kw

    def id(self, column: str) -> str:
        return str(self.compiler.process(id_text(literal_column(column)), **self.kw))

    def time(self, column: str) -> str:
        return str(self.compiler.process(iso_millis(literal_column(column)), **self.kw))


def _object(f: _Formats, *, quote: str, reward: str, tasks: str, solutions: str) -> str:
    """The assignment's object; `quote` is a template turning `{}` into a JSON string."""
    a = _A
    times = "".join(f""" || coalesce(',"{name}":"' || {f.time(f"{a}.{name}")} || '"', '')""" for name in _TIMES)
    return (f"""'{{"id":"' || {f.id(f"{a}.id")} || '","task_suite_id":"' || {f.id(f"{a}.id")}"""
            f""" || '","pool_id":"' || {f.id(f"{a}.pool_id")} || '","user_id":"' || {f.id(f"{a}.worker_id")}"""
            f""" || '","status":' || {quote.format(f"{a}.status")} || ',"reward":' || {reward}"""
            f""" || ',"mixed":true,"automerged":false,"tasks":[' || {tasks} || ']'{times}"""
            f""" || CASE WHEN {a}.public_comment IS NULL THEN ''"""
            f""" ELSE ',"public_comment":' || {quote.format(f"{a}.public_comment")} END"""
            f""" || {solutions} || '}}'""")


def _solutions(column: str, *, typeof: str, one: str, each: str, length_of_any: bool = False) -> str:
    """`solutions` (left out when there are none): `one` is the text of a single answer, `each` a
    query joining every answer, each in its `{"output_values": …}`. With `length_of_any` (SQLite's
    `json_array_length`, 0 for what is not an array) the usual single answer is found by its length
    before the type is asked: one reading of the JSON instead of two."""
    single = f"""WHEN json_array_length({column}) = 1 THEN ',"solutions":[{{"output_values":' || {one} || '}}]'"""
    not_array = f"{typeof}({column}) <> 'array' THEN ''"
    cases = (f"WHEN {column} IS NULL THEN '' {single} WHEN {not_array}" if length_of_any
             else f"WHEN {column} IS NULL OR {not_array} {single}")
    return f"""CASE {cases} ELSE ',"solutions":[' || coalesce(({each}), '') || ']' END"""


@compiles(assignment_json)
def _sqlite(element: assignment_json, compiler: Any, **kw: Any) -> str:
    f, a = _Formats(compiler, kw), _A
    keys = (f"'$.id', {f.id('aj_t.id')}, '$.pool_id', {f.id('aj_t.pool_id')},"
            f" '$.created', {f.time('aj_t.created')}")
    task = (f"CASE WHEN aj_t.infinite_overlap"
            f" THEN json_remove(json_set(aj_t.data, {keys}, '$.infinite_overlap', json('true')), '$.overlap')"
            f" ELSE json_set(aj_t.data, {keys}, '$.infinite_overlap', json('false'), '$.overlap', aj_t.overlap) END")
    # no comma in the stored ids: at most one task, its id right after the '['
    tasks = (f"coalesce(CASE WHEN instr({a}.task_ids, ',') = 0"
             f" THEN (SELECT {task} FROM tasks AS aj_t WHERE aj_t.id = CAST(substr({a}.task_ids, 2) AS INTEGER))"
             # CROSS JOIN: SQLite keeps the left table outside, so the tasks come in the suite's order
             f" ELSE (SELECT group_concat({task}, ',') FROM json_each({a}.task_ids) AS aj_j"
             f" CROSS JOIN tasks AS aj_t ON aj_t.id = aj_j.value) END, '')")
    s = f"{a}.solutions"
    # `->` gives an element's JSON text whatever its type (json_each's value would not)
    solutions = _solutions(s, typeof="json_type", length_of_any=True,
                           one=f"substr(trim({s}), 2, length(trim({s})) - 2)",
                           each=f"""SELECT group_concat('{{"output_values":' || ({s} -> ('$[' || aj_j.key || ']'))"""
                                f""" || '}}', ',') FROM json_each({s}) AS aj_j""")
    # SQLite writes a float with 15 significant digits, 17 when 15 do not read back as the same float
    r15, r17 = f"printf('%!.15g', {a}.reward)", f"printf('%!.17g', {a}.reward)"
    reward = f"CASE WHEN CAST({r15} AS REAL) = {a}.reward THEN {r15} ELSE {r17} END"
    return _object(f, quote="json_quote({})", reward=reward, tasks=tasks, solutions=solutions)


@compiles(assignment_json, "postgresql")
def _postgresql(element: assignment_json, compiler: Any, **kw: Any) -> str:
    f, a = _Formats(compiler, kw), _A
    data = "CAST(aj_t.data AS TEXT)"
    values = {"id": f"""'"' || {f.id('aj_t.id')} || '"'""", "pool_id": f"""'"' || {f.id('aj_t.pool_id')} || '"'""",
              "created": f"""'"' || {f.time('aj_t.created')} || '"'""",
              "infinite_overlap": "CASE WHEN aj_t.infinite_overlap THEN 'true' ELSE 'false' END",
              "overlap": "coalesce(CAST(aj_t.overlap AS TEXT), 'null')"}
    # `data` as stored, when its values are the columns' (`->` gives a value's stored text) and it has
    # no key "id" or "created" (nor those words anywhere: looking for their text costs less)
    as_stored = (f"""NOT aj_t.infinite_overlap AND strpos({data}, '"id"') = 0 AND strpos({data}, '"created"') = 0"""
                 f" AND CAST(aj_t.data -> 'pool_id' AS TEXT) = {values['pool_id']}"
                 f" AND CAST(aj_t.data -> 'overlap' AS TEXT) = CAST(aj_t.overlap AS TEXT)"
                 f" AND CAST(aj_t.data -> 'infinite_overlap' AS TEXT) = 'false'")
    appended = (f"""left(rtrim({data}), -1) || ',"id":' || {values['id']}"""
                f""" || ',"created":' || {values['created']} || '}}'""")
    value = ("CASE aj_e.k " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in values.items())
             + " ELSE CAST(aj_e.v AS TEXT) END")
    dropped = "aj_e.k = 'overlap' AND aj_t.infinite_overlap"
    added = ", ".join(
        f"""CASE WHEN {"NOT aj_t.infinite_overlap AND " if key == "overlap" else ""}"""
        f"""NOT coalesce(bool_or(aj_e.k = '{key}'), false) THEN '"{key}":' || {v} END""" for key, v in values.items())
    rebuilt = (f"(SELECT '{{' || concat_ws(',', string_agg(CAST(to_json(aj_e.k) AS TEXT) || ':' || {value}, ','"
               f" ORDER BY aj_e.n) FILTER (WHERE NOT ({dropped})), {added}) || '}}'"
               f" FROM json_each(aj_t.data) WITH ORDINALITY AS aj_e(k, v, n))")
    task = f"CASE WHEN {as_stored} THEN {appended} ELSE {rebuilt} END"
    tasks = (f"coalesce(CASE WHEN strpos(CAST({a}.task_ids AS TEXT), ',') = 0"
             f" THEN (SELECT {task} FROM tasks AS aj_t WHERE aj_t.id = CAST({a}.task_ids ->> 0 AS BIGINT))"
             f" ELSE (SELECT string_agg({task}, ',' ORDER BY aj_j.n) FROM json_array_elements_text({a}.task_ids)"
             f" WITH ORDINALITY AS aj_j(v, n) JOIN tasks AS aj_t ON aj_t.id = CAST(aj_j.v AS BIGINT)) END, '')")
    s = f"{a}.solutions"
    solutions = _solutions(s, typeof="json_typeof", one=f"CAST({s} -> 0 AS TEXT)",
                           each=f"""SELECT string_agg('{{"output_values":' || CAST(aj_j.v AS TEXT) || '}}', ','"""
                                f" ORDER BY aj_j.n) FROM json_array_elements({s}) WITH ORDINALITY AS aj_j(v, n)")
    # a float's text is its shortest exact form (extra_float_digits = 1, see `json_pages`), which
    # leaves out the `.0` of a whole number below 1e15
    r = f"CAST({a}.reward AS TEXT)"
    reward = f"CASE WHEN {a}.reward = trunc({a}.reward) AND abs({a}.reward) < 1e15 THEN {r} || '.0' ELSE {r} END"
    return _object(f, quote="CAST(to_json({}) AS TEXT)", reward=reward, tasks=tasks, solutions=solutions)
