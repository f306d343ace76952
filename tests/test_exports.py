"""Pool result files: the streamed exports keep one chunk in memory whatever the pool's size, the
toloka-kit TSV reads back in toloka-kit, the desk's worker table agrees with the events it sums,
and lists a request may send are capped."""

from __future__ import annotations

import csv
import io
import json
import os
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select, update

from clipcrowd.domain.csvsafe import neutralise
from clipcrowd.domain.ids import parse_id
from clipcrowd.export import parquet, pool_answers, text, toloka_tsv
from clipcrowd.services import bulk_fill, pools, web_desk
from clipcrowd.store.db import Database
from clipcrowd.store.tables import events, tasks
from tests.answered_pool import TRUTH, answered_pool
from tests.apiclient import Api
from tests.factories import pool_body, text_project
from tests.support import Live, fresh_sqlite
from tests.warm_toloka import WarmToloka


def _pool(db: Database, count: int, text_length: int = 200) -> pool_answers.Shape:
    body = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, text_project(), body, count=count, overlap=2, crowd=4,
                            inputs=lambda i: {"text": f"task number {i} " + "x" * text_length})
    return pool_answers.shape(db, parse_id(filled.pool_id) or 0)


CHUNK, ROW_GROUP = 20, 40  # answers per read and per Parquet row group: each pool below spans many
EXPORTS: dict[str, Callable[[Database, pool_answers.Shape], Iterator[bytes]]] = {
    "csv": lambda db, shape: text.results_csv(shape, pool_answers.chunks(db, shape, chunk=CHUNK)),
    "json": lambda db, shape: text.results_json(pool_answers.chunks(db, shape, chunk=CHUNK)),
    "jsonl": lambda db, shape: text.results_jsonl(pool_answers.chunks(db, shape, chunk=CHUNK)),
    "parquet": lambda db, shape: parquet.results_parquet(shape, pool_answers.chunks(db, shape, chunk=CHUNK),
                                                         row_group=ROW_GROUP),
    "tsv": lambda db, shape: toloka_tsv.tsv(shape, toloka_tsv.parse({}),
                                            pool_answers.chunks(db, shape, toloka_tsv.parse({}).selection,
                                                                chunk=CHUNK), "http://x"),
}

# The memory test's pools: few answers of 5,000 characters each, so the large pool's CSV (4 MB) is
# several times an export's peak while `tracemalloc`, whose cost is per allocation, sees few objects
# (4,000 tasks of 200 characters made a CSV of 2.4 MB and took six times the CPU). Over 4,096
# bytes, Arrow keeps no min/max of the text per row group: the Parquet footer, which the writer holds
# to the end, would otherwise grow by two texts per row group (with 200 characters it does too, by
# less than a 64th of the peak per row group; at the default 20,000 rows per group, unseen).
SMALL, LARGE, TEXT_LENGTH = 100, 400, 5000


def _peak(make: Callable[[], Iterator[bytes]]) -> tuple[int, int]:
    """(peak bytes allocated while the export runs, bytes it produced)."""
    tracemalloc.start()
    try:
        produced = sum(len(piece) for piece in make())
        return tracemalloc.get_traced_memory()[1], produced
    finally:
        tracemalloc.stop()


def _memory_broken(db: Database, export: Callable[[Database, pool_answers.Shape], Iterator[bytes]],
                   small: pool_answers.Shape, large: pool_answers.Shape, csv_size: int) -> list[str]:
    """What a streamed export must keep and this one does not: four times the answers produce about
    four times the bytes at about the same peak, far less than the large pool's answers as CSV.
    The export runs once untraced first, so that what its first run sets up for good (imports,
    caches) counts against neither pool."""
    sum(len(piece) for piece in export(db, small))
    small_peak, small_size = _peak(lambda: export(db, small))
    large_peak, large_size = _peak(lambda: export(db, large))
    broken = []
    if not large_size > 3.5 * small_size:
        broken.append(f"produced {small_size} then {large_size} bytes")
    if not large_peak < 1.5 * small_peak:
        broken.append(f"peak grows with the pool: {small_peak} then {large_peak}")
    if not large_peak < csv_size / 3:
        broken.append(f"peak {large_peak} not under a third of the CSV ({csv_size})")
    return broken


def _memory_pools(db: Database) -> tuple[pool_answers.Shape, pool_answers.Shape, int]:
    small, large = _pool(db, SMALL, TEXT_LENGTH), _pool(db, LARGE, TEXT_LENGTH)
    return small, large, sum(len(piece) for piece in EXPORTS["csv"](db, large))


def test_exports_peak_memory_does_not_grow_with_the_pool(db: Database) -> None:
    small, large, csv_size = _memory_pools(db)
    assert csv_size > 4_000_000
    for name, export in EXPORTS.items():
        assert _memory_broken(db, export, small, large, csv_size) == [], name


