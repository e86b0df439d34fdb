"""Users, practice sessions and their turns.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("persona", sa.String(60), nullable=False),
        sa.Column("lesson", sa.String(60), nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float),
        sa.Column("outcome", sa.String(20)),
        sa.Column("hung_up_by", sa.String(10)),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("score", sa.Integer),
        sa.Column("passed", sa.Boolean),
        sa.Column("items", sa.JSON),
    )
    op.create_table(
        "turns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(40), sa.ForeignKey("sessions.id"), nullable=False, index=True),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("agent", sa.Text, nullable=False),
        sa.Column("acts", sa.JSON, nullable=False),
        sa.Column("customer", sa.Text, nullable=False),
        sa.Column("state", sa.String(60), nullable=False),
        sa.Column("mood", sa.JSON, nullable=False),
        sa.Column("measures", sa.JSON, nullable=False),
        sa.Column("events", sa.JSON, nullable=False),
        sa.UniqueConstraint("session_id", "idx"),
    )


def downgrade():
    op.drop_table("turns")
    op.drop_table("sessions")
    op.drop_table("users")
