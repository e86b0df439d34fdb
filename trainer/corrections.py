"""What the product learns from use: lines the customer could not place, and
trainers' corrections of a line's acts.

Every turn is stored with whether the customer fell back (`turns.fallback`)
and which act model read it (`turns.model`). A trainer who reviews a call can
correct a turn's acts: the correction is stored with who and when, beside the
call — the call's own record (its turns, acts and scorecard) never changes;
rescoring with corrections is an explicit, separate view (`rescored_view`).
Corrections export as labelled lines (corpus.py's JSON Lines) and train the
next model (training.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import and_, desc, func, insert, select

from . import corpus, vocabulary
from .corpus import CorpusError, Labelled
from .db import corrections, sessions, turns
from .store import CallStore
from .text import MAX_LINE

MAX_IMPORT_BYTES = 20_000_000


class CorrectionError(ValueError):
    """A correction that cannot be stored; the message says why."""


@dataclass(frozen=True)
class Unplaced:
    """A line the customer could not place, with how often it was said."""

    line: str
    count: int
    personas: tuple[str, ...]
    last: float
    acts: tuple[str, ...]  # what the line was read as
    call: str  # the latest call it came from, and its turn
    turn: int
    corrected: tuple[str, ...] | None  # a trainer's reading, if any


class Corrections:
    """Corrections and unplaced lines in the call store's database."""

    def __init__(self, store: CallStore):
        self.engine = store.engine

    # -- writing ----------------------------------------------------------------------
    def correct_turn(self, call_id: str, turn: int, acts: list[str], by: str) -> None:
        """A trainer's reading of one turn of a stored call."""
        acts = _checked(acts)
        with self.engine.begin() as conn:
            row = conn.execute(select(turns.c.agent, turns.c.acts).where(
                and_(turns.c.session_id == call_id, turns.c.idx == int(turn)))).first()
            if row is None:
                raise CorrectionError(f"call {call_id} has no turn {turn}")
            conn.execute(insert(corrections).values(
                session_id=call_id, turn_idx=int(turn), line=row.agent, acts=acts, before=list(row.acts or []),
                corrected_by=by, created_at=time.time()))

    def add_lines(self, lines: list[Labelled], by: str) -> int:
        """Labelled lines not tied to a call (an imported file)."""
        rows = [dict(session_id=None, turn_idx=None, line=x.line, acts=sorted(x.acts, key=_order), before=None,
                     corrected_by=by, created_at=time.time()) for x in lines]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(insert(corrections), rows)
        return len(rows)

    def import_file(self, raw: bytes, name: str, by: str) -> int:
        """Labelled lines from an uploaded JSON Lines file; CorpusError naming the bad line."""
        if len(raw) > MAX_IMPORT_BYTES:
            raise CorpusError(f"{name}:1: the file is {len(raw):,} bytes (at most {MAX_IMPORT_BYTES:,})")
        return self.add_lines(corpus.parse(corpus.decode(raw, name), name), by)

    # -- reading ----------------------------------------------------------------------
    def for_call(self, call_id: str) -> dict[int, dict]:
        """The latest correction of each corrected turn of a call."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(corrections).where(corrections.c.session_id == call_id)
                                .order_by(corrections.c.created_at, corrections.c.id)).mappings().all()
        return {r["turn_idx"]: dict(r) for r in rows}

    def all(self, limit: int | None = None) -> list[dict]:
        """Every correction, newest first."""
        q = select(corrections).order_by(desc(corrections.c.created_at), desc(corrections.c.id))
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings().all()]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(corrections)).scalar() or 0)

    def labelled(self) -> list[Labelled]:
        """Corrections as training lines: one per distinct line, the latest reading wins."""
        latest: dict[str, dict] = {}
        for r in reversed(self.all()):
            latest[r["line"].strip()] = r
        return [Labelled(line, frozenset(r["acts"]), writer=f"trainer:{r['corrected_by']}", style="correction",
                         where=f"correction:{r['id']}") for line, r in latest.items()]

    def export(self) -> str:
        """Every correction as labelled lines (JSON Lines), oldest first."""
        out = []
        for r in reversed(self.all()):
            x = Labelled(r["line"], frozenset(r["acts"]), writer=f"trainer:{r['corrected_by']}", style="correction")
            extra = {"by": r["corrected_by"], "at": round(r["created_at"], 3)}
            if r["session_id"]:
                extra |= {"call": r["session_id"], "turn": r["turn_idx"]}
            out.append(x.to_json(**extra))
        return "\n".join(out) + ("\n" if out else "")

    def unplaced(self, limit: int = 200) -> list[Unplaced]:
        """Lines the customer answered with a fallback, the most frequent first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(turns.c.agent, turns.c.acts, turns.c.session_id, turns.c.idx, turns.c.created_at,
                       sessions.c.persona)
                .join(sessions, sessions.c.id == turns.c.session_id)
                .where(turns.c.fallback.is_(True))
                .order_by(turns.c.created_at, turns.c.id)
            ).mappings().all()
            fixed = {r["line"].strip(): r["acts"] for r in conn.execute(
                select(corrections.c.line, corrections.c.acts).order_by(corrections.c.created_at, corrections.c.id)
            ).mappings().all()}
        groups: dict[str, dict] = {}
        for r in rows:
            key = r["agent"].strip()
            g = groups.setdefault(key, {"count": 0, "personas": set()})
            g["count"] += 1
            g["personas"].add(r["persona"])
            g |= {"last": r["created_at"] or 0.0, "acts": tuple(r["acts"] or ()), "call": r["session_id"],
                  "turn": r["idx"]}
        out = [Unplaced(line, g["count"], tuple(sorted(g["personas"])), g["last"], g["acts"], g["call"], g["turn"],
                        tuple(fixed[line]) if line in fixed else None) for line, g in groups.items()]
        out.sort(key=lambda u: (-u.count, -u.last, u.line))
        return out[:limit]


def rescored_acts(record_turns: list[dict], fixes: dict[int, dict]) -> list[dict]:
    """The call's turns with trainers' corrections in place of their acts (a copy)."""
    out = []
    for t in record_turns:
        fix = fixes.get(t["index"])
        out.append({**t, "acts": list(fix["acts"])} if fix else dict(t))
    return out


def _checked(acts: list[str]) -> list[str]:
    known = vocabulary.acts()
    bad = [a for a in acts if a not in known]
    if bad:
        raise CorrectionError(f"unknown act '{bad[0]}'{vocabulary.suggest(bad[0], known)}")
    return sorted(set(acts), key=_order)


def _order(act: str) -> int:
    return list(vocabulary.acts()).index(act)


__all__ = ["Corrections", "CorrectionError", "Unplaced", "rescored_acts", "MAX_LINE"]
