"""Where practice calls are kept between turns, reloads and restarts.

A SQL database through SQLAlchemy (schema in `db.py`, migrated by Alembic):
SQLite in the data directory by default (`TRAINER_DATA_DIR`, default `data/`),
PostgreSQL or any other URL from `TRAINER_DATABASE_URL`. Every save is one
transaction: the session row and the turns not yet stored, so each turn is
committed when it happens. SQL only through bound parameters (Core).
"""

from __future__ import annotations

import json
import os
import time
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, insert, select, update

from .db import make_engine, migrate, sessions, turns, users

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def database_url() -> str:
    url = os.environ.get("TRAINER_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{Path(os.environ.get('TRAINER_DATA_DIR') or DATA_DIR).resolve() / 'trainer.db'}"


class CallStore:
    def __init__(self, url: str | None = None):
        self.url = url or database_url()
        self.engine = make_engine(self.url)
        migrate(self.engine)

    def _user_id(self, conn, name: str) -> int:
        found = conn.execute(select(users.c.id).where(users.c.name == name)).scalar()
        if found is not None:
            return found
        return conn.execute(
            insert(users).values(name=name, role="trainee", created_at=time.time())
        ).inserted_primary_key[0]

    def save(self, call_id: str, record: dict) -> None:
        """Store the call as it stands; turns already stored are kept as they are."""
        call = record["call"]
        row = dict(
            persona=record["persona"], lesson=record["lesson"], seed=int(call["seed"]), mode=record["mode"],
            started_at=record["started"], ended_at=record.get("ended_at"), outcome=call.get("outcome"),
            hung_up_by=call.get("hung_up_by"), state=json.dumps(call, ensure_ascii=False),
            score=record.get("score"), passed=record.get("passed"), items=record.get("items"),
            scorecard=record.get("scorecard"),
        )
        with self.engine.begin() as conn:
            exists = conn.execute(select(sessions.c.id).where(sessions.c.id == call_id)).scalar()
            if exists is None:
                conn.execute(insert(sessions).values(id=call_id, user_id=self._user_id(conn, record["user"]), **row))
            else:
                conn.execute(update(sessions).where(sessions.c.id == call_id).values(**row))
            stored = conn.execute(
                select(func.coalesce(func.max(turns.c.idx), 0)).where(turns.c.session_id == call_id)
            ).scalar()
            new = [t for t in call["turns"] if t["index"] > stored]
            if new:
                conn.execute(insert(turns), [
                    dict(session_id=call_id, idx=t["index"], agent=t["agent"], acts=t["acts"], customer=t["customer"],
                         state=t["state"], mood=t["mood"], measures=t["measures"], events=t["events"],
                         created_at=time.time(), fallback="fallback" in t["events"], model=record.get("model"))
                    for t in new
                ])

    def load(self, call_id: str) -> dict:
        """The record saved under `call_id`; KeyError when there is none."""
        with self.engine.connect() as conn:
            r = conn.execute(
                select(sessions, users.c.name).join(users, users.c.id == sessions.c.user_id)
                .where(sessions.c.id == str(call_id)[:40])
            ).mappings().first()
        if r is None:
            raise KeyError(call_id)
        return {
            "call_id": r["id"], "user": r["name"], "lesson": r["lesson"], "persona": r["persona"], "mode": r["mode"],
            "started": r["started_at"], "ended_at": r["ended_at"], "call": json.loads(r["state"]),
            "score": r["score"], "passed": r["passed"], "items": r["items"], "scorecard": r["scorecard"],
        }

    def list(self, user: str | None = None) -> list[dict]:
        """Summaries of the stored calls, oldest first (optionally one user's)."""
        n_turns = (select(turns.c.session_id, func.count().label("n")).group_by(turns.c.session_id).subquery())
        q = (
            select(sessions.c.id, users.c.name, users.c.team, sessions.c.lesson, sessions.c.persona, sessions.c.mode,
                   sessions.c.started_at, sessions.c.ended_at, sessions.c.score, sessions.c.passed,
                   sessions.c["items"], sessions.c.outcome, func.coalesce(n_turns.c.n, 0).label("turns"))
            .join(users, users.c.id == sessions.c.user_id)
            .outerjoin(n_turns, n_turns.c.session_id == sessions.c.id)
            .order_by(sessions.c.started_at, sessions.c.id)
        )
        if user is not None:
            q = q.where(users.c.name == user)
        with self.engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        return [
            {"call_id": r["id"], "user": r["name"], "team": r["team"], "lesson": r["lesson"], "persona": r["persona"], "mode": r["mode"],
             "started": r["started_at"], "ended_at": r["ended_at"], "score": r["score"], "passed": r["passed"],
             "items": r["items"], "outcome": r["outcome"], "turns": r["turns"]}
            for r in rows
        ]


@lru_cache(maxsize=None)
def _store(url: str) -> CallStore:
    return CallStore(url)


def default_store() -> CallStore:
    """One store per database URL (the URL is read from the environment each time)."""
    return _store(database_url())


default_store.cache_clear = _store.cache_clear  # tests point the store elsewhere
