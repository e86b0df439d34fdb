"""Tools for trainers who write personas: the state diagram and persona tests.

`graph` draws a persona as Graphviz DOT (moves, interrupts, endings).
`run_test` plays a persona test file — trainee lines with the expected state,
outcome, acts or checklist results after each — and reports the first place
where the call diverges, as `rasa test` does for stories.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .persona import Persona


def _q(text: str) -> str:
    return json.dumps(str(text), ensure_ascii=False)  # a DOT string literal, quotes escaped


def graph(p: Persona) -> str:
    lines = [f"digraph {_q(p.id)} {{", "  rankdir=LR;", '  node [shape=box, style=rounded, fontname="Noto Sans CJK SC"];']
    for sid, s in p.states.items():
        attrs = ["shape=doublecircle"] if s.end else []
        label = sid + (f"\\n[{s.outcome}]" if s.outcome else "")
        if sid == p.start:
            attrs.append("penwidth=2")
        lines.append(f"  {_q(sid)} [label={_q(label).replace(chr(92) * 2, chr(92))}{''.join(', ' + a for a in attrs)}];")
    lines.append(f'  {_q("hung_up")} [shape=doublecircle, color=gray, label="hung_up"];')
    for sid, s in p.states.items():
        for m in s.moves:
            acts = "/".join(m.when.acts + m.when.any) or "*"
            label = acts + (f" if {m.if_}" if m.if_ else "")
            for target in (m.pick or [m.to]) if (m.pick or m.to) else []:
                lines.append(f"  {_q(sid)} -> {_q(target)} [label={_q(label)}];")
    for r in p.reactions:
        if r.to:
            acts = "/".join(r.when.acts + r.when.any) or "*"
            lines.append(f'  "*" -> {_q(r.to)} [label={_q(acts)}, style=dashed, color=red];')
    if any(r.to for r in p.reactions):
        lines.append('  "*" [label="any state", shape=plaintext];')
    lines.append(f'  "*hang" [label="any state", shape=plaintext]; "*hang" -> {_q("hung_up")} '
                 f'[label={_q(p.hang_up.if_)}, style=dotted];')
    lines.append("}")
    return "\n".join(lines)


@dataclass
class TestReport:
    path: str
    passed: bool
    steps: int
    divergence: str | None = None
    lines: list[str] = field(default_factory=list)


def run_test(path: str | Path) -> TestReport:
    """Play one persona test file (YAML):

        persona: complainer
        seed: 1
        lesson: complainer          # optional, for `items`
        steps:
          - say: 您好，请问有什么可以帮您？
            state: venting           # any of: state, outcome, ended, acts (must include),
            acts: [greet]            #   items (id: passed, scored on the call so far)
        end: {outcome: resolved}     # optional: after the last step
    """
    from .checklist import view_of
    from .conversation import Conversation
    from .lesson import default_library
    from .persona import load_by_id
    from .scoring import score
    from .yamlfile import load_file

    doc = load_file(path)
    d = doc.data
    name = str(path)
    if not isinstance(d, dict) or not isinstance(d.get("steps"), list) or not isinstance(d.get("persona"), str):
        return TestReport(name, False, 0, f"{name}:1: expected persona, steps: [{{say, state, …}}]")
    persona = load_by_id(d["persona"])
    conv = Conversation(persona, seed=int(d.get("seed", 0)))
    lib = default_library()
    lesson = lib.lesson(d["lesson"]) if d.get("lesson") else lib.lesson_for(persona.id)

    def check(expect: dict, loc: tuple, where: str) -> str | None:
        got = {"state": conv.state, "outcome": conv.outcome, "ended": conv.ended}
        for key in ("state", "outcome", "ended"):
            if key in expect and expect[key] != got[key]:
                return f"{name}:{doc.line_of(loc + (key,))}: {where}: {key} is {got[key]!r}, expected {expect[key]!r}"
        if "acts" in expect:
            have = set(conv.turns[-1].acts) if conv.turns else set()
            missing = [a for a in expect["acts"] if a not in have]
            if missing:
                return (f"{name}:{doc.line_of(loc + ('acts',))}: {where}: acts {sorted(have)} lack {missing}")
        if "items" in expect:
            card = {it.id: it.passed for it in score(lesson, lib, view_of(conv)).items}
            for item_id, want in expect["items"].items():
                if card.get(item_id) != want:
                    return (f"{name}:{doc.line_of(loc + ('items', item_id))}: {where}: item {item_id} "
                            f"{'passed' if card.get(item_id) else 'missed'}, expected {'passed' if want else 'missed'}")
        return None

    report = TestReport(name, True, 0)
    for i, step in enumerate(d["steps"]):
        if conv.ended:
            report.passed, report.divergence = False, f"{name}:{doc.line_of(('steps', i))}: step {i + 1}: the call already ended"
            return report
        turn = conv.say(str(step.get("say", "")))
        report.steps += 1
        report.lines.append(f"{i + 1}. {turn.agent} → [{', '.join(turn.acts)}] → {turn.state}")
        problem = check(step, ("steps", i), f"step {i + 1}")
        if problem:
            report.passed, report.divergence = False, problem + f"\n    customer said: {turn.customer}"
            return report
    if isinstance(d.get("end"), dict):
        problem = check(d["end"], ("end",), "end")
        if problem:
            report.passed, report.divergence = False, problem
    return report
