"""Checklists: QA items as declarative rules, scored from a finished call.

A checklist file (`lessons/checklists/*.yaml`) lists items; each item has an id,
a section, a weight, a tip, a model phrase and one rule. Rules are small and
composable (`all`, `any`); each answers three questions about a call:
  - applies?  (a rule about a trigger that never happened is not applicable)
  - passed?   with the evidence turn (where it was done, or where it was due)
  - pending?  during a call: is it due now and not yet done (for live hints)
Turns are numbered from 1 (the trainee's lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from . import regexsafe, vocabulary
from .moodexpr import ExprError, MoodExpr

SECTIONS = ("礼貌程度", "沟通能力", "耐心程度", "技巧", "流程")
VOICE_METRICS = ("speech_rate", "loudness", "pitch_variation")


# -- the call as the scorer sees it -------------------------------------------


@dataclass
class TurnView:
    """One trainee line with the customer's situation before and after it."""

    index: int
    agent: str
    acts: frozenset[str]
    measures: dict[str, Any]
    state_before: str
    mood_before: dict[str, int]
    customer_before: str  # what the customer said just before this line
    customer: str
    state: str
    mood: dict[str, int]
    audio: dict[str, float] | None = None


@dataclass
class CallView:
    persona_id: str
    direction: str
    success_outcomes: list[str]
    outcome: str | None
    ended: bool
    hung_up_by: str | None
    turns: list[TurnView] = field(default_factory=list)
    start: str = ""
    opening: str = ""
    initial_mood: dict[str, int] = field(default_factory=dict)

    def upcoming(self) -> TurnView:
        """The trainee's next line as far as it is known: the situation it answers."""
        last = self.turns[-1] if self.turns else None
        return TurnView(
            index=len(self.turns) + 1, agent="", acts=frozenset(), measures={},
            state_before=last.state if last else self.start,
            mood_before=last.mood if last else self.initial_mood,
            customer_before=last.customer if last else self.opening,
            customer="", state="", mood={},
        )

    @property
    def voice(self) -> bool:
        return any(t.audio for t in self.turns)


def view_of(conv) -> CallView:
    """A CallView of a live or finished `Conversation`."""
    record = {"opening": conv.opening, "outcome": conv.outcome, "ended": conv.ended,
              "hung_up_by": conv.hung_up_by, "turns": [vars(t) for t in conv.turns]}
    return view_of_record(record, conv.persona, conv.understanding)


def view_of_record(d: dict, persona, understanding) -> CallView:
    """A CallView of a stored transcript: `replay --json` output or a saved call.

    Acts are taken as stored (the call as it was understood then); length and
    question measures are recomputed from the line when absent.
    """
    turns: list[TurnView] = []
    state, mood, said = persona.start, dict(persona.mood), d.get("opening") or ""
    for i, t in enumerate(d.get("turns", []), 1):
        measures = t.get("measures") or understanding.analyze(t["agent"]).measures()
        turns.append(
            TurnView(
                index=i, agent=t["agent"], acts=frozenset(t.get("acts", [])), measures=measures,
                state_before=state, mood_before=mood, customer_before=said,
                customer=t.get("customer", ""), state=t.get("state", state), mood=t.get("mood", mood),
                audio=t.get("audio"),
            )
        )
        state, mood, said = turns[-1].state, turns[-1].mood, turns[-1].customer
    return CallView(
        persona.id, persona.direction, list(persona.success), d.get("outcome"),
        bool(d.get("ended", True)), d.get("hung_up_by"), turns,
        start=persona.start, opening=d.get("opening") or "", initial_mood=dict(persona.mood),
    )


# -- rules --------------------------------------------------------------------


@dataclass
class Result:
    applies: bool
    passed: bool
    turn: int | None = None  # evidence: where done, or where it was due / broken
    violations: list[int] = field(default_factory=list)
    note: str = ""


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def acts_used(self) -> list[str]:
        return []

    def exprs(self) -> list[str]:
        return []

    def bounded(self) -> bool:
        """Due within a window of turns (hints for these come first)."""
        return False


