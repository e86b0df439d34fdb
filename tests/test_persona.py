"""Persona files: valid bundled personas; every problem reported at its line."""

import json
import re

import pytest

from conftest import MINI, ROOT
from trainer.persona import PersonaError, json_schema, load_by_id, persona_from_text


def problems_of(text: str) -> list[str]:
    with pytest.raises(PersonaError) as e:
        persona_from_text(text, "p.yaml")
    return e.value.problems


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize("pid", sorted(p.stem for p in (ROOT / "personas").glob("*.yaml")))
def test_bundled_personas_are_valid_and_start_with_the_schema_comment(pid):
    persona = load_by_id(pid)
    assert persona.id == pid
    first = (ROOT / "personas" / f"{pid}.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../trainer/content/persona.schema.json"
    # several reply variants in most states, good and bad endings
    ends = {s.outcome for s in persona.states.values() if s.end} | {
        s.outcome for s in persona.states.values() if s.outcome
    }
    assert ends & set(persona.success) and ends - set(persona.success)


def test_unknown_state_names_line_and_known_states():
    text = MINI.replace("to: calm", "to: clam")
    (problem,) = problems_of(text)
    assert problem.startswith(f"p.yaml:{line_of(text, 'to: clam')}: states.talking.moves[1].to: unknown state 'clam'")
    assert "did you mean 'calm'" in problem and "known: ringing, talking, calm, done, angry" in problem


def test_unknown_act_suggests_the_right_one():
    text = MINI.replace("any: [apologize]", "any: [apologise]")
    (problem,) = problems_of(text)
    assert problem == (
        f"p.yaml:{line_of(text, 'apologise')}: states.talking.moves[0].when.any[0]: "
        "unknown act 'apologise' (did you mean 'apologize'?)"
    )


def test_schema_errors_all_at_once_with_lines():
    text = MINI.replace("direction: inbound", "direction: sideways").replace(
        "summary: engine test persona\n", ""
    ).replace("  calm:\n    lines:", "  calm:\n    line_s: [x]\n    lines:")
    problems = problems_of(text)
    assert len(problems) == 3
    assert any(re.match(r"p.yaml:4: direction: Input should be 'inbound' or 'outbound', found 'sideways'", p) for p in problems)
    assert any(p.startswith("p.yaml:1: summary: missing") for p in problems)
    assert any("states.calm.line_s: unknown key 'line_s' (did you mean 'lines'?)" in p for p in problems)


def test_graph_problems():
    text = MINI.replace("      - when: {any: [farewell]}\n        to: done\n", "").replace(
        "        if: \"trust >= 60\"\n        to: done\n", "        if: \"trust >= 60\"\n"
    )
    # without the interrupt, 'angry' is unreachable; without its moves out, 'calm' is stuck
    text = text.replace("    effects: {anger: 10}\n    to: angry\n", "    effects: {anger: 10}\n")
    problems = problems_of(text)
    assert any("states.calm: state 'calm' has no way out" in p for p in problems)
    assert any("state 'angry' is unreachable from start 'ringing'" in p for p in problems)


def test_no_ending_reachable():
    text = MINI.replace("    end: true\n    outcome: resolved\n", "    moves: [{to: calm}]\n").replace(
        "    end: true\n    outcome: complaint\n", "    moves: [{to: calm}]\n"
    )
    assert any("no ending is reachable" in p for p in problems_of(text))


def test_state_without_a_customer_line():
    text = MINI.replace('    lines: ["嗯，好多了。"]\n', "")
    (problem,) = problems_of(text)
    assert "states.calm: state has no customer line" in problem


def test_conditions_and_effects_are_checked():
    text = MINI.replace('if: "trust >= 60"', 'if: "__import__(1)"').replace(
        "effects: {anger: -10}", "effects: {angr: -10}"
    )
    problems = problems_of(text)
    assert any("states.calm.moves[1].if: function calls not allowed" in p for p in problems)
    assert any("states.talking.moves[1].effects.angr: unknown mood 'angr'" in p for p in problems)


def test_mood_values_out_of_range():
    text = MINI.replace("mood: {anger: 50,", "mood: {anger: 150,")
    (problem,) = problems_of(text)
    assert problem.startswith("p.yaml:7: mood.anger: Input should be less than or equal to 100")


def test_not_a_mapping():
    assert problems_of("- a\n- b\n") == ["p.yaml:1: a persona file must be a mapping of keys (id, name, states, …)"]


def test_unknown_persona_id_lists_the_known():
    with pytest.raises(PersonaError, match=r"unknown persona 'complaner' \(did you mean 'complainer'\?\) \(known: "):
        load_by_id("complaner")
    with pytest.raises(PersonaError, match="unknown persona"):
        load_by_id("../etc/passwd")


def test_committed_schema_is_current():
    committed = (ROOT / "trainer" / "content" / "persona.schema.json").read_text(encoding="utf-8")
    assert json.loads(committed) == json.loads(json_schema())
