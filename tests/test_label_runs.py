"""Stored aggregation runs (`services.label_runs`), on SQLite and PostgreSQL: a new run of a method on a
field replaces the earlier one and its rows; other methods' runs stay; every reader sees the latest
label per task and field; and migration 0020 carries stored labels over in both directions."""

from __future__ import annotations

import uuid
from typing import Any

from alembic import command
from sqlalchemy import func, select

from clipcrowd.services import aggregation, bulk_fill, desk_aggregates, label_runs, operations
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database
from clipcrowd.store.tables import aggregation_runs, run_labels
from tests.factories import pool_body, text_project
from tests.support import migrate

BEFORE = "0018_asset_status"  # the revision before label runs


def _integer_project() -> dict[str, Any]:
    body = text_project()
    body["task_spec"] = {"input_spec": {"text": {"type": "string"}},
                         "output_spec": {"score": {"type": "integer"}, "result": {"type": "string"}}}
    return body


def _run(db: Database, pool_id: str, method: str, field: str) -> str:
    request = aggregation.AggregationRequest(int(pool_id), method, field, False, {})
    op_id = str(uuid.uuid4())
    with db.write() as conn:
        operations.start(conn, aggregation.OPERATION, request.public(), op_id=op_id)
    aggregation.run(db, request, op_id)
    assert operations.get(db, op_id)["status"] == "SUCCESS"
    return op_id


def _shown(db: Database, pool_id: str, op_ids: list[str]) -> tuple[Any, ...]:
    """What readers show: the API's pages of each operation, the desk's latest labels, its panel."""
    pages = [aggregation.labels_page(db, Settings(), op, {"limit": "1000"}) for op in op_ids]
    with db.read() as conn:
        latest = desk_aggregates.latest_labels(conn, int(pool_id))
    stored = desk_aggregates.panel(db, int(pool_id))["stored"]
    return pages, latest, stored


def test_a_new_run_replaces_the_earlier_one_of_its_method(db: Database) -> None:
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, _integer_project(), pool, count=40, overlap=3, crowd=5, labels=(1, 2, 3))
    first = _run(db, filled.pool_id, "ds", "score")
    mv = _run(db, filled.pool_id, "mv", "score")
    second = _run(db, filled.pool_id, "ds", "score")
    with db.read() as conn:
        assert label_runs.run_of_operation(conn, first) is None
        assert {r.operation_id for r in label_runs.runs(conn, [int(filled.pool_id)])} == {mv, second}
        assert conn.execute(select(func.count()).select_from(run_labels)).scalar_one() == 2 * filled.tasks
        latest = desk_aggregates.latest_labels(conn, int(filled.pool_id))
        some = desk_aggregates.latest_labels(conn, int(filled.pool_id), [int(t) for t in list(latest)[:3]])
    assert len(latest) == filled.tasks and {v["score"]["method"] for v in latest.values()} == {"ds"}
    assert {type(v["score"]["label"]) for v in latest.values()} == {int}
    assert some == {t: latest[t] for t in some} and len(some) == 3
    assert aggregation.labels_page(db, Settings(), first, {})["items"] == []


def test_migration_carries_stored_labels_over_and_back(db: Database) -> None:
    pool = {k: v for k, v in pool_body("0").items() if k != "project_id"}
    filled = bulk_fill.fill(db, _integer_project(), pool, count=30, overlap=3, crowd=5, labels=(1, 2, 3))
    op_ids = [_run(db, filled.pool_id, "ds", "score"), _run(db, filled.pool_id, "mv", "score")]
    shown = _shown(db, filled.pool_id, op_ids)
    migrate(db, command.downgrade, BEFORE)
    migrate(db, command.upgrade, "head")
    assert _shown(db, filled.pool_id, op_ids) == shown
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(aggregation_runs)).scalar_one() == 2
