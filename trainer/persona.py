"""The persona file: one scripted customer, its model, loader and checks.

A persona is a state machine written as data. `load_persona` reads a file with
`yamlfile` (safe, line-aware), validates it with pydantic, then checks what a
schema cannot: act ids, state names, conditions, reachability, endings. Every
problem is reported at once as `file:line: key.path: message`.
"""

from __future__ import annotations

import json
import os
import re
from collections import deque
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import vocabulary
from .moodexpr import ExprError, MoodExpr
from .problems import path_str, schema_problems
from .yamlfile import FileProblem, YamlDoc, load_file, load_text

PERSONA_DIR = Path(__file__).resolve().parent.parent / "personas"


def persona_dir() -> Path:
    """The personas folder: `TRAINER_PERSONAS` if set, else the bundled one."""
    return Path(os.environ.get("TRAINER_PERSONAS") or PERSONA_DIR)
OUTCOMES = ("resolved", "sold", "callback", "escalated", "complaint", "refused", "hung_up")
RESERVED_STATES = ("hung_up", "turn_limit")
BUILTIN_NAMES = ("turn",)  # usable in conditions beside the mood names

Lines = Annotated[list[Annotated[str, Field(min_length=1, max_length=500)]], Field(min_length=1)]
Mood = dict[str, Annotated[int, Field(ge=0, le=100)]]
Effects = dict[str, Annotated[int, Field(ge=-100, le=100)]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Trigger(_Strict):
    """What the trainee's line must do for a move or reaction to apply.

    All given parts must hold: `acts` all present, at least one of `any`,
    none of `not`, and the measured limits. An empty trigger always holds.
    """

    acts: list[str] = Field(default_factory=list, description="every one of these acts")
    any: list[str] = Field(default_factory=list, description="at least one of these acts")
    not_: list[str] = Field(default_factory=list, alias="not", description="none of these acts")
    min_chars: int | None = Field(None, ge=0, description="line at least this long")
    max_chars: int | None = Field(None, ge=0, description="line at most this long")
    min_questions: int | None = Field(None, ge=0, description="at least this many questions")
    max_questions: int | None = Field(None, ge=0, description="at most this many questions")

    def act_refs(self) -> list[tuple[str, int, str]]:
        return [
            (key, i, act)
            for key, acts in (("acts", self.acts), ("any", self.any), ("not", self.not_))
            for i, act in enumerate(acts)
        ]


class Effect(_Strict):
    """A mood change and an optional customer line."""

    effects: Effects = Field(default_factory=dict, description="mood deltas, e.g. {anger: -10}")
    lines: Lines


class Move(_Strict):
    """In one state: when the trainee does this (and the mood allows), go there and reply."""

    when: Trigger = Field(default_factory=Trigger)
    if_: str | None = Field(None, alias="if", description="mood condition, e.g. 'anger < 40'")
    effects: Effects = Field(default_factory=dict)
    to: str | None = Field(None, description="target state; omitted = stay")
    pick: list[str] | None = Field(
        None, min_length=2, description="instead of `to`: one of these states, drawn with the call's seed"
    )
    lines: list[str] | None = Field(None, description="reply; omitted = the target state's lines")
    note: str | None = Field(None, description="for authors: why this move exists")


class Reaction(Move):
    """Like a move but checked in every state (a forbidden phrase angers anyone)."""

    id: str | None = None


class State(_Strict):
    lines: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        default_factory=list, description="what the customer says on entering (variants)"
    )
    idle: list[str] | None = Field(None, description="said when a stay move has no lines of its own")
    outcome: Literal[OUTCOMES] | None = Field(None, description="the outcome decided on entering")
    end: bool = Field(False, description="the customer hangs up after these lines")
    fallback: Effect | None = Field(None, description="overrides the persona's fallback here")
    moves: list[Move] = Field(default_factory=list)


class Record(_Strict):
    """What the agent's screen shows about the customer (seed 002's preview)."""

    customer: str
    phone: str = ""
    account: str = ""
    product: str = ""
    history: list[str] = Field(default_factory=list)
    remedies: list[str] = Field(default_factory=list, description="what the agent may offer")
    notes: str = ""


class DeliveryRule(_Strict):
    """How a mood changes the voice: the first rule whose condition holds applies."""

    if_: str = Field(alias="if", description="mood condition, e.g. 'anger >= 70'")
    rate: float = Field(1.0, ge=0.5, le=2.0, description="times the calm rate")
    volume: float = Field(0.0, ge=-1.0, le=1.0, description="added to the calm volume (0-1)")
    pitch: int = Field(0, ge=-50, le=50, description="added to the calm pitch (0-100)")


