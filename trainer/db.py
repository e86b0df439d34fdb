"""The database schema (SQLAlchemy 2): users, practice sessions, their turns.

SQLite (a file in the data directory, WAL mode) by default; PostgreSQL when
`TRAINER_DATABASE_URL` says so. The schema is created and upgraded by Alembic
(`trainer/migrations/`), never by `create_all`, so a database from an earlier
version is migrated in place.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    JSON, Boolean, Column, Float, ForeignKey, Integer, LargeBinary, MetaData, String, Table, Text,
    UniqueConstraint,
    create_engine, event,
)
from sqlalchemy.engine import Engine

metadata = MetaData()

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("role", String(16), nullable=False, default="trainee"),
    Column("password_hash", String(255)),
    Column("created_at", Float, nullable=False),
    Column("team", String(60), nullable=False, server_default=""),
)

uploads = Table(
    "uploads", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False),  # persona | lesson
    Column("name", String(60), nullable=False),  # the file's id
    Column("text", Text, nullable=False),  # the YAML as uploaded; read with safe_load, never executed
    Column("uploaded_by", String(80), nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("kind", "name"),
)

sessions = Table(
    "sessions", metadata,
    Column("id", String(40), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("persona", String(60), nullable=False),
    Column("lesson", String(60), nullable=False),
    Column("seed", Integer, nullable=False),
    Column("mode", String(16), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("ended_at", Float),
    Column("outcome", String(20)),
    Column("hung_up_by", String(10)),
    Column("state", Text, nullable=False),  # the engine's whole state (Conversation.to_json)
    Column("score", Integer),
    Column("passed", Boolean),
    Column("items", JSON),  # item id -> passed, once the call has ended
    Column("scorecard", JSON),  # the whole scorecard, once the call has ended
)

turns = Table(
    "turns", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(40), ForeignKey("sessions.id"), nullable=False, index=True),
    Column("idx", Integer, nullable=False),
    Column("agent", Text, nullable=False),
    Column("acts", JSON, nullable=False),
    Column("customer", Text, nullable=False),
    Column("state", String(60), nullable=False),
    Column("mood", JSON, nullable=False),
    Column("measures", JSON, nullable=False),
    Column("events", JSON, nullable=False),
    Column("created_at", Float),  # when the turn was played (committed)
    Column("fallback", Boolean),  # the customer could not place the line
    Column("model", String(40)),  # the act model that read the line
    UniqueConstraint("session_id", "idx"),
)

# A trainer's reading of a line's acts (docs/labelling.md); the call's own record
# is never changed by it.
corrections = Table(
    "corrections", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(40), index=True),  # the call and turn it corrects, if any
    Column("turn_idx", Integer),
    Column("line", Text, nullable=False),
    Column("acts", JSON, nullable=False),
    Column("before", JSON),  # the acts the line had been given
    Column("corrected_by", String(80), nullable=False),
    Column("created_at", Float, nullable=False),
)

# Act models trained from the corpus and the corrections (training.py); the
# newest `active` one reads new lines, the bundled model when there is none.
act_models = Table(
    "act_models", metadata,
    Column("id", String(40), primary_key=True),
    Column("created_at", Float, nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("status", String(12), nullable=False),  # training | active | rejected | failed | retired
    Column("note", Text, nullable=False, server_default=""),
    Column("metrics", JSON),
    Column("data", LargeBinary),  # ActModel.to_bytes(): arrays only, read with allow_pickle=False
)


logins = Table(
    "logins", metadata,
    Column("token", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", Float, nullable=False),
)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # WAL: readers never wait for the writer
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` with Alembic."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