NOT_STREAMED: dict[str, Callable[[Database, pool_answers.Shape], Iterator[bytes]]] = {
    "reads every chunk first": lambda db, shape: text.results_csv(
        shape, iter(list(pool_answers.chunks(db, shape, chunk=CHUNK)))),
    "sends the file in one piece": lambda db, shape: iter([b"".join(EXPORTS["jsonl"](db, shape))]),
    "writes one row group": lambda db, shape: parquet.results_parquet(
        shape, pool_answers.chunks(db, shape, chunk=CHUNK), row_group=LARGE * 2),
}


def test_peak_memory_check_catches_exports_that_do_not_stream(tmp_path: Path) -> None:
    """The control of the test above: at its pools' sizes, exports that hold the whole pool (its
    answers read, its file written or its rows as one Parquet row group) show a peak that grows.
    On SQLite only: what it varies is the writers, not the database (on PostgreSQL the three grew
    alike: 2.8x, 4.0x and 3.8x)."""
    db = fresh_sqlite(tmp_path)
    try:
        small, large, csv_size = _memory_pools(db)
        for name, export in NOT_STREAMED.items():
            broken = _memory_broken(db, export, small, large, csv_size)
            assert any(b.startswith("peak grows with the pool") for b in broken), (name, broken)
    finally:
        db.dispose()


def test_streamed_exports_agree(db: Database, tmp_path: Path) -> None:
    shape = _pool(db, 700)
    rows = json.loads(b"".join(EXPORTS["json"](db, shape)))
    table = pd.read_csv(io.BytesIO(b"".join(EXPORTS["csv"](db, shape))), dtype=str, keep_default_na=False)
    path = tmp_path / "r.parquet"
    path.write_bytes(b"".join(EXPORTS["parquet"](db, shape)))
    frame = pq.read_table(path).to_pandas()
    assert len(rows) == len(table) == len(frame) == 1400
    assert pq.ParquetFile(path).metadata.num_row_groups == 1400 // ROW_GROUP
    assert list(table["ASSIGNMENT:task_id"]) == [r["task_id"] for r in rows] == list(frame["ASSIGNMENT:task_id"])
    assert list(table["OUTPUT:result"]) == [r["output_values"]["result"] for r in rows] == list(frame["OUTPUT:result"])
    assert list(frame["INPUT:text"]) == [r["input_values"]["text"] for r in rows]
    assert sorted(table.columns) == sorted(frame.columns)


AWKWARD = ["plain", "=SUM(A1)", "-3", 'h\u00e9llo, "world"\nnew', "@x", "\uff1dfull", "tab\tin", ""]


def test_rows_are_the_values_whatever_their_kind(db: Database) -> None:
    """Rows spliced from stored text say what the values say: the JSON line of an answer is
    `json.dumps` of its record, and each CSV cell is the value (non-strings as JSON, formulas
    neutralised), for text, numbers, booleans, objects, nulls, non-ASCII, missing fields and a golden
    task's known solution."""
    project = text_project()
    project["task_spec"]["input_spec"] = {"text": {"type": "string"}, "n": {"type": "integer"},
                                          "obj": {"type": "json"}, "flag": {"type": "boolean", "required": False}}
    project["task_spec"]["output_spec"]["extra"] = {"type": "json", "required": False}
    objects = [{"a": "\u00e9", "b": [1, 2.5, None]}, {"k": None}, "s", 3, True]

    def inputs(i: int) -> dict[str, Any]:
        values = {"text": AWKWARD[i % len(AWKWARD)] + str(i), "n": i - 50, "obj": objects[i % len(objects)]}
        return {**values, "flag": bool(i % 2)} if i % 3 == 0 else values

    body = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, project, body, count=120, overlap=2, suite=3, crowd=5, inputs=inputs,
                            labels=("a", "=cmd", "\u00fc", {"x": ["\u00df", 1.5]}))
    pool_id = parse_id(filled.pool_id) or 0
    with db.write() as conn:
        known = [{"output_values": {"result": "b", "extra": {"k": "\u00df"}}, "correctness_weight": 1}]
        golden = conn.execute(select(tasks.c.id, tasks.c.data).where(tasks.c.pool_id == pool_id)).first()
        assert golden is not None
        conn.execute(update(tasks).where(tasks.c.id == golden.id).values(
            golden=True, data={**golden.data, "known_solutions": known, "message_on_unknown_solution": "-hint"}))
    shape = pool_answers.shape(db, pool_id)
    answers = [pool_answers.Answer(*a) for chunk in pool_answers.chunks(db, shape, chunk=7) for a in chunk]
    assert len(answers) == 240
    lines = b"".join(text.results_jsonl(pool_answers.chunks(db, shape, chunk=7))).decode().splitlines()
    assert lines == [json.dumps(text.record(a), ensure_ascii=False) for a in answers]
    assert json.loads(b"".join(text.results_json(pool_answers.chunks(db, shape, chunk=7)))) == [
        json.loads(line) for line in lines]
    rows = list(csv.reader(io.StringIO(b"".join(text.results_csv(shape, pool_answers.chunks(db, shape, chunk=7)))
                                       .decode())))
    assert rows[0] == text.header(shape) and len(rows) == 241

    def spreadsheet(value: Any) -> str:
        if isinstance(value, str):
            return neutralise(value)
        return "" if value is None else json.dumps(value, ensure_ascii=False)

    for row, answer in zip(rows[1:], answers, strict=True):
        record = text.record(answer)
        cells = dict(zip(rows[0], row, strict=True))
        assert cells["ASSIGNMENT:task_id"] == record["task_id"] and cells["ASSIGNMENT:golden"] == (
            "true" if record["golden"] else "false")
        for name in shape.inputs:
            assert cells[f"INPUT:{name}"] == spreadsheet(record["input_values"].get(name)), name
        for name in shape.outputs:
            assert cells[f"OUTPUT:{name}"] == spreadsheet(record["output_values"].get(name)), name
    assert any(r["golden"] and r["known_solutions"] == known for r in map(json.loads, lines))
    assert any(c.startswith("'=") for row in rows for c in row) and any("\u00e9" in line for line in lines)


