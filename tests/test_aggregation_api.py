"""Aggregating a pool through the API, the SDK and the CLI, on SQLite and PostgreSQL.

Workers answer through the worker API; the stored labels must equal what
`clipcrowd.aggregation.aggregate` gives on the same answers (read back through the requester API).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from clipcrowd.aggregation import aggregate
from clipcrowd.cli import app as cli_app
from clipcrowd.client import ApiError, Client
from clipcrowd.store.tables import aggregation_runs, label_chunks, operations, worker_quality
from tests.answered_pool import TRUTH, answered_pool
from tests.apiclient import Api, add_tasks, in_process, make_pool
from tests.support import Live, free_port, fresh_database

AGGREGATE = "/api/v1/aggregated-solutions/aggregate-by-pool"
def answers_from_api(api: Api, pool_id: str, status: str = "ACCEPTED") -> pd.DataFrame:
    rows = [(task["id"], a["user_id"], solution["output_values"]["result"])
            for a in api.ok("GET", "/api/v1/assignments", params={"pool_id": pool_id, "status": status})["items"]
            for task, solution in zip(a["tasks"], a["solutions"], strict=True)]
    return pd.DataFrame(rows, columns=["task", "worker", "label"])


def run(api: Api, **body: Any) -> dict[str, Any]:
    started = api.call("POST", AGGREGATE, expect=202, json=body).json()
    assert started["type"] == "SOLUTION.AGGREGATE"
    deadline = time.monotonic() + 60
    while True:
        op = api.ok("GET", f"/api/v1/operations/{started['id']}")
        if op["status"] != "RUNNING" or time.monotonic() > deadline:
            return op
        time.sleep(0.05)


def stored_labels(api: Api, op_id: str, **params: Any) -> dict[str, Any]:
    page = api.ok("GET", f"/api/v1/aggregated-solutions/{op_id}", params={"limit": 1000, **params})
    return {item["task_id"]: item for item in page["items"]}


def count(api: Api, table: Any, **where: Any) -> int:
    db = api.client.app.state.db  # type: ignore[attr-defined]
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(
            *(table.c[k] == v for k, v in where.items()))).scalar_one())


def label_rows(api: Api, **where: Any) -> int:
    """Labels stored (packed, 8 bytes of task id each) for the runs matching ``where``; without
    ``where``, in every chunk, whether a run owns it or not."""
    db = api.client.app.state.db  # type: ignore[attr-defined]
    r, c = aggregation_runs.c, label_chunks.c
    query = select(c.tasks)
    if where:
        query = query.where(c.run_id.in_(select(r.id).where(*(r[k] == v for k, v in where.items()))))
    with db.read() as conn:
        return sum(len(packed) // 8 for packed in conn.execute(query).scalars())


def test_dawid_skene_labels_equal_the_library_and_are_stored(api: Api) -> None:
    pool = answered_pool(api)
    op = run(api, pool_id=pool["id"], method="ds")
    assert op["status"] == "SUCCESS", op
    assert op["details"]["tasks"] == len(TRUTH) and op["details"]["workers"] == 4
    answers = answers_from_api(api, pool["id"])
    expected = aggregate(answers, "ds")
    items = stored_labels(api, op["id"])
    assert {task: item["output_values"]["result"] for task, item in items.items()} == expected.labels.to_dict()
    for task, item in items.items():
        assert item["pool_id"] == pool["id"]
        assert item["confidence"] == pytest.approx(expected.confidence[task])
    assert {task: item["output_values"]["result"] for task, item in items.items()} == dict(
        zip(pool["task_ids"], TRUTH, strict=True))
    quality = api.ok("GET", "/api/v1/worker-quality", params={"pool_id": pool["id"], "method": "ds"})["items"]
    by_user = {q["user_id"]: q for q in quality}
    assert by_user.keys() == set(answers["worker"])
    for user, q in by_user.items():
        assert q["quality"] == pytest.approx(expected.worker_quality[user])
        assert q["answers"] == int((answers["worker"] == user).sum())


def test_rerun_replaces_rows_and_methods_are_kept_apart(api: Api) -> None:
    pool = answered_pool(api)
    first = run(api, pool_id=pool["id"], method="ds")
    second = run(api, pool_id=pool["id"], method="ds", params={"n_iter": 5})
    mv = run(api, pool_id=pool["id"], method="mv")
    assert first["status"] == second["status"] == mv["status"] == "SUCCESS"
    pool_id = int(pool["id"])
    assert label_rows(api, pool_id=pool_id, method="ds") == len(TRUTH)
    assert count(api, worker_quality, pool_id=pool_id, method="ds") == 4
    assert label_rows(api, pool_id=pool_id, method="mv") == len(TRUTH)
    assert count(api, aggregation_runs, pool_id=pool_id) == 2
    assert label_rows(api) == 2 * len(TRUTH)  # the first ds run's labels are gone
    assert stored_labels(api, first["id"]) == {}  # replaced by the second run
    assert len(stored_labels(api, second["id"])) == len(TRUTH)
    expected = aggregate(answers_from_api(api, pool["id"]), "mv").labels.to_dict()
    assert {t: i["output_values"]["result"] for t, i in stored_labels(api, mv["id"]).items()} == expected


def test_requester_dialect_body(api: Api) -> None:
    """toloka-kit's `aggregate_solutions_by_pool(type=DAWID_SKENE, pool_id, fields=[{name}])`."""
    pool = answered_pool(api)
    op = run(api, type="DAWID_SKENE", pool_id=pool["id"], fields=[{"name": "result"}], answer_weight_skill_id="1")
    assert op["status"] == "SUCCESS" and op["details"]["method"] == "ds"
    expected = aggregate(answers_from_api(api, pool["id"]), "ds").labels.to_dict()
    assert {t: i["output_values"]["result"] for t, i in stored_labels(api, op["id"]).items()} == expected
    bad = (({"type": "WEIGHTED_DYNAMIC_OVERLAP"}, "answer_weight_skill_id"), ({"type": "MMSR"}, "type"),
           ({"type": "WEIGHTED_DYNAMIC_OVERLAP", "answer_weight_skill_id": "999999"}, "answer_weight_skill_id"),
           ({"fields": [{"name": "result"}] * 2}, "fields"))
    for body, field in bad:
        refused = api.call("POST", AGGREGATE, expect=400, json={"pool_id": pool["id"], **body}).json()
        assert field in refused["payload"]


