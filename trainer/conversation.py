"""One practice call: a persona's state machine run on `transitions`.

The engine is a thin adapter: `transitions` owns the states and picks the
first move whose conditions hold; we own mood, replies and the record.

Precedence of one trainee turn (documented in the README, tested):
  1. The line is analysed into acts (understanding layer).
  2. Repetition: a line (almost) the same as an earlier one costs the
     persona's `repetition` effects; the customer says so unless a move or
     reaction below has its own reply.
  3. Reactions (checked in every state): every reaction that holds applies its
     mood effects, in file order; the first that holds and has `to`
     interrupts: its target is entered and state moves are skipped.
  4. Otherwise the current state's moves are tried in file order; the first
     whose trigger and mood condition hold fires: effects, then the target.
  5. Nothing held: the state's (or persona's) fallback line, which costs its
     effects (patience).
  6. Mood is clamped to 0-100 after each effect. If the call did not reach an
     ending and the hang-up condition holds, the customer hangs up; else if
     the turn limit is reached, the call ends there.
The customer's reply is the reaction lines (if any) followed by the move's own
lines, or the entered state's lines.
"""

from __future__ import annotations

import difflib
import json
import random
from dataclasses import asdict, dataclass, field
from typing import Any

from transitions import Machine

from .moodexpr import MoodExpr
from .persona import Move, Persona, Reaction, Trigger
from .understanding import Analysis, Understanding, default_understanding

REPEAT_SIMILARITY = 0.9
FORMAT_VERSION = 1


class CallOver(Exception):
    """A turn was sent to a call that has ended."""


@dataclass
class Turn:
    """One exchange: the trainee's line and what followed."""

    index: int
    agent: str
    acts: list[str]
    measures: dict[str, Any]
    customer: str
    state: str
    mood: dict[str, int]
    events: list[str] = field(default_factory=list)  # move/reaction/fallback ids, for the scorer
    audio: dict[str, float] | None = None  # how a spoken line sounded (voice/prosody.py)


class _Model:
    """The object `transitions` drives; it only holds the current state."""

    state: str


