"""The scorecard of a call (赞) and live hints during it.

Deterministic: the same call and lesson give the same card, field for field.
The score is the weight of passed items over the weight of applicable items;
strengths come first, then at most three things to fix (faults before
omissions, heavier first), each with its tip and model phrase, every item with
the turn that evidences it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .checklist import SECTIONS, VOICE_METRICS, CallView, Item
from .lesson import Lesson, Library

MAX_FIXES = 3


@dataclass
class ItemResult:
    id: str
    title: str
    section: str
    weight: int
    applicable: bool
    passed: bool
    evidence_turn: int | None
    evidence: str | None  # the trainee's line at that turn
    tip: str
    model: str
    note: str = ""
    violations: list[dict] = field(default_factory=list)


@dataclass
class Scorecard:
    lesson: str
    persona: str
    outcome: str | None
    hung_up_by: str | None
    score: int
    pass_mark: int
    passed: bool
    sections: dict[str, dict]
    items: list[ItemResult]
    strengths: list[dict]
    fixes: list[dict]
    violations: list[dict]
    voice: list[dict] = field(default_factory=list)  # per spoken turn: metrics and each voice item's verdict

    def to_dict(self) -> dict:
        return asdict(self)


def score(lesson: Lesson, library: Library, call: CallView) -> Scorecard:
    defs = library.items_of(lesson)
    items = [_result(item, call) for item in defs]
    praise = {it.id: it.praise or f"做到了：{it.title}" for it in defs}
    applicable = [r for r in items if r.applicable]
    total = sum(r.weight for r in applicable)
    got = sum(r.weight for r in applicable if r.passed)
    value = round(100 * got / total) if total else 0
    sections = {}
    for name in SECTIONS:
        mine = [r for r in applicable if r.section == name]
        if mine:
            earned, out_of = sum(r.weight for r in mine if r.passed), sum(r.weight for r in mine)
            sections[name] = {"earned": earned, "out_of": out_of, "percent": round(100 * earned / out_of)}
    by_weight = sorted(range(len(items)), key=lambda i: (-items[i].weight, i))
    strengths = [
        {"id": r.id, "title": r.title, "evidence_turn": r.evidence_turn, "evidence": r.evidence,
         "praise": praise[r.id]}
        for r in (items[i] for i in by_weight) if r.applicable and r.passed
    ]
    # faults (something said that should not be) come before omissions
    faults_first = sorted(by_weight, key=lambda i: not items[i].violations)
    fixes = [
        {"id": r.id, "title": r.title, "evidence_turn": r.evidence_turn, "evidence": r.evidence,
         "tip": r.tip, "model": r.model}
        for r in (items[i] for i in faults_first) if r.applicable and not r.passed
    ][:MAX_FIXES]
    violations = [
        {"item": r.id, **v} for r in items for v in r.violations
    ]
    violations.sort(key=lambda v: (v["turn"], v["item"]))
    voice_items = [it for it in defs if it.rule.kind == "voice"]
    voice = [
        {"turn": t.index, "line": t.agent, **{m: t.audio.get(m) for m in VOICE_METRICS},
         "checks": {it.id: it.rule.within(t.audio) for it in voice_items}}
        for t in call.turns if t.audio
    ]
    return Scorecard(
        lesson=lesson.id, persona=call.persona_id, outcome=call.outcome, hung_up_by=call.hung_up_by,
        # a call left unfinished does not pass, whatever its lines scored so far
        score=value, pass_mark=lesson.pass_mark, passed=call.ended and value >= lesson.pass_mark,
        sections=sections, items=items, strengths=strengths, fixes=fixes, violations=violations, voice=voice,
    )


def _line(call: CallView, turn: int | None) -> str | None:
    if turn is None or not (1 <= turn <= len(call.turns)):
        return None
    return call.turns[turn - 1].agent


def _result(item: Item, call: CallView) -> ItemResult:
    r = item.rule.check(call)
    return ItemResult(
        id=item.id, title=item.title, section=item.section, weight=item.weight,
        applicable=r.applies, passed=r.passed, evidence_turn=r.turn, evidence=_line(call, r.turn),
        tip=item.tip, model=item.model, note=r.note,
        violations=[{"turn": t, "line": _line(call, t)} for t in r.violations] if not r.passed else [],
    )


def hint(lesson: Lesson, library: Library, call: CallView) -> str | None:
    """At most one hint for what the checklist expects next (practice mode only).

    A fault in the last line comes first (with the item's tip); otherwise an
    item due now and not yet done, among those with a hint: first those due
    within a window of turns, then the heaviest.
    """
    if lesson.mode != "practice" or call.ended or not call.turns:
        return None
    items = library.items_of(lesson)
    last = call.turns[-1].index
    for item in sorted(items, key=lambda it: -it.weight):
        r = item.rule.check(call)
        if r.applies and not r.passed and last in r.violations:
            return f"刚才这句要注意：{item.tip}"
    due = [it for it in items if it.hint and it.rule.pending(call)]
    if not due:
        return None
    best = min(due, key=lambda it: (not it.rule.bounded(), -it.weight, items.index(it)))
    return best.hint