def test_labels_page_by_task_id(api: Api) -> None:
    pool = answered_pool(api)
    op = run(api, pool_id=pool["id"], method="mv")
    first = api.ok("GET", f"/api/v1/aggregated-solutions/{op['id']}", params={"limit": 4})
    assert first["has_more"] is True and len(first["items"]) == 4
    rest = api.ok("GET", f"/api/v1/aggregated-solutions/{op['id']}",
                  params={"limit": 4, "task_id_gt": first["items"][-1]["task_id"]})
    assert rest["has_more"] is False
    assert [i["task_id"] for i in first["items"] + rest["items"]] == sorted(pool["task_ids"])


def test_golden_tasks_are_gold(api: Api) -> None:
    pool = answered_pool(api, golden=True)
    op = run(api, pool_id=pool["id"], method="ds")
    assert op["status"] == "SUCCESS", op
    items = stored_labels(api, op["id"])
    (gold_id,) = pool["gold_ids"]
    assert items[gold_id]["output_values"] == {"result": "b"}  # every worker said "a"
    answers = answers_from_api(api, pool["id"])
    expected = aggregate(answers, "ds", gold=pd.Series({gold_id: "b"}))
    assert {t: i["output_values"]["result"] for t, i in items.items()} == expected.labels.to_dict()
    mv = run(api, pool_id=pool["id"], method="mv")  # a method without gold ignores it
    assert stored_labels(api, mv["id"])[gold_id]["output_values"] == {"result": "a"}