class Voice(_Strict):
    language: str = "zh"
    rate: int = Field(170, ge=60, le=400, description="words per minute at calm mood")
    volume: float = Field(0.9, ge=0.0, le=1.0)
    gender: Literal["male", "female"] = "male"
    pitch: int = Field(50, ge=0, le=100, description="calm pitch (espeak-ng's 0-100 scale)")
    id: str | None = Field(
        None, description="a voice id of the speech engine (e.g. a Windows SAPI5 voice); default: "
        "the first installed voice for the language and gender"
    )
    delivery: list[DeliveryRule] | None = Field(
        None, description="mood -> delivery rules; default: content/voice.yaml's"
    )


class HangUp(_Strict):
    if_: str = Field("patience <= 0 or anger >= 100", alias="if")
    lines: Lines


class TurnLimit(_Strict):
    turns: int = Field(20, ge=1, le=200)
    lines: Lines


class Persona(_Strict):
    """One scripted customer."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,40}$")]
    name: str = Field(description="how the agent addresses the customer, e.g. 王先生")
    type: str = Field(description="difficult-customer type, e.g. 抱怨成癖")
    technique: str = Field("", description="the technique it trains, e.g. 见缝插针法")
    direction: Literal["inbound", "outbound"]
    difficulty: int = Field(2, ge=1, le=5)
    summary: str
    record: Record
    voice: Voice = Field(default_factory=Voice)
    mood: Mood = Field(description="initial mood, 0-100 each")
    success: list[Literal[OUTCOMES]] = Field(default_factory=lambda: ["resolved", "sold", "callback"])
    start: str
    states: dict[str, State] = Field(min_length=1)
    reactions: list[Reaction] = Field(default_factory=list)
    fallback: Effect
    repetition: Effect
    hang_up: HangUp
    turn_limit: TurnLimit

    @model_validator(mode="after")
    def _mood_present(self) -> "Persona":
        if not self.mood:
            raise ValueError("mood needs at least one value, e.g. {anger: 50}")
        return self

    # -- helpers the engine uses ---------------------------------------------
    @property
    def names(self) -> list[str]:
        return [*self.mood, *BUILTIN_NAMES]

    def customer_lines(self) -> list[str]:
        """Every line the customer can say, in file order, once each (for speech ahead of time)."""
        found: list[str] = []
        for s in self.states.values():
            found += s.lines + (s.idle or []) + (s.fallback.lines if s.fallback else [])
            for m in s.moves:
                found += m.lines or []
        for r in self.reactions:
            found += r.lines or []
        for block in (self.fallback, self.repetition, self.hang_up, self.turn_limit):
            found += block.lines
        return list(dict.fromkeys(found))

    def is_success(self, outcome: str | None) -> bool:
        return outcome in self.success

    def state_ids(self) -> list[str]:
        return [*self.states, *RESERVED_STATES]


class PersonaError(Exception):
    """A persona file with problems; `problems` are `file:line: path: message` strings."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# -- loading ------------------------------------------------------------------


def load_persona(path: str | Path) -> Persona:
    """Load and check one persona file; raises PersonaError with every problem."""
    try:
        doc = load_file(path)
    except FileProblem as e:
        raise PersonaError([str(e)]) from None
    return persona_from_doc(doc)


def persona_from_text(text: str, name: str = "<persona>") -> Persona:
    try:
        doc = load_text(text, name)
    except FileProblem as e:
        raise PersonaError([str(e)]) from None
    return persona_from_doc(doc)


def persona_from_doc(doc: YamlDoc) -> Persona:
    if not isinstance(doc.data, dict):
        raise PersonaError([f"{doc.path}:1: a persona file must be a mapping of keys (id, name, states, …)"])
    try:
        persona = Persona.model_validate(doc.data)
    except ValidationError as e:
        raise PersonaError(schema_problems(doc, e, Persona)) from None
    problems = [f"{doc.path}:{doc.line_of(loc)}: {path_str(loc)}: {msg}" for loc, msg in check(persona)]
    if problems:
        raise PersonaError(problems)
    return persona


def persona_path(persona_id: str, directory: Path | None = None) -> Path:
    return (directory or persona_dir()) / f"{persona_id}.yaml"


def available(directory: Path | None = None) -> list[str]:
    return sorted(p.stem for p in (directory or persona_dir()).glob("*.yaml"))


def load_by_id(persona_id: str, directory: Path | None = None) -> Persona:
    """Load a persona by id; an unknown id names the known ones."""
    directory = directory or persona_dir()
    path = persona_path(persona_id, directory)
    if re.fullmatch(r"[a-z][a-z0-9_]{0,40}", persona_id):  # never a path from outside
        if path.exists():
            return load_persona(path)
        from .uploads import uploaded_persona  # a trainer's upload, stored in the database

        found = uploaded_persona(persona_id)
        if found is not None:
            return found
    known = available(directory)
    raise PersonaError(
        [f"unknown persona '{persona_id}'{vocabulary.suggest(persona_id, known)} (known: {', '.join(known)})"]
    )


