"""pool_counts and pool_worker_counts: a pool's figures kept by the database at every change; the review queue's index

Revision ID: 0019_pool_counters
Revises: 0018_asset_status

The desk reads a pool's assignments by status, its real tasks and the answers they want and have,
and each worker's outcomes. Counted at every page view those reads grow with the pool (3M
assignments at a million tasks); here triggers on `assignments` and `tasks` keep them as sums that
a page reads in a few rows. Triggers, not service code, so that no writer (issuing, submission,
review, expiry, ChangeOverlap, batch or bulk inserts, deletes, a hand-written UPDATE) can forget
them. Each change removes the old row's contribution and adds the new row's, so every insert,
update and delete keeps the sums equal to a fresh COUNT/SUM (tests/test_desk_counters.py).

PostgreSQL: 20 workers submitting into one pool must not queue on one row, so `pool_counts` has
SHARDS rows per pool and a transaction writes the one its transaction id picks (transactions that
run at the same time have nearby ids, so they land on different rows); readers sum the shards.
Per-worker rows need no shards: a worker's own changes come one at a time. Triggers there count a
whole statement at once (a `COPY` of 3M assignments is one grouped sum, not 3M upserts): a row
updated many times in one transaction leaves a version per update that every later update walks
past, so per-row counting of a 100k-row UPDATE is quadratic (minutes). A key whose sums did not
move is not written. SQLite has one writer at a time and updates in place: one row per pool,
per-row triggers that fire only when a counted column changed.

Keep in mind: a later SQLite migration that rebuilds `assignments` or `tasks` (Alembic's batch
mode copies the table) drops these triggers; such a migration must create them again
(`create_triggers`).
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_pool_counters"
down_revision = "0018_asset_status"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
#: Counter rows per pool on PostgreSQL. Transaction ids are drawn cluster-wide, so concurrent
#: transactions land on random rows: each of k concurrent writers waits for another with a chance of
#: about (k - 1) / SHARDS. With k up to one server process's connections (pool 20 + overflow 10, the
#: `Settings` defaults), 32 x 30 rounded up to a power of two keeps that near 3 %; a reader sums at
#: most this many rows by primary key (about a millisecond). With 64, lock waits inside the
#: counting showed under 20 concurrent workers (`bench/counter_contention.py`).
SHARDS = 1024
STATUSES = ("ACTIVE", "SUBMITTED", "ACCEPTED", "REJECTED", "SKIPPED", "EXPIRED")
STATUS_COLUMNS = tuple(s.lower() for s in STATUSES)
TASK_COLUMNS = ("real_tasks", "wanted", "answered", "got")


def _status_terms(row: str) -> dict[str, str]:
    return {c: f"CASE WHEN {row}.status = '{s}' THEN 1 ELSE 0 END" for s, c in zip(STATUSES, STATUS_COLUMNS,
                                                                                      strict=True)}


def _task_terms(row: str, least: str) -> dict[str, str]:
    """Real tasks; over real tasks of finite overlap: answers wanted, answers in, answers in up to the overlap."""
    finite = f"NOT {row}.golden AND NOT {row}.infinite_overlap"
    return {"real_tasks": f"CASE WHEN {row}.golden THEN 0 ELSE 1 END",
            "wanted": f"CASE WHEN {finite} THEN COALESCE({row}.overlap, 0) ELSE 0 END",
            "answered": f"CASE WHEN {finite} THEN {row}.answered_count ELSE 0 END",
            "got": f"CASE WHEN {finite} THEN {least}({row}.answered_count, COALESCE({row}.overlap, 0)) ELSE 0 END"}


def _upsert(table: str, keys: dict[str, str], values: dict[str, str]) -> str:
    names = [*keys, *values]
    return (f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join([*keys.values(), *values.values()])}) "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
            + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in values))


def _delta(new: dict[str, str], old: dict[str, str]) -> dict[str, str]:
    return {c: f"({new[c]}) - ({old[c]})" for c in new}


def _signed(terms: dict[str, str], sign: str) -> dict[str, str]:
    return {c: f"{sign}({t})" for c, t in terms.items()}


# (table, counter table, key columns of the counter from the source row, terms, columns whose change counts)
def _counted(least: str, shard: str) -> list[tuple[str, str, dict[str, str], object, tuple[str, ...]]]:
    return [
        ("assignments", "pool_counts", {"pool_id": "{r}.pool_id", "shard": shard}, _status_terms, ("status",)),
        ("assignments", "pool_worker_counts", {"pool_id": "{r}.pool_id", "worker_id": "{r}.worker_id"}, _status_terms,
         ("status",)),
        ("tasks", "pool_counts", {"pool_id": "{r}.pool_id", "shard": shard}, lambda r: _task_terms(r, least),
         ("golden", "overlap", "infinite_overlap", "answered_count")),
    ]


def _sqlite_triggers() -> list[str]:
    out = []
    for n, (source, counter, keys, terms, watched) in enumerate(_counted("min", "0")):
        def key(row: str, keys: dict[str, str] = keys) -> dict[str, str]:
            return {k: v.format(r=row) for k, v in keys.items()}
        new, old = terms("NEW"), terms("OLD")  # type: ignore[operator]
        name = f"count_{counter}_{n}"
        out.append(f"CREATE TRIGGER {name}_insert AFTER INSERT ON {source} FOR EACH ROW BEGIN "
                   f"{_upsert(counter, key('NEW'), new)}; END")
        out.append(f"CREATE TRIGGER {name}_delete AFTER DELETE ON {source} FOR EACH ROW BEGIN "
                   f"{_upsert(counter, key('OLD'), _signed(old, '-'))}; END")
        moved = " OR ".join(f"OLD.{k} IS NOT NEW.{k}" for k in keys if k != "shard")
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in watched)
        columns = ", ".join(sorted({*watched, *(k for k in keys if k != "shard")}))
        out.append(f"CREATE TRIGGER {name}_update AFTER UPDATE OF {columns} ON {source} FOR EACH ROW "
                   f"WHEN NOT ({moved}) AND ({changed}) BEGIN {_upsert(counter, key('NEW'), _delta(new, old))}; END")
        out.append(f"CREATE TRIGGER {name}_move AFTER UPDATE OF {columns} ON {source} FOR EACH ROW "
                   f"WHEN {moved} BEGIN {_upsert(counter, key('OLD'), _signed(old, '-'))}; "
                   f"{_upsert(counter, key('NEW'), new)}; END")
    return out


def _postgres_triggers() -> list[str]:
    """Per statement: the new rows' terms added, the old rows' subtracted, grouped by counter key;
    a key whose sums did not move is not written (issuing's `assigned_count` bump locks nothing)."""
    out = []
    for n, (source, counter, keys, terms, _watched) in enumerate(_counted("least", "s")):
        name = f"count_{counter}_{n}"
        grouped = [k for k in keys if k != "shard"]
        columns = list(terms("x"))  # type: ignore[operator]
        for op_name in ("insert", "delete", "update"):
            parts = []
            for table, sign, used in (("added", "", ("insert", "update")), ("removed", "-", ("delete", "update"))):
                if op_name in used:
                    t = terms(table)  # type: ignore[operator]
                    parts.append("SELECT " + ", ".join([*(f"{keys[k].format(r=table)} AS {k}" for k in grouped),
                                                        *(f"{sign}({t[c]}) AS {c}" for c in columns)])
                                 + f" FROM {table}")
            select_keys = ["s" if k == "shard" else k for k in keys]
            body = (f"INSERT INTO {counter} ({', '.join([*keys, *columns])}) "
                    f"SELECT {', '.join(select_keys)}, {', '.join(f'SUM({c})' for c in columns)} "
                    f"FROM ({' UNION ALL '.join(parts)}) AS change GROUP BY {', '.join(grouped)} "
                    f"HAVING {' OR '.join(f'SUM({c}) <> 0' for c in columns)} "
                    f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
                    + ", ".join(f"{c} = {counter}.{c} + excluded.{c}" for c in columns))
            shard = f"(txid_current() % {SHARDS})::int"
            out.append(f"CREATE FUNCTION {name}_{op_name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                       f"DECLARE s int := {shard}; BEGIN {body}; RETURN NULL; END $$")
            tables = {"insert": "NEW TABLE AS added", "delete": "OLD TABLE AS removed",
                      "update": "OLD TABLE AS removed NEW TABLE AS added"}[op_name]
            out.append(f"CREATE TRIGGER {name}_{op_name} AFTER {op_name.upper()} ON {source} "
                       f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {name}_{op_name}()")
    return out


def _trigger_names() -> list[tuple[str, str]]:
    return [(f"count_{counter}_{n}", source) for n, (source, counter, *_) in enumerate(_counted("", ""))]


def create_triggers(dialect: str) -> None:
    for statement in _postgres_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)


def _backfill() -> None:
    """The sums of the rows already there, in one row per pool (shard 0) and per (pool, worker)."""
    least = "least" if op.get_bind().dialect.name == "postgresql" else "min"
    tasks = _task_terms("t", least)
    statuses = _status_terms("a")
    zeros = ", ".join("0" for _ in STATUS_COLUMNS)
    op.execute(
        f"INSERT INTO pool_counts (pool_id, shard, {', '.join(STATUS_COLUMNS)}, {', '.join(TASK_COLUMNS)}) "
        f"SELECT pool_id, 0, {', '.join(f'SUM({x})' for x in (*statuses.values(), *(0 for _ in TASK_COLUMNS)))} "
        f"FROM assignments a WHERE true GROUP BY pool_id")
    op.execute(
        f"INSERT INTO pool_counts (pool_id, shard, {', '.join(STATUS_COLUMNS)}, {', '.join(TASK_COLUMNS)}) "
        f"SELECT pool_id, 0, {zeros}, {', '.join(f'SUM({x})' for x in tasks.values())} FROM tasks t WHERE true GROUP BY pool_id "
        f"ON CONFLICT (pool_id, shard) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in TASK_COLUMNS))
    op.execute(
        f"INSERT INTO pool_worker_counts (pool_id, worker_id, {', '.join(STATUS_COLUMNS)}) "
        f"SELECT pool_id, worker_id, {', '.join(f'SUM({x})' for x in statuses.values())} "
        f"FROM assignments a WHERE true GROUP BY pool_id, worker_id")


def _counter_columns(names: tuple[str, ...]) -> list[sa.Column[int]]:
    return [sa.Column(c, sa.BigInteger(), nullable=False, server_default="0") for c in names]


def upgrade() -> None:
    op.create_table(
        "pool_counts",
        sa.Column("pool_id", PK, nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        *_counter_columns(STATUS_COLUMNS + TASK_COLUMNS),
        sa.ForeignKeyConstraint(["pool_id"], ["pools.id"], name=op.f("fk_pool_counts_pool_id_pools"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pool_id", "shard", name=op.f("pk_pool_counts")),
    )
    op.create_table(
        "pool_worker_counts",
        sa.Column("pool_id", PK, nullable=False),
        sa.Column("worker_id", PK, nullable=False),
        *_counter_columns(STATUS_COLUMNS),
        sa.ForeignKeyConstraint(["pool_id"], ["pools.id"], name=op.f("fk_pool_worker_counts_pool_id_pools"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], name=op.f("fk_pool_worker_counts_worker_id_workers"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pool_id", "worker_id", name=op.f("pk_pool_worker_counts")),
    )
    _backfill()
    create_triggers(op.get_bind().dialect.name)
    # the review queue (a pool's oldest SUBMITTED suites) read in order from an index: without it
    # SQLite walks the pool's (pool_id, submitted) index past every answered suite to find them
    op.create_index("ix_assignments_pool_status_submitted", "assignments", ["pool_id", "status", "submitted", "id"])


def downgrade() -> None:
    op.drop_index("ix_assignments_pool_status_submitted", table_name="assignments")
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, source in _trigger_names():
        for suffix in ("insert", "delete", "update") + (() if postgres else ("move",)):
            op.execute(f"DROP TRIGGER IF EXISTS {name}_{suffix}" + (f" ON {source}" if postgres else ""))
            if postgres:
                op.execute(f"DROP FUNCTION IF EXISTS {name}_{suffix}()")
    op.drop_table("pool_worker_counts")
    op.drop_table("pool_counts")
