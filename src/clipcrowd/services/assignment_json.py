"""An assignment as the JSON text of the requester dialect, put together in Python from its plain
columns, with the bytes the database wrote when it made each item itself.

Why: writing every item in SQL (`json_set`, `to_char`, `printf` per row) was most of a page's cost
(docs/scale.md, "Paging assignments"). The page now reads plain columns (`COLUMNS`); Python writes
ids, status and times with string operations and splices stored JSON text in verbatim, never
decoded and encoded again. What must keep a dialect's exact text is still written by the database,
but once per distinct value instead of once per row:
- each task a page's suites name, once per page (`task_json`): its stored `data` with `id`,
  `pool_id`, `created`, `infinite_overlap` and `overlap` set from its columns, as before (a key
  already in `data` keeps its place, a new one is appended; no `overlap` with infinite overlap);
  on PostgreSQL a task as the task service wrote it is its text with `id` and `created` appended
  by Python (`_as_written`);
- each distinct reward, once per process (`reward_text`, a bounded cache): SQLite's `printf` text
  (15 significant digits, 17 when 15 do not read back), PostgreSQL's shortest exact text with `.0`
  on a whole number below 1e15;
- answers other than the usual single one, by a statement for those rows only (`solutions_json`);
  a single answer is its stored text as the database cut it (SQLite: the array's text trimmed of
  spaces without its brackets; PostgreSQL: the element's own text);
- a public comment is quoted by the database in the page's statement (it is rare).
`tests/test_assignment_paging.py` compares the items with `present.assignments` value for value on
both databases, and the Python parts with the database's for hostile values byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, Text, bindparam, cast, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import assignments, tasks
from clipcrowd.store.wire_text import id_text, iso_millis

_TIMES = ("created", "submitted", "accepted", "rejected", "skipped", "expired")


class task_json(FunctionElement[str]):
    """Each row's task object as JSON text (select it from `tasks`, unaliased)."""

    type = Text()
    name = "task_json"
    inherit_cache = True


class solutions_json(FunctionElement[str]):
    """`,"solutions":[…]` of each row of `assignments` (unaliased), or '' when it has none."""

    type = Text()
    name = "solutions_json"
    inherit_cache = True


class reward_text(FunctionElement[str]):
    """A float's text as the item's `reward`."""

    type = Text()
    name = "reward_text"
    inherit_cache = True


class json_string(FunctionElement[str]):
    """A text column as a JSON string, NULL when it is NULL."""

    type = Text()
    name = "json_string"
    inherit_cache = True


_a = assignments.c
#: the page's columns: raw values, times as text (SQLite's stored text; PostgreSQL's own text, ISO
#: date style: `json_pages` sets it), JSON columns as their stored text
COLUMNS: tuple[ColumnElement[Any], ...] = (
    _a.id, _a.pool_id, _a.worker_id, _a.status, _a.reward, cast(_a.task_ids, Text),
    *(cast(_a[name], Text) for name in _TIMES), json_string(_a.public_comment),
    cast(_a.solutions, Text))

_TASKS = select(tasks.c.id, task_json()).where(one_of(tasks.c.id, "ids"))
_PLAIN_TASKS = select(tasks.c.id, tasks.c.pool_id, tasks.c.overlap, tasks.c.infinite_overlap,
                      cast(tasks.c.created, Text), cast(tasks.c.data, Text)).where(one_of(tasks.c.id, "ids"))
_SOLUTIONS = select(_a.id, solutions_json()).where(one_of(_a.id, "ids"))
_REWARD = select(reward_text(bindparam("reward", type_=assignments.c.reward.type)))

#: rewards' texts by dialect, then value; a pool's rewards are few, so this stays small
_rewards: dict[str, dict[Any, str]] = {"sqlite": {}, "postgresql": {}}
_REWARDS_KEPT = 4096
_QUOTED = {status: f'"{status}"' for status in ("ACTIVE", "SUBMITTED", "ACCEPTED", "REJECTED", "SKIPPED", "EXPIRED")}
_SPACE = " \t\n\r"