# -- checks beyond the schema -------------------------------------------------


def check(p: Persona) -> list[tuple[tuple, str]]:
    """Problems a schema cannot see, each as (key path, message)."""
    problems: list[tuple[tuple, str]] = []
    known_acts = set(vocabulary.acts())
    states = set(p.states)
    names = p.names

    def check_trigger(loc: tuple, trigger: Trigger) -> None:
        for key, i, act in trigger.act_refs():
            if act not in known_acts:
                problems.append(
                    (loc + ("when", key, i), f"unknown act '{act}'{vocabulary.suggest(act, known_acts)}")
                )

    def check_effects(loc: tuple, effects: dict) -> None:
        for name in effects:
            if name not in p.mood:
                problems.append(
                    (loc + ("effects", name), f"unknown mood '{name}' (known: {', '.join(p.mood)})")
                )

    def check_expr(loc: tuple, source: str | None) -> None:
        if source is None:
            return
        try:
            MoodExpr(source, names)
        except ExprError as e:
            problems.append((loc, str(e)))

    def check_target(loc: tuple, target: str | None) -> None:
        if target is not None and target not in states:
            problems.append(
                (loc, f"unknown state '{target}'{vocabulary.suggest(target, states)} (known: {', '.join(p.states)})")
            )

    for reserved in RESERVED_STATES:
        if reserved in states:
            problems.append((("states", reserved), f"'{reserved}' is a built-in ending; choose another state name"))
    if p.start not in states:
        check_target(("start",), p.start)
    check_expr(("hang_up", "if"), p.hang_up.if_)
    for i, rule in enumerate(p.voice.delivery or []):
        check_expr(("voice", "delivery", i, "if"), rule.if_)
    for block in ("fallback", "repetition"):
        check_effects((block,), getattr(p, block).effects)
    for i, r in enumerate(p.reactions):
        loc = ("reactions", i)
        check_trigger(loc, r.when)
        check_effects(loc, r.effects)
        check_expr(loc + ("if",), r.if_)
        check_target(loc + ("to",), r.to)
    for sid, s in p.states.items():
        sloc = ("states", sid)
        if not s.lines and not (sid == p.start and p.direction == "inbound"):
            problems.append((sloc, "state has no customer line; add 'lines' with at least one variant"))
        if s.end and s.moves:
            problems.append((sloc + ("moves",), "an ending state (end: true) cannot have moves"))
        if s.fallback:
            check_effects(sloc + ("fallback",), s.fallback.effects)
        for j, m in enumerate(s.moves):
            mloc = sloc + ("moves", j)
            check_trigger(mloc, m.when)
            check_effects(mloc, m.effects)
            check_expr(mloc + ("if",), m.if_)
            check_target(mloc + ("to",), m.to)
            for k, target in enumerate(m.pick or []):
                check_target(mloc + ("pick", k), target)
            if m.pick and m.to:
                problems.append((mloc + ("pick",), "give either 'to' or 'pick', not both"))
    if problems:
        return problems
    problems += _graph_problems(p)
    return problems


def _graph_problems(p: Persona) -> list[tuple[tuple, str]]:
    edges: dict[str, set[str]] = {sid: set() for sid in p.states}
    interrupts = {r.to for r in p.reactions if r.to}
    for sid, s in p.states.items():
        if s.end:
            continue
        edges[sid] |= {m.to for m in s.moves if m.to and m.to != sid}
        edges[sid] |= {t for m in s.moves for t in (m.pick or []) if t != sid}
        edges[sid] |= interrupts - {sid}
    seen = _reach(p.start, edges)
    problems: list[tuple[tuple, str]] = []
    for sid, s in p.states.items():
        if sid not in seen:
            problems.append((("states", sid), f"state '{sid}' is unreachable from start '{p.start}'"))
        elif not s.end and not edges[sid]:
            problems.append(
                (("states", sid), f"state '{sid}' has no way out: add a move with 'to', or 'end: true'")
            )
    endings = {sid for sid, s in p.states.items() if s.end}
    if not endings & seen:
        problems.append((("states",), "no ending is reachable: mark at least one state 'end: true'"))
    else:
        for sid in sorted(seen - endings):
            if edges[sid] and not _reach(sid, edges) & endings:
                problems.append((("states", sid), f"state '{sid}' cannot lead to any ending"))
    return problems


def _reach(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def json_schema() -> str:
    """The JSON Schema of the persona format, for editors (yaml-language-server)."""
    schema = Persona.model_json_schema(by_alias=True)
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema["title"] = "Call-center trainer persona"
    return json.dumps(schema, ensure_ascii=False, indent=2)