def test_submitted_answers_only_when_asked(api: Api) -> None:
    pool = answered_pool(api, auto_accept_solutions=False, auto_accept_period_day=1)
    refused = api.call("POST", AGGREGATE, expect=400, json={"pool_id": pool["id"]}).json()
    assert "pool_id" in refused["payload"] and "accepted" in refused["message"]
    op = run(api, pool_id=pool["id"], method="wawa", include_submitted=True)
    assert op["status"] == "SUCCESS"
    expected = aggregate(answers_from_api(api, pool["id"], "SUBMITTED"), "wawa").labels.to_dict()
    assert {t: i["output_values"]["result"] for t, i in stored_labels(api, op["id"]).items()} == expected


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def refusing(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, str]]:
    """One answered pool per database for the refused requests below: each must store nothing, so
    they can share it (its tables stay empty of runs unless a refusal leaks one, which each checks)."""
    home = tmp_path_factory.mktemp(f"refusing-{request.param}")
    db = fresh_database(request.param, home)
    with in_process(db, home) as api:
        yield api, answered_pool(api)["id"]
    db.dispose()


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"method": "nope"}, 400, "method"),
    ({"field": "colour"}, 400, "field"),
    ({"params": {"n_iterations": 3}}, 400, "params"),
    ({"include_submitted": "yes"}, 400, "include_submitted"),
    ({"method": "gold_mv"}, 400, "method"),
    ({"pool_id": "999999999"}, 404, None),
    ({"pool_id": "not-an-id"}, 400, "pool_id"),
])
def test_bad_requests_name_the_field_and_store_nothing(
    refusing: tuple[Api, str], body: dict[str, Any], status: int, field: str | None,
) -> None:
    api, pool_id = refusing
    response = api.call("POST", AGGREGATE, expect=status, json={"pool_id": pool_id, **body}).json()
    if field is not None:
        assert field in response["payload"] and field in response["message"]
    assert count(api, aggregation_runs) == count(api, label_chunks) == count(api, worker_quality) == 0
    assert count(api, operations, type="SOLUTION.AGGREGATE") == 0


def test_pool_without_answers_and_unknown_operation(api: Api) -> None:
    pool = make_pool(api)
    add_tasks(api, pool["id"], 2)
    response = api.call("POST", AGGREGATE, expect=400, json={"pool_id": pool["id"], "method": "ds"}).json()
    assert "pool_id" in response["payload"]
    missing = api.call("GET", "/api/v1/aggregated-solutions/6f1c3cda-6a43-4f9b-8d1e-000000000000", expect=404)
    assert "does not exist" in missing.json()["message"]
    assert api.call("GET", "/api/v1/worker-quality", expect=400).json()["payload"].keys() == {"pool_id"}


def test_sdk_and_cli_write_the_same_labels(live: Live, tmp_path: Path) -> None:
    with httpx.Client(base_url=live.url, timeout=30) as http:
        pool = answered_pool(Api(http, live.token))  # type: ignore[arg-type]
    with Client(live.url, live.token) as client:
        frame = client.aggregate(pool["id"], method="ds")
        quality = client.get_worker_quality(pool["id"], method="ds")
        with pytest.raises(ApiError) as failure:
            client.aggregate(pool["id"], method="ds", field="colour")
    assert failure.value.status == 400 and "field" in failure.value.message
    assert dict(zip(frame["task"], frame["label"], strict=True)) == dict(zip(pool["task_ids"], TRUTH, strict=True))
    assert len(quality) == 4 and quality["quality"].notna().all()
    runner = CliRunner()
    env = {"CLIPCROWD_URL": live.url, "CLIPCROWD_TOKEN": live.token}
    for name in ("labels.csv", "labels.json", "labels.parquet"):
        out = tmp_path / name
        result = runner.invoke(cli_app, ["aggregate", pool["id"], "--method", "ds", "--out", str(out)], env=env)
        assert result.exit_code == 0, result.output
        if out.suffix == ".csv":
            written = pd.read_csv(out, dtype={"task": str})
        elif out.suffix == ".json":
            written = pd.DataFrame(json.loads(out.read_text()))
        else:
            written = pd.read_parquet(out)
        assert list(written.columns) == ["task", "label", "confidence"]
        assert dict(zip(written["task"], written["label"], strict=True)) == dict(
            zip(frame["task"], frame["label"], strict=True))


def test_cli_bad_input_is_one_line_and_exit_2(live: Live, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"CLIPCROWD_URL": live.url, "CLIPCROWD_TOKEN": live.token}
    cases = [
        (["aggregate", "000000000001", "--out", str(tmp_path / "labels.xlsx")], env, ".csv"),
        (["aggregate", "000000000001", "--method", "nope", "--out", str(tmp_path / "l.csv")], env, "method"),
        (["aggregate", "000000000001", "--out", str(tmp_path / "l.csv")],
         {**env, "CLIPCROWD_URL": f"http://127.0.0.1:{free_port()}"}, "cannot reach"),
        (["aggregate", "000000000001", "--out", str(tmp_path / "l.csv")], {**env, "CLIPCROWD_TOKEN": ""}, "token"),
    ]
    for args, case_env, needle in cases:
        result = runner.invoke(cli_app, args, env=case_env)
        assert result.exit_code == 2, (args, result.output)
        assert needle in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
    assert not list(tmp_path.glob("l*.*"))
