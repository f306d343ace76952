"""pool_chart_counts and pool_worker_answers: the desk charts' counts kept by the database at every change

Revision ID: 0022_chart_counters
Revises: 0021_answer_values

Three of the desk's charts counted a pool's answered suites at every view (1-8 s at a million
tasks). Here triggers keep what they draw, as 0019_pool_counters does for the pool page:

- `pool_chart_counts` chart "completion": answers (real tasks of suites with a `submitted` time) per
  (pool, second of submission), and the same summed per minute, hour and day (`step`), so that a
  chart of any span reads at most a few hundred buckets of the step that divides its width;
- chart "submit-times": suites with a `submitted` time per whole second of `submitted - created`
  (at least 0), and per minute and hour of it;
- `pool_worker_answers`: answers (real tasks of SUBMITTED, ACCEPTED and REJECTED suites) per worker.

An answer is an (assignment, task) pair, so every table of the join moves the counts: a suite
answered, reopened or moved (`assignments`: insert, update, delete), a pair added or removed
(`assignment_tasks`), a task made golden or real (`tasks.golden`). Each trigger turns its change into
signed rows of one shape (pool, worker, status, submitted, created, real answers, suites, sign),
summed by key into both tables (one statement on PostgreSQL, one per table on SQLite); a key whose
sum did not move is not written. The cost: a submission writes up to 8 small rows (4 steps of
submission time, 3 of time taken, 1 worker).
Deleting a suite deletes its pairs by cascade after the suite is gone, so a suite's answers leave
the counts in a BEFORE DELETE trigger (the pairs still there), and a pair whose suite is gone counts
nothing when it goes.

PostgreSQL: inserts and updates of `assignments` and `assignment_tasks` are counted per statement (a
`COPY` of 3M suites is one grouped sum); the rare changes (a suite deleted, a pair moved, a task's
`golden` flipped) per row. Submissions into one pool at the same moment share buckets (this minute,
this hour, a typical duration), so each key has up to SHARDS rows, the one its transaction id picks,
as `pool_counts` does; readers sum them. SQLite: one writer, per-row triggers, one row per key.

Keep in mind: a later SQLite migration that rebuilds `assignments`, `assignment_tasks` or `tasks`
drops these triggers; it must create them again (`create_triggers`).
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_chart_counters"
down_revision = "0021_answer_values"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
#: Rows per key on PostgreSQL. Fewer than pool_counts' 1,024: a chart reads a few hundred buckets,
#: each up to this many rows (at most ~200k in all for the busiest pool); with k transactions at
#: once, each waits for another with a chance of about (k - 1) / SHARDS.
SHARDS = 256
COMPLETION_STEPS = (1, 60, 3600, 86400)  # seconds of submission time per bucket
SUBMIT_TIME_STEPS = (1, 60, 3600)  # seconds of time taken per bucket
ANSWERED = ("SUBMITTED", "ACCEPTED", "REJECTED")  # statuses whose suites' answers count per worker
_SQLITE, _POSTGRES = "sqlite", "postgresql"


def _seconds(dialect: str, c: str) -> tuple[str, str]:
    """Whole seconds since 1970 of `c`.submitted, and whole seconds (>= 0) from `c`.created to it,
    both exact: no float arithmetic, whose rounding would put a suite of exactly 30 s in the 29 s bin
    (or a submission at .9999 s in the next second: SQLite's own date functions keep milliseconds).
    SQLite: the whole seconds of the text's first 19 characters, less one where the fraction of a
    second of `submitted` is below that of `created` (compared as text, trailing zeros dropped).
    PostgreSQL: `extract` gives an exact numeric, of a timestamp and of the interval between two."""
    if dialect == _SQLITE:
        def whole(column: str) -> str:
            return f"CAST(strftime('%s', substr({c}.{column}, 1, 19)) AS INTEGER)"

        def fraction(column: str) -> str:
            return f"rtrim(rtrim(substr({c}.{column}, 20), '0'), '.')"

        return (whole("submitted"),
                f"max({whole('submitted')} - {whole('created')} - "
                f"({fraction('submitted')} < {fraction('created')}), 0)")
    return (f"floor(extract(epoch FROM {c}.submitted))::bigint",
            f"floor(greatest(extract(epoch FROM {c}.submitted - {c}.created), 0))::bigint")


def _steps() -> str:
    return " UNION ALL ".join(f"SELECT '{chart}' AS chart, {step} AS step"
                              for chart, steps in (("completion", COMPLETION_STEPS),
                                                   ("submit-times", SUBMIT_TIME_STEPS)) for step in steps)


def _apply(dialect: str, change: str, shard: str) -> list[str]:
    """The statements that add `change` (SQL of rows pool_id, worker_id, status, submitted, created,
    real, suites, sign, named c) to both counter tables: on PostgreSQL one statement that computes
    the change once (SQLite's triggers take no WITH)."""
    if dialect == _POSTGRES:
        return [f"WITH c AS MATERIALIZED ({change}), w AS ({_add_worker_answers('c')}) "
                f"{_add_charts(dialect, 'c', shard)}"]
    return [_add_charts(dialect, f"({change}) AS c", shard), _add_worker_answers(f"({change}) AS c")]


def _add_charts(dialect: str, source: str, shard: str) -> str:
    second, duration = _seconds(dialect, "c")
    n = "c.sign * CASE k.chart WHEN 'completion' THEN c.real ELSE c.suites END"
    bucket = f"(CASE k.chart WHEN 'completion' THEN {second} ELSE {duration} END) / k.step * k.step"
    return (f"INSERT INTO pool_chart_counts (pool_id, chart, step, bucket, shard, n) "
            f"SELECT c.pool_id, k.chart, k.step, {bucket}, {shard}, SUM({n}) "
            f"FROM {source} CROSS JOIN ({_steps()}) AS k WHERE c.submitted IS NOT NULL "
            f"GROUP BY c.pool_id, k.chart, k.step, {bucket} HAVING SUM({n}) <> 0 "
            f"ON CONFLICT (pool_id, chart, step, bucket, shard) DO UPDATE SET n = pool_chart_counts.n + excluded.n")


def _add_worker_answers(source: str) -> str:
    statuses = ", ".join(f"'{s}'" for s in ANSWERED)
    return (f"INSERT INTO pool_worker_answers (pool_id, worker_id, answers) "
            f"SELECT c.pool_id, c.worker_id, SUM(c.sign * c.real) FROM {source} "
            f"WHERE c.status IN ({statuses}) GROUP BY c.pool_id, c.worker_id HAVING SUM(c.sign * c.real) <> 0 "
            f"ON CONFLICT (pool_id, worker_id) DO UPDATE SET answers = pool_worker_answers.answers + excluded.answers")


def _suites(rows: str, sign: int, alias: str = "x") -> str:
    """Change rows of whole suites (`rows`: assignments, a transition table or one row), each with its
    real pairs counted."""
    real = (f"(SELECT count(*) FROM assignment_tasks p JOIN tasks t ON t.id = p.task_id "
            f"WHERE p.assignment_id = {alias}.id AND NOT t.golden)")
    return (f"SELECT {alias}.pool_id, {alias}.worker_id, {alias}.status, {alias}.submitted, {alias}.created, "
            f"{real} AS real, 1 AS suites, {sign} AS sign FROM {rows}")


def _pairs(pairs: str, sign: str, task_filter: str = "AND NOT t.golden") -> str:
    """Change rows of single answers (`pairs`: assignment_tasks rows), one per real pair whose suite exists."""
    return (f"SELECT a.pool_id, a.worker_id, a.status, a.submitted, a.created, 1 AS real, 0 AS suites, "
            f"{sign} AS sign FROM {pairs} JOIN assignments a ON a.id = p.assignment_id "
            f"JOIN tasks t ON t.id = p.task_id {task_filter}")


def _one(row: str) -> str:
    """A row trigger's OLD or NEW suite as a one-row relation named x."""
    return f"(SELECT {row}.id AS id, {row}.pool_id AS pool_id, {row}.worker_id AS worker_id, " \
           f"{row}.status AS status, {row}.submitted AS submitted, {row}.created AS created) AS x"


def _one_pair(row: str) -> str:
    return f"(SELECT {row}.assignment_id AS assignment_id, {row}.task_id AS task_id) AS p"


_GOLDEN_FLIP = "CASE WHEN {r}.golden THEN -1 ELSE 1 END"  # a task made golden takes its answers out
_TASK_PAIRS = "(SELECT assignment_id, task_id FROM assignment_tasks WHERE task_id = {r}.id) AS p"
_SUITE_COLUMNS = ("pool_id", "worker_id", "status", "submitted", "created")


def _sqlite_triggers() -> list[str]:
    def trigger(name: str, event: str, change: str, when: str = "") -> str:
        body = "; ".join(_apply(_SQLITE, change, "0"))
        return f"CREATE TRIGGER {name} {event} FOR EACH ROW {when and f'WHEN {when} '}BEGIN {body}; END"

    suite_changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _SUITE_COLUMNS)
    return [
        trigger("chart_counts_suite_insert", "AFTER INSERT ON assignments", _suites(_one("NEW"), 1)),
        trigger("chart_counts_suite_update", f"AFTER UPDATE OF {', '.join(_SUITE_COLUMNS)} ON assignments",
                f"{_suites(_one('OLD'), -1)} UNION ALL {_suites(_one('NEW'), 1)}", suite_changed),
        trigger("chart_counts_suite_delete", "BEFORE DELETE ON assignments", _suites(_one("OLD"), -1)),
        trigger("chart_counts_pair_insert", "AFTER INSERT ON assignment_tasks", _pairs(_one_pair("NEW"), "1")),
        trigger("chart_counts_pair_delete", "AFTER DELETE ON assignment_tasks", _pairs(_one_pair("OLD"), "-1")),
        trigger("chart_counts_pair_update", "AFTER UPDATE OF assignment_id, task_id ON assignment_tasks",
                f"{_pairs(_one_pair('OLD'), '-1')} UNION ALL {_pairs(_one_pair('NEW'), '1')}",
                "OLD.assignment_id IS NOT NEW.assignment_id OR OLD.task_id IS NOT NEW.task_id"),
        trigger("chart_counts_golden", "AFTER UPDATE OF golden ON tasks",
                _pairs(_TASK_PAIRS.format(r="NEW"), _GOLDEN_FLIP.format(r="NEW"), ""), "OLD.golden IS NOT NEW.golden"),
    ]


# PostgreSQL: (name, table, timing and event, per statement?, change rows)
def _postgres_changes() -> list[tuple[str, str, str, bool, str]]:
    return [
        ("chart_counts_suite_insert", "assignments", "AFTER INSERT", True, _suites("added x", 1)),
        ("chart_counts_suite_update", "assignments", "AFTER UPDATE", True,
         f"{_suites('removed x', -1)} UNION ALL {_suites('added x', 1)}"),
        ("chart_counts_suite_delete", "assignments", "BEFORE DELETE", False,
         _suites(_one("OLD"), -1)),
        ("chart_counts_pair_insert", "assignment_tasks", "AFTER INSERT", True, _pairs("added p", "1")),
        ("chart_counts_pair_delete", "assignment_tasks", "AFTER DELETE", True, _pairs("removed p", "-1")),
        ("chart_counts_pair_update", "assignment_tasks", "AFTER UPDATE OF assignment_id, task_id", False,
         f"{_pairs(_one_pair('OLD'), '-1')} UNION ALL {_pairs(_one_pair('NEW'), '1')}"),
        ("chart_counts_golden", "tasks", "AFTER UPDATE OF golden", False,
         _pairs(_TASK_PAIRS.format(r="NEW"), _GOLDEN_FLIP.format(r="NEW"), "")),
    ]


def _postgres_triggers() -> list[str]:
    out = []
    for name, table, event, per_statement, change in _postgres_changes():
        body = "; ".join(_apply(_POSTGRES, change, "s"))
        result = "OLD" if event.startswith("BEFORE") else "NULL"
        out.append(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"DECLARE s int := (txid_current() % {SHARDS})::int; BEGIN {body}; RETURN {result}; END $$")
        if per_statement:
            tables = {"INSERT": "NEW TABLE AS added", "DELETE": "OLD TABLE AS removed",
                      "UPDATE": "OLD TABLE AS removed NEW TABLE AS added"}[event.split()[1]]
            out.append(f"CREATE TRIGGER {name} {event} ON {table} REFERENCING {tables} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
        else:
            when = {"assignments": "", "tasks": " WHEN (OLD.golden IS DISTINCT FROM NEW.golden)",
                    "assignment_tasks": " WHEN (OLD.assignment_id IS DISTINCT FROM NEW.assignment_id "
                                        "OR OLD.task_id IS DISTINCT FROM NEW.task_id)"}[table]
            out.append(f"CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW{when} EXECUTE FUNCTION {name}()")
    return out


def create_triggers(dialect: str) -> None:
    for statement in _postgres_triggers() if dialect == _POSTGRES else _sqlite_triggers():
        op.execute(statement)


def drop_triggers(dialect: str) -> None:
    for name, table, *_ in _postgres_changes():
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if dialect == _POSTGRES else ""))
        if dialect == _POSTGRES:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")