class After(BaseModel):
    """The moment from which an act is due: the customer enters a state, says
    something matching a pattern, reaches a mood, or the trainee does an act."""

    model_config = ConfigDict(extra="forbid")
    states: list[str] = Field(default_factory=list)
    customer_says: str | None = Field(None, max_length=200, description="regular expression")
    mood: str | None = Field(None, description="mood condition, e.g. 'anger >= 60'")
    acts: list[str] = Field(default_factory=list)

    def first(self, call: CallView, upcoming: bool = False) -> int | None:
        """The first turn at which the trigger holds (the line due to answer it);
        with `upcoming`, the trainee's next line counts too."""
        cond = MoodExpr(self.mood, [*_mood_names(call), "turn"]) if self.mood else None
        pattern = re.compile(self.customer_says) if self.customer_says else None
        for t in [*call.turns, call.upcoming()] if upcoming else call.turns:
            if self.states and t.state_before in self.states:
                return t.index
            if pattern and pattern.search(t.customer_before):
                return t.index
            if cond and cond({**t.mood_before, "turn": t.index}):
                return t.index
            if self.acts and t.index > 1 and call.turns[t.index - 2].acts & set(self.acts):
                return t.index
        return None


def _mood_names(call: CallView) -> list[str]:
    return list(call.turns[0].mood_before) if call.turns else list(call.initial_mood)


def _during(expr: str | None, call: CallView, t: TurnView) -> bool:
    if not expr:
        return True
    return MoodExpr(expr, [*t.mood_before, "turn"])({**t.mood_before, "turn": t.index})


class ActRule(_Rule):
    """One of `acts` at least `min` times; optionally within the first N turns,
    or within N turns after a trigger, or only counting lines said while the
    customer was in `in_states` or the mood held `during`."""

    kind: Literal["act"]
    acts: list[str] = Field(min_length=1)
    min: int = Field(1, ge=1)
    first: int | None = Field(None, ge=1, description="within the first N trainee turns")
    after: After | None = None
    within: int = Field(2, ge=1, description="with `after`: turns allowed after the trigger")
    in_states: list[str] = Field(default_factory=list)
    during: str | None = None

    def acts_used(self):
        return self.acts + (self.after.acts if self.after else [])

    def bounded(self):
        return self.first is not None or self.after is not None

    def exprs(self):
        return [e for e in (self.during, self.after.mood if self.after else None) if e]

    def _window(self, call: CallView, upcoming: bool = False) -> tuple[int, int] | None:
        start, end = 1, len(call.turns) + upcoming
        if self.after:
            due = self.after.first(call, upcoming)
            if due is None:
                return None
            start, end = due, due + self.within - 1
        if self.first:
            end = min(end, self.first)
        return start, end

    def check(self, call: CallView) -> Result:
        window = self._window(call)
        if window is None:
            return Result(False, True, note="trigger never happened")
        start, end = window
        hits = self._hits(call, start, end)
        if len(hits) >= self.min:
            return Result(True, True, hits[self.min - 1])
        due = min(end, len(call.turns)) if call.turns else None
        return Result(True, False, due if due and due >= start else (start if call.turns else None))

    def _hits(self, call: CallView, start: int, end: int) -> list[int]:
        return [
            t.index for t in call.turns
            if start <= t.index <= end and t.acts & set(self.acts)
            and (not self.in_states or t.state_before in self.in_states) and _during(self.during, call, t)
        ]

    def pending(self, call: CallView) -> bool:
        window = self._window(call, upcoming=True)
        if window is None:
            return False
        start, end = window
        if len(self._hits(call, start, end)) >= self.min:
            return False
        return start <= len(call.turns) + 1 <= end or not self.bounded()


class OrderRule(_Rule):
    """Some act of `before` comes earlier than the first act of `then`.

    When `then` never happens, nothing was out of order: passed, unless
    `required` (then the missing `then` is a miss)."""

    kind: Literal["order"]
    before: list[str] = Field(min_length=1)
    then: list[str] = Field(min_length=1)
    required: bool = Field(False, description="fail (not n/a) when `then` never happens")

    def acts_used(self):
        return self.before + self.then

    def check(self, call):
        first_then = next((t.index for t in call.turns if t.acts & set(self.then)), None)
        if first_then is None:
            return Result(True, not self.required, len(call.turns) or None if self.required else None)
        first_before = next((t.index for t in call.turns if t.acts & set(self.before)), None)
        ok = first_before is not None and first_before < first_then
        return Result(True, ok, first_before if ok else first_then)

    def pending(self, call):
        return not any(t.acts & set(self.before) for t in call.turns) and not any(
            t.acts & set(self.then) for t in call.turns
        )


