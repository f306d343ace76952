"""pools: a stored `auto_close_after_complete_delay_seconds` made a whole number of seconds within bounds

Revision ID: 0028_close_delay
Revises: 0027_aggregate

The pool's close delay is now honoured: the maintenance loop and every submission that completes a
task read it from the stored body as an integer. Before, the field passed through unread, so a pool
stored earlier may hold any JSON there (text, a fraction, a boolean, null, a number out of range),
which PostgreSQL's cast to integer refuses, failing those statements for every pool. Numbers become
the nearest whole number within [0, MAX_AUTO_CLOSE_DELAY_SECONDS], the bound new pools are held to;
anything else is removed (no delay, which is what it meant while it was ignored).
Downgrading keeps the normalised values (they are valid for the older code too).
"""

from alembic import op

revision = "0028_close_delay"
down_revision = "0027_aggregate"
branch_labels = None
depends_on = None

KEY = "auto_close_after_complete_delay_seconds"
BOUND = 30 * 24 * 3600  # domain.bounds.MAX_AUTO_CLOSE_DELAY_SECONDS when this revision was written


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"UPDATE pools SET data = (data::jsonb - '{KEY}')::json "
                   f"WHERE data::jsonb ? '{KEY}' AND json_typeof(data -> '{KEY}') <> 'number'")
        op.execute(f"UPDATE pools SET data = jsonb_set(data::jsonb, '{{{KEY}}}', to_jsonb("
                   f"GREATEST(0, LEAST({BOUND}, round((data ->> '{KEY}')::numeric)))::bigint))::json "
                   f"WHERE json_typeof(data -> '{KEY}') = 'number'")
    else:
        op.execute(f"UPDATE pools SET data = json_remove(data, '$.{KEY}') "
                   f"WHERE json_type(data, '$.{KEY}') NOT IN ('integer', 'real')")
        op.execute(f"UPDATE pools SET data = json_set(data, '$.{KEY}', CAST(max(0, min({BOUND}, "
                   f"round(json_extract(data, '$.{KEY}')))) AS INTEGER)) "
                   f"WHERE json_type(data, '$.{KEY}') IN ('integer', 'real')")


def downgrade() -> None:
    pass
