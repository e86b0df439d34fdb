"""Trainer uploads (persona and lesson files, stored as text), teams, the time
of each turn and the stored scorecard of a finished session.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "uploads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("uploaded_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("kind", "name"),
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("team", sa.String(60), nullable=False, server_default=""))
    with op.batch_alter_table("turns") as batch:
        batch.add_column(sa.Column("created_at", sa.Float))
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("scorecard", sa.JSON))


def downgrade():
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("scorecard")
    with op.batch_alter_table("turns") as batch:
        batch.drop_column("created_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("team")
    op.drop_table("uploads")