def _backfill(dialect: str) -> None:
    """The rows already there, into shard 0: one pass over the suites (each with its real pairs
    counted) per chart at the finest step and one for the workers; the wider steps summed from the
    finest (3M suites make a few thousand seconds, not 3M rows to group again per step)."""
    second, duration = _seconds(dialect, "c")
    suites = _suites("assignments x", 1)
    for chart, value, n in (("completion", second, "c.real"), ("submit-times", duration, "c.suites")):
        op.execute(f"INSERT INTO pool_chart_counts (pool_id, chart, step, bucket, shard, n) "
                   f"SELECT c.pool_id, '{chart}', 1, {value}, 0, SUM({n}) FROM ({suites}) AS c "
                   f"WHERE c.submitted IS NOT NULL GROUP BY c.pool_id, {value} HAVING SUM({n}) <> 0")
    for chart, steps in (("completion", COMPLETION_STEPS), ("submit-times", SUBMIT_TIME_STEPS)):
        for step in steps[1:]:
            op.execute(f"INSERT INTO pool_chart_counts (pool_id, chart, step, bucket, shard, n) "
                       f"SELECT pool_id, chart, {step}, bucket / {step} * {step}, 0, SUM(n) FROM pool_chart_counts "
                       f"WHERE chart = '{chart}' AND step = 1 GROUP BY pool_id, chart, bucket / {step} * {step}")
    op.execute(_add_worker_answers(f"({suites}) AS c"))


def upgrade() -> None:
    op.create_table(
        "pool_chart_counts",
        sa.Column("pool_id", PK, nullable=False),
        sa.Column("chart", sa.String(20), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["pool_id"], ["pools.id"], name=op.f("fk_pool_chart_counts_pool_id_pools"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pool_id", "chart", "step", "bucket", "shard", name=op.f("pk_pool_chart_counts")),
    )
    op.create_table(
        "pool_worker_answers",
        sa.Column("pool_id", PK, nullable=False),
        sa.Column("worker_id", PK, nullable=False),
        sa.Column("answers", sa.BigInteger(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["pool_id"], ["pools.id"], name=op.f("fk_pool_worker_answers_pool_id_pools"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], name=op.f("fk_pool_worker_answers_worker_id_workers"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pool_id", "worker_id", name=op.f("pk_pool_worker_answers")),
    )
    dialect = op.get_bind().dialect.name
    _backfill(dialect)
    create_triggers(dialect)


def downgrade() -> None:
    drop_triggers(op.get_bind().dialect.name)
    op.drop_table("pool_worker_answers")
    op.drop_table("pool_chart_counts")