def items(conn: Connection, rows: Sequence[Any]) -> list[str]:
    """The JSON text of each row read by `COLUMNS`, in order."""
    name = conn.dialect.name
    objects, suites = _tasks(conn, rows)
    answers = _solutions(conn, rows, name == "sqlite")
    rewards = _rewards.setdefault(name, {})
    time = _sqlite_time if name == "sqlite" else _postgresql_time
    ids: dict[int, str] = {}
    out = []
    for row, suite in zip(rows, suites, strict=True):
        (number, pool, worker, status, reward, _, created, submitted, accepted, rejected, skipped, expired,
         comment, _) = row
        if isinstance(suite, int):
            task_part = objects.get(suite, "")
        elif suite is None:
            task_part = ""
        else:
            task_part = ",".join([objects[t] for t in suite if t in objects])
        reward_part = rewards.get(reward if reward else repr(reward))  # 0.0 and -0.0 are one key otherwise
        if reward_part is None:
            reward_part = _reward(conn, rewards, reward)
        pool_text = ids.get(pool)
        if pool_text is None:
            pool_text = ids[pool] = f"{pool:012d}"
        worker_text = ids.get(worker)
        if worker_text is None:
            worker_text = ids[worker] = f"{worker:012d}"
        times = f',"created":"{time(created)}"' if created is not None else ""
        if submitted is not None:
            times += f',"submitted":"{time(submitted)}"'
        if accepted is not None:
            times += f',"accepted":"{time(accepted)}"'
        if rejected is not None:
            times += f',"rejected":"{time(rejected)}"'
        if skipped is not None:
            times += f',"skipped":"{time(skipped)}"'
        if expired is not None:
            times += f',"expired":"{time(expired)}"'
        number_text = f"{number:012d}"
        comment_part = "" if comment is None else ',"public_comment":' + comment
        out.append(f'{{"id":"{number_text}","task_suite_id":"{number_text}","pool_id":"{pool_text}",'
                   f'"user_id":"{worker_text}","status":{_QUOTED.get(status) or _quoted(status)},'
                   f'"reward":{reward_part},"mixed":true,"automerged":false,"tasks":[{task_part}]{times}'
                   f'{comment_part}{answers[number]}}}')
    return out


def _tasks(conn: Connection, rows: Sequence[Any]) -> tuple[dict[int, str], list[Any]]:
    """Each task the rows' suites name, as its JSON text by id (read once however many name it),
    and each row's suite: one task id (the usual), a list of them, or None."""
    suites: list[Any] = []
    wanted: set[int] = set()
    for row in rows:
        text = row[5]
        if "," in text:
            suite: int | list[int] | None = [int(t) for t in orjson.loads(text)]
            wanted.update(suite)  # type: ignore[arg-type]
        elif len(text) > 2:
            suite = int(text[1:-1])
            wanted.add(suite)
        else:
            suite = None
        suites.append(suite)
    if not wanted:
        return {}, suites
    if conn.dialect.name != "postgresql":
        return dict(conn.execute(_TASKS, {"ids": sorted(wanted)}).all()), suites
    objects: dict[int, str] = {}
    rest: list[int] = []
    for number, pool, overlap, infinite, created, data in conn.execute(_PLAIN_TASKS, {"ids": sorted(wanted)}):
        if _as_written(data, pool, overlap, infinite):
            objects[number] = f'{data[:-1]},"id":"{number:012d}","created":"{_postgresql_time(created)}"}}'
        else:
            rest.append(number)
    if rest:
        objects.update(conn.execute(_TASKS, {"ids": rest}).all())
    return objects, suites


def _as_written(data: str, pool: int, overlap: int | None, infinite: bool) -> bool:
    """Whether a task's stored `data` is as the task service writes it (its pool id first, then
    its overlap and `infinite_overlap` false last, each key once, no key `id` or `created`): then
    PostgreSQL's `task_json` is that text with `id` and `created` appended, which Python does (the
    database's checks of it cost most of the tasks' statement). Stricter than `task_json`'s own
    test, so anything else still goes to it."""
    return (not infinite and overlap is not None
            and data.startswith(f'{{"pool_id": "{pool:012d}", ')
            and data.endswith(f', "overlap": {overlap}, "infinite_overlap": false}}')
            and '"id"' not in data and '"created"' not in data and data.count('"pool_id"') == 1
            and data.count('"overlap"') == 1 and data.count('"infinite_overlap"') == 1)


def _sqlite_time(value: str) -> str:
    """As `iso_millis` on SQLite: cut after the milliseconds, a space made a `T`."""
    return value[:23].replace(" ", "T")


def _postgresql_time(value: str) -> str:
    """As `iso_millis` on PostgreSQL (`to_char`, milliseconds truncated) from the ISO text, whose
    fraction leaves out trailing zeros."""
    if len(value) == 26:
        return f"{value[:10]}T{value[11:23]}"
    fraction = value[19:23] if len(value) > 19 else "."
    return f"{value[:10]}T{value[11:19]}{fraction}{'000'[:4 - len(fraction)]}"


