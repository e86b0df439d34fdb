"""Fixtures build real objects from the real files; nothing of ours is mocked."""

from __future__ import annotations

import os
import tempfile
import textwrap
from pathlib import Path

import pytest

from trainer.persona import load_by_id, persona_from_text
from trainer.understanding import default_understanding

ROOT = Path(__file__).resolve().parent.parent

# The bundled speech model is joined once per machine (145 MB), not once per test's data
# directory; synthesized customer lines go to a fresh cache each run.
os.environ.setdefault("TRAINER_MODELS_DIR", str(Path(tempfile.gettempdir()) / "trainer-test-models"))
os.environ.setdefault("TRAINER_AUDIO_CACHE", tempfile.mkdtemp(prefix="trainer-test-audio-"))
CALLS = ROOT / "tests" / "calls"


@pytest.fixture(scope="session")
def understanding():
    return default_understanding()


@pytest.fixture(scope="session")
def personas():
    return {pid: load_by_id(pid) for pid in ("complainer", "expert", "legalistic", "rushed")}


# A small persona written for the engine tests: every precedence rule is visible.
MINI = textwrap.dedent(
    """\
    id: mini
    name: 测试先生
    type: 测试
    direction: inbound
    summary: engine test persona
    record: {customer: 测试}
    mood: {anger: 50, trust: 50, patience: 30}
    start: ringing
    states:
      ringing:
        moves:
          - when: {any: [greet]}
            to: talking
          - to: talking
            effects: {anger: 5}
            lines: ["（没问候）说吧。"]
      talking:
        lines: ["我有个问题。", "问题来了。"]
        idle: ["然后呢？"]
        moves:
          - when: {any: [apologize]}
            effects: {anger: -70}
            lines: ["好吧。"]
          - when: {any: [empathize]}
            effects: {anger: -10}
            to: calm
          - when: {any: [empathize, apologize]}
            note: never reached, the move above wins
            to: done
          - when: {any: [thank]}
            effects: {anger: 80}
      calm:
        lines: ["嗯，好多了。"]
        moves:
          - when: {any: [farewell]}
            to: done
          - when: {any: [propose_solution]}
            if: "trust >= 60"
            to: done
      done:
        end: true
        outcome: resolved
        lines: ["再见。"]
      angry:
        end: true
        outcome: complaint
        lines: ["我要投诉！"]
    reactions:
      - when: {any: [forbidden_phrase]}
        effects: {anger: 10}
        to: angry
      - when: {any: [empathize]}
        effects: {trust: 15}
        lines: ["（叹气）"]
    fallback: {effects: {patience: -10}, lines: ["听不懂。"]}
    repetition: {effects: {patience: -5}, lines: ["你说过了。"]}
    hang_up: {lines: ["挂了。"]}
    turn_limit: {turns: 6, lines: ["没时间了。"]}
    """
)


@pytest.fixture
def mini():
    return persona_from_text(MINI, "mini.yaml")