class NeverRule(_Rule):
    """None of `acts` (optionally only while the mood holds `during`); a line that
    also carries one of `except_with` does not count (a choice question 您选哪种
    is not the open question the rule is about)."""

    kind: Literal["never"]
    acts: list[str] = Field(min_length=1)
    during: str | None = None
    except_with: list[str] = Field(default_factory=list)

    def acts_used(self):
        return self.acts + self.except_with

    def exprs(self):
        return [self.during] if self.during else []

    def check(self, call):
        bad = [t.index for t in call.turns if t.acts & set(self.acts) and not t.acts & set(self.except_with)
               and _during(self.during, call, t)]
        return Result(True, not bad, bad[0] if bad else None, violations=bad)

    def pending(self, call):
        return False


class LastRule(_Rule):
    """One of `acts` in the last N trainee turns."""

    kind: Literal["last"]
    acts: list[str] = Field(min_length=1)
    turns: int = Field(1, ge=1)

    def acts_used(self):
        return self.acts

    def check(self, call):
        if not call.turns:
            return Result(True, False)
        tail = call.turns[-self.turns :]
        hit = next((t.index for t in reversed(tail) if t.acts & set(self.acts)), None)
        return Result(True, hit is not None, hit or call.turns[-1].index)

    def pending(self, call):
        return call.outcome is not None and not call.ended and not self.check(call).passed


class OutcomeRule(_Rule):
    """The call ended in one of `outcomes` (or in a success of the persona)."""

    kind: Literal["outcome"]
    outcomes: list[str] = Field(default_factory=list)
    success: bool = False

    def check(self, call):
        wanted = set(self.outcomes) | (set(call.success_outcomes) if self.success else set())
        last = call.turns[-1].index if call.turns else None
        return Result(True, call.outcome in wanted, last)

    def pending(self, call):
        return False


class LengthRule(_Rule):
    """Lines no longer than `max` characters, and on average at most `mean_max`."""

    kind: Literal["length"]
    max: int | None = Field(None, ge=1)
    mean_max: float | None = Field(None, gt=0)

    def check(self, call):
        if not call.turns:
            return Result(False, True)
        long = [t.index for t in call.turns if self.max and t.measures["chars"] > self.max]
        mean = sum(t.measures["chars"] for t in call.turns) / len(call.turns)
        if long:
            return Result(True, False, long[0], violations=long)
        if self.mean_max and mean > self.mean_max:
            worst = max(call.turns, key=lambda t: t.measures["chars"])
            return Result(True, False, worst.index, note=f"mean {mean:.0f} chars")
        return Result(True, True, None, note=f"mean {mean:.0f} chars")

    def pending(self, call):
        return False


class QuestionsRule(_Rule):
    """At most `max` questions in any line; at least `min_total` in the call."""

    kind: Literal["questions"]
    max: int = Field(1, ge=0)
    min_total: int = Field(0, ge=0)

    def check(self, call):
        over = [t.index for t in call.turns if t.measures["questions"] > self.max]
        if over:
            return Result(True, False, over[0], violations=over)
        asked = [t.index for t in call.turns if t.measures["questions"] > 0]
        if len(asked) < self.min_total:
            return Result(True, False, call.turns[-1].index if call.turns else None)
        return Result(True, True, asked[0] if asked else None)

    def pending(self, call):
        return self.min_total > 0 and not any(t.measures["questions"] for t in call.turns)


class AddressRule(_Rule):
    """The share of 您 among 你/您 is at least `min_share` (n/a if neither is used)."""

    kind: Literal["address"]
    min_share: float = Field(0.8, ge=0, le=1)

    def check(self, call):
        ni = sum(t.measures["ni"] for t in call.turns)
        nin = sum(t.measures["nin"] for t in call.turns)
        if ni + nin == 0:
            return Result(False, True)
        share = nin / (ni + nin)
        first_ni = next((t.index for t in call.turns if t.measures["ni"]), None)
        return Result(True, share >= self.min_share, first_ni, note=f"您 {share:.0%}")

    def pending(self, call):
        return False


class HungUpFirstRule(_Rule):
    """The customer hung up first (the trainee waited for the goodbye)."""

    kind: Literal["customer_hung_up_first"]

    def check(self, call):
        last = call.turns[-1].index if call.turns else None
        return Result(True, call.ended and call.hung_up_by == "customer", last)

    def pending(self, call):
        return False