def _quoted(status: str) -> str:
    return orjson.dumps(status).decode()


def _reward(conn: Connection, kept: dict[Any, str], reward: float) -> str:
    text: str = conn.execute(_REWARD, {"reward": reward}).scalar_one()
    if len(kept) >= _REWARDS_KEPT:
        kept.clear()
    kept[reward if reward else repr(reward)] = text
    return text


def _solutions(conn: Connection, rows: Sequence[Any], sqlite: bool) -> dict[int, str]:
    """`,"solutions":[…]` by assignment id ('' for none): a single answer written by Python, its
    text cut as the database cuts it; any other asked of the database."""
    done: dict[int, str] = {}
    unusual: list[int] = []
    loads, error = orjson.loads, orjson.JSONDecodeError
    for row in rows:
        text = row[13]
        if text is None:
            done[row[0]] = ""
            continue
        try:
            value = loads(text)
        except error:  # e.g. integers beyond 64 bits: the database reads those
            value = None
        if type(value) is list and len(value) == 1:
            if sqlite:
                done[row[0]] = ',"solutions":[{"output_values":' + text.strip(" ")[1:-1] + "}]"
                continue
            if text[0] == "[" and text[-1] == "]" and text[1] not in _SPACE and text[-2] not in _SPACE:
                done[row[0]] = ',"solutions":[{"output_values":' + text[1:-1] + "}]"
                continue
        unusual.append(row[0])
    if unusual:
        done.update(conn.execute(_SOLUTIONS, {"ids": unusual}).all())
    return done


# ---- what the database writes, per dialect -------------------------------------------------------

def _id(compiler: Any, kw: dict[str, Any], column: str) -> str:
    return str(compiler.process(id_text(literal_column(column)), **kw))


def _time(compiler: Any, kw: dict[str, Any], column: str) -> str:
    return str(compiler.process(iso_millis(literal_column(column)), **kw))


def _solutions_sql(column: str, *, typeof: str, one: str, each: str, length_of_any: bool = False) -> str:
    """`solutions` (left out when there are none): `one` is the text of a single answer, `each` a
    query joining every answer, each in its `{"output_values": …}`. With `length_of_any` (SQLite's
    `json_array_length`, 0 for what is not an array) the usual single answer is found by its length
    before the type is asked: one reading of the JSON instead of two."""
    single = f"""WHEN json_array_length({column}) = 1 THEN ',"solutions":[{{"output_values":' || {one} || '}}]'"""
    not_array = f"{typeof}({column}) <> 'array' THEN ''"
    cases = (f"WHEN {column} IS NULL THEN '' {single} WHEN {not_array}" if length_of_any
             else f"WHEN {column} IS NULL OR {not_array} {single}")
    return f"""CASE {cases} ELSE ',"solutions":[' || coalesce(({each}), '') || ']' END"""


@compiles(task_json)
def _sqlite_task(element: task_json, compiler: Any, **kw: Any) -> str:
    keys = (f"'$.id', {_id(compiler, kw, 'tasks.id')}, '$.pool_id', {_id(compiler, kw, 'tasks.pool_id')},"
            f" '$.created', {_time(compiler, kw, 'tasks.created')}")
    return (f"CASE WHEN tasks.infinite_overlap"
            f" THEN json_remove(json_set(tasks.data, {keys}, '$.infinite_overlap', json('true')), '$.overlap')"
            f" ELSE json_set(tasks.data, {keys}, '$.infinite_overlap', json('false'), '$.overlap', tasks.overlap) END")