class Conversation:
    """A call between a trainee and one persona; deterministic for a seed."""

    def __init__(self, persona: Persona, seed: int = 0, understanding: Understanding | None = None):
        self.persona = persona
        self.seed = int(seed)
        self.understanding = understanding or default_understanding()
        self.mood: dict[str, int] = dict(persona.mood)
        self.turns: list[Turn] = []
        self.outcome: str | None = None
        self.ended = False
        self.hung_up_by: str | None = None
        self.opening: str | None = None  # outbound: the customer's "喂?"
        self._last_variant: dict[str, int] = {}
        # a stable name for every reaction and move (turn events, seeded draws)
        self._ids: dict[int, str] = {id(r): f"reaction:{r.id or i}" for i, r in enumerate(persona.reactions)}
        self._ids |= {id(m): f"move:{sid}[{j}]" for sid, s in persona.states.items() for j, m in enumerate(s.moves)}
        # every mood condition compiled once, for reactions and state moves alike
        self._conds: dict[int, MoodExpr] = {
            id(m): MoodExpr(m.if_, persona.names)
            for m in [*persona.reactions, *(m for s in persona.states.values() for m in s.moves)]
            if m.if_
        }
        self._hang_up = MoodExpr(persona.hang_up.if_, persona.names)
        self._model = _Model()
        self.machine = Machine(
            model=self._model,
            states=persona.state_ids(),
            initial=persona.start,
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=True,
        )
        self._moves: dict[int, Move] = {}
        for r in persona.reactions:
            if r.to:
                self._add("interrupt", "*", r)
        for sid, state in persona.states.items():
            for move in state.moves:
                self._add("hear", sid, move)
        if persona.direction == "outbound":
            self.opening = self._pick(persona.start, persona.states[persona.start].lines)

    # -- building -------------------------------------------------------------
    def _add(self, trigger: str, source: str, move: Move) -> None:
        key = id(move)
        self._moves[key] = move
        # `pick` becomes one transition per target, each holding for one draw
        targets = list(enumerate(move.pick)) if move.pick else [(None, move.to)]
        for i, dest in targets:
            self.machine.add_transition(
                trigger,
                source=source,
                dest=dest,  # None: an internal transition, the state stays
                conditions=[lambda ev, k=key, i=i: self._holds(self._moves[k], ev.kwargs["analysis"])
                            and (i is None or self._draw(k) == i)],
                after=[lambda ev, k=key: ev.kwargs["fired"].append(k)],
            )

    def _draw(self, key: int) -> int:
        """The seeded draw among a move's `pick` targets for this turn."""
        move = self._moves[key]
        return random.Random(f"{self.seed}:{len(self.turns)}:pick:{self._move_id(move)}").randrange(len(move.pick))

    # -- public API -----------------------------------------------------------
    @property
    def state(self) -> str:
        return self._model.state

    @property
    def agent_turns(self) -> int:
        return len(self.turns)

    def say(self, line: str, audio: dict[str, float] | None = None) -> Turn:
        """Play one trainee line (with its voice metrics when spoken); returns the turn."""
        if self.ended:
            raise CallOver("the call has ended")
        analysis = self.understanding.analyze(line)
        return self.play(analysis, audio)

    def play(self, analysis: Analysis, audio: dict[str, float] | None = None) -> Turn:
        if self.ended:
            raise CallOver("the call has ended")
        p = self.persona
        events: list[str] = []
        parts: list[str] = []
        before = self.state

        repeated = self._is_repeat(analysis.text)
        if repeated:
            self._apply(p.repetition.effects)
            events.append("repetition")

        # 3. reactions: effects of all that hold; the first with `to` interrupts
        reaction_lines: list[str] = []
        for i, r in enumerate(p.reactions):
            if self._holds(r, analysis):
                self._apply(r.effects)
                events.append(self._move_id(r))
                if r.lines and not reaction_lines and not r.to:
                    reaction_lines = [self._pick(f"reaction:{i}", r.lines)]
        fired: list[int] = []
        self._model.trigger("interrupt", analysis=analysis, fired=fired)
        if not fired:
            self._model.trigger("hear", analysis=analysis, fired=fired)
        move = self._moves[fired[0]] if fired else None

        if move is not None:
            if not isinstance(move, Reaction):  # a reaction's effects were applied above
                self._apply(move.effects)
            events.append(self._move_id(move))
            parts += reaction_lines
            parts.append(self._reply_for(move, before))
        elif reaction_lines:
            parts += reaction_lines
        elif repeated:
            parts.append(self._pick("repetition", p.repetition.lines))
        else:
            fb = p.states[self.state].fallback or p.fallback
            self._apply(fb.effects)
            events.append("fallback")
            parts.append(self._pick(f"fallback:{self.state}", fb.lines))

        state = p.states.get(self.state)
        if state is not None and state.outcome:
            self.outcome = state.outcome
        if state is not None and state.end:
            self._finish("customer")
        elif self._hang_up(self._env()):
            parts.append(self._pick("hang_up", p.hang_up.lines))
            self.machine.set_state("hung_up", self._model)
            self.outcome = "hung_up"
            events.append("hang_up")
            self._finish("customer")
        elif len(self.turns) + 1 >= p.turn_limit.turns:
            parts.append(self._pick("turn_limit", p.turn_limit.lines))
            self.machine.set_state("turn_limit", self._model)
            self.outcome = self.outcome or "hung_up"
            events.append("turn_limit")
            self._finish("customer")

        turn = Turn(
            index=len(self.turns) + 1,
            agent=analysis.line,
            acts=list(analysis.acts),
            measures=analysis.measures(),
            customer="".join(parts),
            state=self.state,
            mood=dict(self.mood),
            events=events,
            audio=audio,
        )
        self.turns.append(turn)
        return turn

    def play_script(self, lines, hangup: str | None = None) -> "Conversation":
        """Play trainee lines until the call ends; `hangup='trainee'` ends it after."""
        for line in lines:
            if self.ended:
                break
            if isinstance(line, dict):  # a spoken line with its measured voice
                self.say(str(line["say"]), line.get("audio") or None)
            else:
                self.say(str(line))
        if hangup == "trainee":
            self.hang_up()
        return self

    def hang_up(self) -> None:
        """The trainee ends the call (a fault unless the customer said goodbye)."""
        if self.ended:
            return
        self.outcome = self.outcome or "hung_up"
        self._finish("trainee")

    @property
    def success(self) -> bool:
        return self.persona.is_success(self.outcome)

    # -- internals ------------------------------------------------------------
    def _finish(self, who: str) -> None:
        self.ended = True
        self.hung_up_by = who

    def _env(self) -> dict[str, float]:
        return {**self.mood, "turn": len(self.turns) + 1}

    def _holds(self, move: Move, analysis: Analysis) -> bool:
        if not trigger_holds(move.when, analysis):
            return False
        cond = self._conds.get(id(move))
        return cond(self._env()) if cond else True

    def _apply(self, effects: dict[str, int]) -> None:
        for name, delta in effects.items():
            self.mood[name] = max(0, min(100, self.mood[name] + delta))

    def _reply_for(self, move: Move, before: str) -> str:
        if move.lines:
            return self._pick(self._move_id(move), move.lines)
        state = self.persona.states[self.state]
        if self.state == before and state.idle:
            return self._pick(f"idle:{self.state}", state.idle)
        return self._pick(self.state, state.lines)

    def _move_id(self, move: Move) -> str:
        return self._ids.get(id(move), "move")

    def _pick(self, key: str, variants: list[str]) -> str:
        """A seeded choice that avoids saying the same variant twice in a row."""
        if len(variants) == 1:
            return variants[0]
        rng = random.Random(f"{self.seed}:{len(self.turns)}:{key}")
        choices = [i for i in range(len(variants)) if i != self._last_variant.get(key)]
        i = rng.choice(choices)
        self._last_variant[key] = i
        return variants[i]

    def _is_repeat(self, text: str) -> bool:
        if len(text) < 4:
            return False
        for t in self.turns:
            prev = self.understanding.normalize(t.agent)
            if prev == text or difflib.SequenceMatcher(None, prev, text).ratio() >= REPEAT_SIMILARITY:
                return True
        return False

    # -- persistence ----------------------------------------------------------
    def to_json(self) -> str:
        """The whole call state; `from_json` restores it exactly."""
        return json.dumps(
            {
                "version": FORMAT_VERSION,
                "persona": self.persona.id,
                "seed": self.seed,
                "state": self.state,
                "mood": self.mood,
                "turns": [asdict(t) for t in self.turns],
                "outcome": self.outcome,
                "ended": self.ended,
                "hung_up_by": self.hung_up_by,
                "opening": self.opening,
                "last_variant": self._last_variant,
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(
        cls, data: str | dict, persona: Persona, understanding: Understanding | None = None
    ) -> "Conversation":
        d = json.loads(data) if isinstance(data, str) else data
        if d.get("persona") != persona.id:
            raise ValueError(f"saved call is for persona '{d.get('persona')}', not '{persona.id}'")
        conv = cls(persona, seed=d["seed"], understanding=understanding)
        conv.machine.set_state(d["state"], conv._model)
        conv.mood = {k: int(v) for k, v in d["mood"].items()}
        conv.turns = [Turn(**t) for t in d["turns"]]
        conv.outcome = d["outcome"]
        conv.ended = d["ended"]
        conv.hung_up_by = d["hung_up_by"]
        conv.opening = d["opening"]
        conv._last_variant = {k: int(v) for k, v in d["last_variant"].items()}
        return conv


def turn_record(t: Turn) -> dict:
    """A turn as the command-line contract and exports show it."""
    record = {"agent": t.agent, "acts": t.acts, "customer": t.customer, "state": t.state, "mood": t.mood}
    if t.audio:
        record["audio"] = t.audio
    return record


def trigger_holds(t: Trigger, a: Analysis) -> bool:
    acts = a.act_set
    if t.acts and not all(x in acts for x in t.acts):
        return False
    if t.any and not any(x in acts for x in t.any):
        return False
    if t.not_ and any(x in acts for x in t.not_):
        return False
    if t.min_chars is not None and a.chars < t.min_chars:
        return False
    if t.max_chars is not None and a.chars > t.max_chars:
        return False
    if t.min_questions is not None and a.questions < t.min_questions:
        return False
    if t.max_questions is not None and a.questions > t.max_questions:
        return False
    return True