def test_toloka_kit_reads_the_assignments_tsv(toloka_kit: WarmToloka, live: Live, api: Api,
                                              tmp_path: Path) -> None:
    pool = answered_pool(api, golden=True)
    env = {**os.environ, "CLIPCROWD_URL": live.url, "CLIPCROWD_TOKEN": live.token}
    returncode, output, errors = toloka_kit.run("assignments_df.py", tmp_path, env, timeout=300, args=[pool["id"]])
    assert returncode == 0, output[-2000:] + errors[-2000:]
    frames = {line.split(" ", 1)[0]: pd.read_json(io.StringIO(line.split(" ", 1)[1]), orient="split", dtype=False)
              for line in output.splitlines() if line.startswith(("DEFAULT ", "ALL "))}
    default, everything = frames["DEFAULT"], frames["ALL"]
    assert list(default.columns) == ["INPUT:text", "OUTPUT:result", "GOLDEN:result", "HINT:text", "ACCEPT:verdict",
                                     "ACCEPT:comment", "ASSIGNMENT:link", "ASSIGNMENT:assignment_id",
                                     "ASSIGNMENT:worker_id", "ASSIGNMENT:status", "ASSIGNMENT:started"]
    answers = api.ok("GET", "/api/v1/assignments", params={"pool_id": pool["id"], "limit": 1000})["items"]
    expected = sum(len(a["tasks"]) for a in answers if a["status"] == "ACCEPTED")
    assert len(default) == expected == len(everything) > 0
    assert set(default["ASSIGNMENT:status"]) == {"APPROVED"}
    truth = dict(zip(pool["task_ids"], TRUTH, strict=True))
    workers = {v: k for k, v in pool["workers"].items()}
    for row in everything.to_dict("records"):
        task = str(row["ASSIGNMENT:task_id"]).zfill(12)
        login = workers[str(row["ASSIGNMENT:worker_id"]).zfill(12)]
        if task in pool["gold_ids"]:
            assert row["GOLDEN:result"] == "b" and row["OUTPUT:result"] == "a"
        else:
            assert row["OUTPUT:result"] == ("b" if login == "cat" else truth[task])
    assert everything["ASSIGNMENT:link"].str.contains("/api/v1/assignments/").all()


def test_assignments_tsv_refuses_bad_parameters(live: Live, api: Api) -> None:
    pool = answered_pool(api)
    path = f"/api/new/requester/pools/{pool['id']}/assignments.tsv"
    for params, field in (({"status": "DONE"}, "status"), ({"field": "ASSIGNMENT:secret"}, "field"),
                          ({"startTimeFrom": "yesterday"}, "startTimeFrom"), ({"excludeBanned": "maybe"},
                                                                                "excludeBanned")):
        response = api.call("GET", path, params=params)
        assert response.status_code == 400, (params, response.text)
        assert field in json.dumps(response.json()), response.json()
    assert api.call("GET", "/api/new/requester/pools/999999/assignments.tsv").status_code == 404
    assert api.call("GET", f"/api/v1/pools/{pool['id']}/results.xlsx").status_code == 400