@compiles(task_json, "postgresql")
def _postgresql_task(element: task_json, compiler: Any, **kw: Any) -> str:
    """PostgreSQL has no order-keeping `json_set` (jsonb reorders keys and rewrites numbers: `1e+16`
    would come back as an integer), so a task whose `data` already holds the columns' pool_id,
    overlap and infinite_overlap and no `id` or `created` key (every task the task service writes,
    until its overlap changes) is its stored text with `id` and `created` appended, and any other is
    rebuilt key by key from `json_each`."""
    data = "CAST(tasks.data AS TEXT)"
    values = {"id": f"""'"' || {_id(compiler, kw, 'tasks.id')} || '"'""",
              "pool_id": f"""'"' || {_id(compiler, kw, 'tasks.pool_id')} || '"'""",
              "created": f"""'"' || {_time(compiler, kw, 'tasks.created')} || '"'""",
              "infinite_overlap": "CASE WHEN tasks.infinite_overlap THEN 'true' ELSE 'false' END",
              "overlap": "coalesce(CAST(tasks.overlap AS TEXT), 'null')"}
    # no key "id" or "created" (nor those words anywhere: looking for their text costs less)
    as_stored = (f"""NOT tasks.infinite_overlap AND strpos({data}, '"id"') = 0 AND strpos({data}, '"created"') = 0"""
                 f" AND CAST(tasks.data -> 'pool_id' AS TEXT) = {values['pool_id']}"
                 f" AND CAST(tasks.data -> 'overlap' AS TEXT) = CAST(tasks.overlap AS TEXT)"
                 f" AND CAST(tasks.data -> 'infinite_overlap' AS TEXT) = 'false'")
    appended = (f"""left(rtrim({data}), -1) || ',"id":' || {values['id']}"""
                f""" || ',"created":' || {values['created']} || '}}'""")
    value = ("CASE aj_e.k " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in values.items())
             + " ELSE CAST(aj_e.v AS TEXT) END")
    dropped = "aj_e.k = 'overlap' AND tasks.infinite_overlap"
    added = ", ".join(
        f"""CASE WHEN {"NOT tasks.infinite_overlap AND " if key == "overlap" else ""}"""
        f"""NOT coalesce(bool_or(aj_e.k = '{key}'), false) THEN '"{key}":' || {v} END""" for key, v in values.items())
    rebuilt = (f"(SELECT '{{' || concat_ws(',', string_agg(CAST(to_json(aj_e.k) AS TEXT) || ':' || {value}, ','"
               f" ORDER BY aj_e.n) FILTER (WHERE NOT ({dropped})), {added}) || '}}'"
               f" FROM json_each(tasks.data) WITH ORDINALITY AS aj_e(k, v, n))")
    return f"CASE WHEN {as_stored} THEN {appended} ELSE {rebuilt} END"


@compiles(solutions_json)
def _sqlite_solutions(element: solutions_json, compiler: Any, **kw: Any) -> str:
    s = "assignments.solutions"
    # `->` gives an element's JSON text whatever its type (json_each's value would not)
    return _solutions_sql(s, typeof="json_type", length_of_any=True,
                          one=f"substr(trim({s}), 2, length(trim({s})) - 2)",
                          each=f"""SELECT group_concat('{{"output_values":' || ({s} -> ('$[' || aj_j.key || ']'))"""
                               f""" || '}}', ',') FROM json_each({s}) AS aj_j""")


@compiles(solutions_json, "postgresql")
def _postgresql_solutions(element: solutions_json, compiler: Any, **kw: Any) -> str:
    s = "assignments.solutions"
    return _solutions_sql(s, typeof="json_typeof", one=f"CAST({s} -> 0 AS TEXT)",
                          each=f"""SELECT string_agg('{{"output_values":' || CAST(aj_j.v AS TEXT) || '}}', ','"""
                               f" ORDER BY aj_j.n) FROM json_array_elements({s}) WITH ORDINALITY AS aj_j(v, n)")


@compiles(reward_text)
def _sqlite_reward(element: reward_text, compiler: Any, **kw: Any) -> str:
    # SQLite writes a float with 15 significant digits, 17 when 15 do not read back as the same float
    x = compiler.process(element.clauses, **kw)
    r15, r17 = f"printf('%!.15g', {x})", f"printf('%!.17g', {x})"
    return f"CASE WHEN CAST({r15} AS REAL) = {x} THEN {r15} ELSE {r17} END"


@compiles(reward_text, "postgresql")
def _postgresql_reward(element: reward_text, compiler: Any, **kw: Any) -> str:
    # a float's text is its shortest exact form (extra_float_digits = 1, see `json_pages`), which
    # leaves out the `.0` of a whole number below 1e15
    x = f"CAST({compiler.process(element.clauses, **kw)} AS DOUBLE PRECISION)"
    return f"CASE WHEN {x} = trunc({x}) AND abs({x}) < 1e15 THEN CAST({x} AS TEXT) || '.0' ELSE CAST({x} AS TEXT) END"


@compiles(json_string)
def _sqlite_string(element: json_string, compiler: Any, **kw: Any) -> str:
    x = compiler.process(element.clauses, **kw)
    return f"CASE WHEN {x} IS NULL THEN NULL ELSE json_quote({x}) END"


@compiles(json_string, "postgresql")
def _postgresql_string(element: json_string, compiler: Any, **kw: Any) -> str:
    return f"CAST(to_json({compiler.process(element.clauses, **kw)}) AS TEXT)"
