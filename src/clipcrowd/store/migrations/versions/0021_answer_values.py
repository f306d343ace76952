"""answer_values: each answer's value of each output field as a row, kept by triggers on assignments

Revision ID: 0021_answer_values
Revises: 0020_label_runs

Aggregating a pool used to read every answered assignment's row and take the field's value out of
its JSON `solutions` (300,000 answers: most of the read). Here the database keeps, per (assignment,
suite position, output field), the task, the worker, the assignment's status and the value's JSON
text, under a key that makes a pool's answers to one field one range in assignment order
(`services/answer_columns.py` reads it). Triggers, not service code, write them — as 0019's counters
— so that no writer (submission, review, expiry, a bulk fill's `COPY`, a hand-written UPDATE of
`solutions`, a delete) can leave them behind: an insert writes the new assignment's rows; an update
that changes `solutions`, `task_ids`, `pool_id` or `worker_id` rewrites them, one that changes only
`status` copies it; a delete removes them. The rows do not depend on the output spec: a value is
stored as JSON text whatever the field's type, and read as the spec says at read time. An object or
an array (a field whose spec changed after answers came) is a row with a NULL value, which sends
the reader back to `solutions`; a JSON null or an absent field is no row (no answer), as before.

SQLite: per-row triggers (one writer at a time). PostgreSQL: per-statement triggers over the
statement's transition tables, so a `COPY` of 300,000 assignments is one INSERT … SELECT.

This migration creates a table and triggers; it rebuilds no table (0019's triggers on `assignments`
stay). Existing answers are copied by the same SELECT the insert trigger runs.
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_answer_values"
down_revision = "0020_label_runs"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
COLUMNS = "pool_id, field, assignment_id, position, task_id, worker_id, status, value"
#: assignment columns whose change rewrites its rows (a change of `status` alone only copies it)
REWRITTEN = ("solutions", "task_ids", "pool_id", "worker_id")
TRIGGER = "answer_values"


def _sqlite_rows(a: str, source: str = "") -> str:
    """The rows of assignment `a` (a trigger's NEW, or an alias of `source`): one per suite position
    and field holding a value; the value's JSON text as stored (SQLite renders a number's text as
    written; `json_quote` only for keys `->` cannot name), NULL for an object or array."""
    value = ("CASE f.type WHEN 'object' THEN NULL WHEN 'array' THEN NULL WHEN 'true' THEN 'true' "
             "WHEN 'false' THEN 'false' WHEN 'text' THEN json_quote(f.value) "
             "ELSE COALESCE(s.value -> f.fullkey, json_quote(f.value)) END")
    task = f"json_extract({a}.task_ids, '$[' || s.key || ']')"
    return (f"INSERT INTO answer_values ({COLUMNS}) "
            f"SELECT {a}.pool_id, f.key, {a}.id, s.key, {task}, {a}.worker_id, {a}.status, {value} "
            f"FROM {source}json_each({a}.solutions) AS s, json_each(s.value) AS f "
            f"WHERE json_type({a}.solutions) = 'array' AND s.type = 'object' AND f.type <> 'null' "
            f"AND json_type({a}.task_ids, '$[' || s.key || ']') = 'integer'")


def _postgres_rows(source: str) -> str:
    """The rows of the assignments in `source` (a transition table or `assignments`): the value's
    JSON text as stored (`json` keeps the text it was given), NULL for an object or array."""
    return (f"INSERT INTO answer_values ({COLUMNS}) "
            "SELECT a.pool_id, f.key, a.id, s.n - 1, (a.task_ids ->> (s.n::int - 1))::bigint, a.worker_id, a.status, "
            "CASE WHEN json_typeof(f.value) IN ('object', 'array') THEN NULL ELSE f.value::text END "
            f"FROM {source} AS a "
            "CROSS JOIN LATERAL json_array_elements(CASE WHEN json_typeof(a.solutions) = 'array' "
            "THEN a.solutions ELSE '[]'::json END) WITH ORDINALITY AS s(answer, n) "
            "CROSS JOIN LATERAL json_each(CASE WHEN json_typeof(s.answer) = 'object' "
            "THEN s.answer ELSE '{}'::json END) AS f "
            "WHERE json_typeof(f.value) <> 'null' AND json_typeof(a.task_ids -> (s.n::int - 1)) = 'number'")


def _sqlite_triggers() -> list[str]:
    moved = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in REWRITTEN)
    return [
        f"CREATE TRIGGER {TRIGGER}_insert AFTER INSERT ON assignments FOR EACH ROW "
        f"WHEN NEW.solutions IS NOT NULL BEGIN {_sqlite_rows('NEW')}; END",
        f"CREATE TRIGGER {TRIGGER}_rewrite AFTER UPDATE OF {', '.join(REWRITTEN)} ON assignments FOR EACH ROW "
        f"WHEN {moved} BEGIN DELETE FROM answer_values WHERE assignment_id = OLD.id; {_sqlite_rows('NEW')}; END",
        f"CREATE TRIGGER {TRIGGER}_status AFTER UPDATE OF status ON assignments FOR EACH ROW "
        f"WHEN OLD.status IS NOT NEW.status AND NEW.solutions IS NOT NULL AND NOT ({moved}) "
        f"BEGIN UPDATE answer_values SET status = NEW.status WHERE assignment_id = NEW.id; END",
        f"CREATE TRIGGER {TRIGGER}_delete AFTER DELETE ON assignments FOR EACH ROW "
        f"WHEN OLD.solutions IS NOT NULL BEGIN DELETE FROM answer_values WHERE assignment_id = OLD.id; END",
    ]


def _postgres_triggers() -> list[str]:
    # `json` has no equality: texts are compared (a rewrite is only needed when the text changed)
    moved = " OR ".join(f"a.{c}::text IS DISTINCT FROM r.{c}::text" for c in REWRITTEN)
    changed = f"(SELECT a.* FROM added a JOIN removed r ON r.id = a.id WHERE {moved})"
    bodies = {
        "insert": f"{_postgres_rows('added')};",
        "update": (f"DELETE FROM answer_values v USING added a JOIN removed r ON r.id = a.id "
                   f"WHERE v.assignment_id = a.id AND ({moved}); "
                   f"{_postgres_rows(changed)}; "
                   f"UPDATE answer_values v SET status = a.status FROM added a JOIN removed r ON r.id = a.id "
                   f"WHERE v.assignment_id = a.id AND a.status IS DISTINCT FROM r.status AND NOT ({moved});"),
        "delete": "DELETE FROM answer_values v USING removed r WHERE v.assignment_id = r.id;",
    }
    tables = {"insert": "NEW TABLE AS added", "delete": "OLD TABLE AS removed",
              "update": "OLD TABLE AS removed NEW TABLE AS added"}
    out = []
    for name, body in bodies.items():
        out.append(f"CREATE FUNCTION {TRIGGER}_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN {body} RETURN NULL; END $$")
        out.append(f"CREATE TRIGGER {TRIGGER}_{name} AFTER {name.upper()} ON assignments "
                   f"REFERENCING {tables[name]} FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}_{name}()")
    return out


def upgrade() -> None:
    op.create_table(
        "answer_values",
        sa.Column("pool_id", PK, autoincrement=False, nullable=False),
        sa.Column("field", sa.String(length=200), nullable=False),
        sa.Column("assignment_id", PK, autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("task_id", PK, nullable=False),
        sa.Column("worker_id", PK, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("pool_id", "field", "assignment_id", "position", name=op.f("pk_answer_values")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_answer_values_assignment_id", "answer_values", ["assignment_id"])
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute(_postgres_rows("assignments"))
    else:
        op.execute(_sqlite_rows("a", "assignments AS a, "))
    for statement in _postgres_triggers() if postgresql else _sqlite_triggers():
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in ("insert", "rewrite", "status", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_{name}" + (" ON assignments" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}_{name}()")
    op.drop_index("ix_answer_values_assignment_id", table_name="answer_values")
    op.drop_table("answer_values")
