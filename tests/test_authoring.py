"""Authoring tools: the state diagram and persona test files."""

import re

import pytest

from conftest import ROOT
from trainer.authoring import graph, run_test
from trainer.persona import available, load_by_id

PERSONA_TESTS = sorted((ROOT / "tests" / "personas").glob("*.yaml"))


@pytest.mark.parametrize("path", PERSONA_TESTS, ids=[p.stem for p in PERSONA_TESTS])
def test_bundled_persona_test_files_pass(path):
    report = run_test(path)
    assert report.passed, report.divergence


def test_every_persona_has_a_test_file():
    covered = {p.stem.removesuffix("_model").removesuffix("_poor") for p in PERSONA_TESTS}
    assert covered == set(available())


def test_a_wrong_expectation_reports_the_first_divergence(tmp_path):
    text = (ROOT / "tests" / "personas" / "complainer.yaml").read_text(encoding="utf-8")
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(text.replace("    state: facts_set", "    state: agreed"), encoding="utf-8")
    report = run_test(wrong)
    line = next(i for i, l in enumerate(wrong.read_text(encoding="utf-8").splitlines(), 1) if "state: agreed" in l)
    assert not report.passed and report.steps == 3
    assert report.divergence.startswith(f"{wrong}:{line}: step 3: state is 'facts_set', expected 'agreed'")
    assert "customer said:" in report.divergence


def test_a_wrong_item_expectation(tmp_path):
    text = (ROOT / "tests" / "personas" / "complainer.yaml").read_text(encoding="utf-8")
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(text.replace("complainer_restate: true", "complainer_restate: false"), encoding="utf-8")
    report = run_test(wrong)
    assert not report.passed and "item complainer_restate passed, expected missed" in report.divergence


def test_graph_draws_every_state_and_move():
    p = load_by_id("outbound_handset")
    dot = graph(p)
    assert dot.startswith('digraph "outbound_handset" {') and dot.rstrip().endswith("}")
    for sid in p.states:
        assert re.search(rf'^  "{sid}" \[', dot, re.M)
    for reason in "abcdefg":
        assert f'"confirmed" -> "reason_{reason}"' in dot  # a pick move draws every target
    assert '"*" -> "refused"' in dot  # the interrupt
