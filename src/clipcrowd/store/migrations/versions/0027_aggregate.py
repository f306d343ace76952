"""answer_chunks: a pool's answers to a field packed as arrays, kept valid by triggers on answer_values

Revision ID: 0027_aggregate
Revises: 0026_aggregate

Reading 300,000 `answer_values` rows for an aggregation costs more than Dawid-Skene itself (the
scan, the per-row aggregates, the texts turned into codes). Here a pool's answers to one field are
also kept as chunks: the rows of an assignment-id range [first_assignment, last_assignment], in
(assignment, position) order, as packed little-endian arrays — task ids and worker ids (int64),
status codes (uint8) and value codes (int32, -1 for a NULL value) — indexing the chunk's own
`dictionary` (JSON: the statuses and the values' JSON texts it uses). `services/answer_chunks.py`
packs them (when an aggregation reads a pool) and reads them; rows outside every chunk's range are
read from `answer_values`, as before.

A chunk is a copy, so it must never outlive a change of the rows it copies: triggers on
`answer_values` (whose rows only 0021's triggers write, at every change of an assignment) delete
the chunk whose range holds a changed row's assignment, on insert, update and delete. The packer
reads and writes in one write transaction: on SQLite the only writer; on PostgreSQL under an
exclusive transaction-level advisory lock on the pool that every trigger run takes shared first,
so the packer sees every change a trigger would have removed its chunks for (it tries the lock and
packs nothing when a writer holds it). Per row on SQLite; per statement on PostgreSQL, where a
statement's rows remove the chunks over the span of its assignment ids per (pool, field) (a bulk
statement may remove more than it changed: a chunk removed is only read from `answer_values`
again, and packed at the next aggregation).

Nothing is backfilled: the first aggregation of a pool packs it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0027_aggregate"
down_revision = "0026_aggregate"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TRIGGER = "answer_chunks"
#: first key of the advisory lock a packer takes on a pool (the second is the pool id)
LOCK_CLASS = 27


def _sqlite_forget(row: str) -> str:
    """Delete the chunk whose range holds `row`'s assignment (`row`: NEW or OLD): the chunk with the
    lowest last id at or above it, when its range starts at or below it (ranges never overlap)."""
    key = f"pool_id = {row}.pool_id AND field = {row}.field"
    return (f"DELETE FROM answer_chunks WHERE {key} AND first_assignment <= {row}.assignment_id "
            f"AND last_assignment = (SELECT min(last_assignment) FROM answer_chunks "
            f"WHERE {key} AND last_assignment >= {row}.assignment_id);")


def _sqlite_triggers() -> list[str]:
    return [
        f"CREATE TRIGGER {TRIGGER}_insert AFTER INSERT ON answer_values FOR EACH ROW "
        f"BEGIN {_sqlite_forget('NEW')} END",
        f"CREATE TRIGGER {TRIGGER}_update AFTER UPDATE ON answer_values FOR EACH ROW "
        f"BEGIN {_sqlite_forget('OLD')} {_sqlite_forget('NEW')} END",
        f"CREATE TRIGGER {TRIGGER}_delete AFTER DELETE ON answer_values FOR EACH ROW "
        f"BEGIN {_sqlite_forget('OLD')} END",
    ]


def _postgres_forget(source: str) -> str:
    """Take the pools' advisory locks shared, then delete every chunk overlapping the span of
    assignment ids that `source` (transition tables) holds per (pool, field)."""
    return (f"PERFORM pg_advisory_xact_lock_shared({LOCK_CLASS}, (p.pool_id % 2147483647)::int) "
            f"FROM (SELECT DISTINCT pool_id FROM {source} s) AS p; "
            f"DELETE FROM answer_chunks c USING (SELECT pool_id, field, min(assignment_id) AS low, "
            f"max(assignment_id) AS high FROM {source} s GROUP BY pool_id, field) AS g "
            f"WHERE c.pool_id = g.pool_id AND c.field = g.field "
            f"AND c.last_assignment >= g.low AND c.first_assignment <= g.high;")


def _postgres_triggers() -> list[str]:
    bodies = {"insert": _postgres_forget("added"), "delete": _postgres_forget("removed"),
              "update": _postgres_forget("(SELECT * FROM added UNION ALL SELECT * FROM removed)")}
    tables = {"insert": "NEW TABLE AS added", "delete": "OLD TABLE AS removed",
              "update": "OLD TABLE AS removed NEW TABLE AS added"}
    out = []
    for name, body in bodies.items():
        out.append(f"CREATE FUNCTION {TRIGGER}_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN {body} RETURN NULL; END $$")
        out.append(f"CREATE TRIGGER {TRIGGER}_{name} AFTER {name.upper()} ON answer_values "
                   f"REFERENCING {tables[name]} FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}_{name}()")
    return out


def upgrade() -> None:
    op.create_table(
        "answer_chunks",
        sa.Column("pool_id", PK, autoincrement=False, nullable=False),
        sa.Column("field", sa.String(length=200), nullable=False),
        sa.Column("last_assignment", PK, autoincrement=False, nullable=False),
        sa.Column("first_assignment", PK, nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("task_ids", sa.LargeBinary(), nullable=False),
        sa.Column("worker_ids", sa.LargeBinary(), nullable=False),
        sa.Column("status_codes", sa.LargeBinary(), nullable=False),
        sa.Column("value_codes", sa.LargeBinary(), nullable=False),
        sa.Column("dictionary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("pool_id", "field", "last_assignment", name=op.f("pk_answer_chunks")),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        for name in ("task_ids", "worker_ids", "status_codes", "value_codes"):
            op.execute(f"ALTER TABLE answer_chunks ALTER COLUMN {name} SET STORAGE EXTERNAL")
    for statement in _postgres_triggers() if postgresql else _sqlite_triggers():
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_{name}" + (" ON answer_values" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}_{name}()")
    op.drop_table("answer_chunks")