def test_worker_table_sums_the_events(live: Live, api: Api) -> None:
    pool = answered_pool(api, golden=True)
    pool_id = parse_id(pool["id"]) or 0
    ann = pool["workers"]["ann"]
    api.ok("PUT", "/api/v1/user-restrictions", json={"scope": "POOL", "user_id": ann, "pool_id": pool["id"],
                                                     "private_comment": "too quick"})
    expected: dict[str, dict[str, int]] = {}
    with live.db.read() as conn:
        for worker_id, data in conn.execute(select(events.c.worker_id, events.c.data).where(
                events.c.pool_id == pool_id, events.c.type == "SUBMITTED")):
            row = expected.setdefault(f"{worker_id:012d}", {"right": 0, "total": 0, "fast": 0})
            row["right"] += sum(1 for x in data["golden_outcomes"] if x)
            row["total"] += len(data["golden_outcomes"])
            row["fast"] += data["duration_seconds"] < 10
    table = {r["id"]: r for r in web_desk.worker_table(live.db, pool_id)}
    assert set(table) == set(expected) == set(pool["workers"].values())
    for worker, counts in expected.items():
        assert counts["total"] > 0
        assert table[worker]["golden"] == f"{counts['right']}/{counts['total']}"
        assert table[worker]["fast_submits"] == counts["fast"]
    assert table[ann]["restrictions"] == ["POOL: too quick"]
    # the pool page's figures come from one pass over the tasks; they agree with the API's
    progress = web_desk.progress(live.db, pool_id)
    with live.db.read() as conn:
        assert progress["completion"] == pools.completion_percentage(conn, pool_id) == 100.0
    assert progress["real_tasks"] == len(TRUTH) and progress["remaining_answers"] == 0
    api.ok("POST", "/api/v1/tasks", json=[{"pool_id": pool["id"], "input_values": {"text": "late"}, "overlap": 3}])
    progress = web_desk.progress(live.db, pool_id)
    with live.db.read() as conn:
        assert progress["completion"] == pools.completion_percentage(conn, pool_id) < 100.0
    assert progress["real_tasks"] == len(TRUTH) + 1 and progress["remaining_answers"] == 3
    assert all(not r["restrictions"] for w, r in table.items() if w != ann)


@pytest.mark.parametrize(("path", "field"), [("/api/v1/assignments?status=", "status"),
                                              ("/api/v1/assets?external_id=", "external_id")])
def test_request_lists_are_capped(api: Api, path: str, field: str) -> None:
    response = api.call("GET", path + ",".join(f"v{i}" for i in range(1001)))
    assert response.status_code == 400
    body: dict[str, Any] = response.json()
    assert "at most 1000" in json.dumps(body) and field in json.dumps(body)


def test_migration_0010_sums_stored_submissions(db: Database) -> None:
    """A database answered before 0010 gets its per-worker sums from the SUBMITTED events."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import insert

    from clipcrowd.domain.timeutil import utcnow
    from clipcrowd.services import events as event_log
    from clipcrowd.services import projects
    from clipcrowd.store import db as store_db
    from clipcrowd.store.tables import pool_worker_stats, workers

    config = Config()
    config.set_main_option("script_location", str(Path(store_db.__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    project = projects.create(db, text_project())
    rule = {"collector_config": {"type": "ASSIGNMENT_SUBMIT_TIME",
                                 "parameters": {"history_size": 5, "fast_submit_threshold_seconds": 20}},
            "rules": [{"conditions": [{"key": "total_submitted_count", "operator": "GT", "value": 100}],
                       "action": {"type": "SET_SKILL", "parameters": {"skill_id": "1", "skill_value": 1}}}]}
    pool = pools.create(db, pool_body(project["id"]))
    strict = pools.create(db, pool_body(project["id"], quality_control={"configs": [rule]}))
    with db.write() as conn:
        conn.execute(insert(workers), [{"id": i, "login": f"w{i}", "languages": ["EN"], "client_type": "BROWSER",
                                        "profile": {}, "balance": 0.0, "created": utcnow()} for i in (1, 2)])
        submissions = ((pool["id"], 1, 5.0, [True, False]), (pool["id"], 1, 15.0, [True]),
                       (pool["id"], 2, 30.0, []), (strict["id"], 1, 15.0, [False]))
        for pool_id, worker_id, seconds, outcomes in submissions:
            event_log.record(conn, "SUBMITTED", pool_id=int(pool_id), worker_id=worker_id,
                             duration_seconds=seconds, golden_outcomes=outcomes)
    # written with today's code, then taken back to before 0010 (the sums table goes) and forward again
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0007")
        command.upgrade(config, "head")
    with db.read() as conn:
        rows = {(r.pool_id, r.worker_id): (r.submitted, r.golden_right, r.golden_total, r.fast_submits)
                for r in conn.execute(select(pool_worker_stats))}
    assert rows == {(int(pool["id"]), 1): (2, 2, 3, 1), (int(pool["id"]), 2): (1, 0, 0, 0),
                    (int(strict["id"]), 1): (1, 0, 1, 1)}
