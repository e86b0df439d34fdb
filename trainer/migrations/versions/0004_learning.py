"""The learning loop: trainers' corrections of a line's acts, trained act models,
and for every turn whether the customer could place it and which model read it.

Revision ID: 0004
Revises: 0003
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(40), index=True),
        sa.Column("turn_idx", sa.Integer),
        sa.Column("line", sa.Text, nullable=False),
        sa.Column("acts", sa.JSON, nullable=False),
        sa.Column("before", sa.JSON),
        sa.Column("corrected_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "act_models",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("metrics", sa.JSON),
        sa.Column("data", sa.LargeBinary),
    )
    with op.batch_alter_table("turns") as batch:
        batch.add_column(sa.Column("fallback", sa.Boolean))
        batch.add_column(sa.Column("model", sa.String(40)))
    # turns stored before this revision: the customer's fallback is in their events
    turns = sa.table("turns", sa.column("id", sa.Integer), sa.column("events", sa.JSON),
                     sa.column("fallback", sa.Boolean))
    conn = op.get_bind()
    for row in conn.execute(sa.select(turns.c.id, turns.c.events)).all():
        events = row.events if isinstance(row.events, list) else json.loads(row.events or "[]")
        conn.execute(sa.update(turns).where(turns.c.id == row.id).values(fallback="fallback" in events))


def downgrade():
    with op.batch_alter_table("turns") as batch:
        batch.drop_column("model")
        batch.drop_column("fallback")
    op.drop_table("act_models")
    op.drop_table("corrections")