class VoiceRule(_Rule):
    """A measured voice metric stays in range on every spoken line (voice calls only)."""

    kind: Literal["voice"]
    metric: Literal[VOICE_METRICS]
    min: float | None = None
    max: float | None = None

    def within(self, audio: dict[str, float]) -> bool | None:
        """Whether one spoken line's metric is in range (None: not measured)."""
        value = audio.get(self.metric) if audio else None
        if value is None:
            return None
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def check(self, call):
        spoken = [t for t in call.turns if self.within(t.audio) is not None]
        if not spoken:
            return Result(False, True, note="not a voice call")
        bad = [t.index for t in spoken if not self.within(t.audio)]
        return Result(True, not bad, bad[0] if bad else spoken[0].index, violations=bad)

    def pending(self, call):
        return False


class _Composite(_Rule):
    """A rule made of sub-rules (`all`, `any`)."""

    rules: list["Rule"] = Field(min_length=1)

    def acts_used(self):
        return [a for r in self.rules for a in r.acts_used()]

    def exprs(self):
        return [e for r in self.rules for e in r.exprs()]

    def bounded(self):
        return any(r.bounded() for r in self.rules)

    def _applied(self, call) -> list[Result]:
        return [res for res in (r.check(call) for r in self.rules) if res.applies]


class AllRule(_Composite):
    """Every sub-rule passes (n/a if none applies)."""

    kind: Literal["all"]

    def check(self, call):
        applied = self._applied(call)
        if not applied:
            return Result(False, True)
        failed = [r for r in applied if not r.passed]
        pick = failed[0] if failed else max(applied, key=lambda r: r.turn or 0)
        return Result(True, not failed, pick.turn, violations=sorted({v for r in failed for v in r.violations}))

    def pending(self, call):
        return any(r.pending(call) for r in self.rules)


class AnyRule(_Composite):
    """At least one sub-rule passes."""

    kind: Literal["any"]

    def check(self, call):
        applied = self._applied(call)
        if not applied:
            return Result(False, True)
        ok = [r for r in applied if r.passed]
        pick = ok[0] if ok else applied[0]
        return Result(True, bool(ok), pick.turn)

    def pending(self, call):
        return not self.check(call).passed and any(r.pending(call) for r in self.rules)


Rule = Annotated[
    Union[ActRule, OrderRule, NeverRule, LastRule, OutcomeRule, LengthRule, QuestionsRule, AddressRule,
          HungUpFirstRule, VoiceRule, AllRule, AnyRule],
    Field(discriminator="kind"),
]
AllRule.model_rebuild()
AnyRule.model_rebuild()


class Item(BaseModel):
    """One QA item of a checklist."""

    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,60}$")]
    title: str
    section: Literal[SECTIONS]
    weight: int = Field(ge=1, le=100)
    rule: Rule
    tip: str = Field(description="coaching tip shown when the item is missed")
    model: str = Field("", description="a model phrase (seed wording)")
    hint: str | None = Field(None, description="live hint while the item is due")
    praise: str | None = Field(None, description="said when the item is passed")


class Checklist(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,60}$")]
    title: str
    description: str = ""
    items: list[Item] = Field(min_length=1)


def check_rules(cl: Checklist) -> list[tuple[tuple, str]]:
    """Problems a schema cannot see: act ids, conditions, patterns, duplicate ids."""
    problems: list[tuple[tuple, str]] = []
    known = vocabulary.acts()
    seen: set[str] = set()
    for i, item in enumerate(cl.items):
        loc = ("items", i)
        if item.id in seen:
            problems.append((loc + ("id",), f"duplicate item id '{item.id}'"))
        seen.add(item.id)
        for act in item.rule.acts_used():
            if act not in known:
                problems.append((loc + ("rule",), f"unknown act '{act}'{vocabulary.suggest(act, known)}"))
        for expr in item.rule.exprs():
            try:
                MoodExpr(expr, ["anger", "trust", "patience", "turn"])
            except ExprError as e:
                problems.append((loc + ("rule",), str(e)))
        for r in _walk(item.rule):
            if isinstance(r, ActRule) and r.after and r.after.customer_says:
                unsafe = regexsafe.problem(r.after.customer_says)
                if unsafe:
                    problems.append((loc + ("rule",), f"customer_says refused: {unsafe}"))
    return problems


def _walk(rule):
    yield rule
    for sub in getattr(rule, "rules", []):
        yield from _walk(sub)
