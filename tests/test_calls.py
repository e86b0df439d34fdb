"""Each persona: a replayed good call ends in success, bad calls end in failure."""

import pytest

from conftest import CALLS
from trainer.cli import replay_data
from trainer.conversation import Conversation
from trainer.lesson import default_library
from trainer.persona import available, load_by_id
from trainer.practice import replay_lesson_call
from trainer.yamlfile import load_file

CALL_FILES = sorted(CALLS.glob("*.yaml"))


@pytest.mark.parametrize("path", CALL_FILES, ids=[p.stem for p in CALL_FILES])
def test_scripted_call_ends_as_expected(path):
    script = load_file(path).data
    result = replay_data(script)
    for key, value in script["expect"].items():
        assert result[key] == value, f"{path.name}: {key} = {result[key]!r}, expected {value!r}"
    assert result["ended"] and result["hung_up_by"] == "customer"


PERSONAS = available()
LIB = default_library()


@pytest.mark.parametrize("pid", PERSONAS)
def test_every_persona_has_a_lesson_whose_model_call_succeeds(pid):
    lessons = [lesson for lesson in LIB.lessons.values() if lesson.persona == pid]
    assert lessons, f"no lesson for {pid}"
    for lesson in lessons:
        assert replay_lesson_call(lesson, "model_call").success
        assert not replay_lesson_call(lesson, "poor_call").success


@pytest.mark.parametrize("pid", PERSONAS)
def test_scripted_calls_reach_every_ending(pid):
    """Each `end: true` state is the last state of some scripted call."""
    persona = load_by_id(pid)
    endings = {sid for sid, state in persona.states.items() if state.end}
    reached = {replay_lesson_call(lesson, which).state
               for lesson in LIB.lessons.values() if lesson.persona == pid
               for which in ("model_call", "poor_call")}
    reached |= {replay_data(load_file(p).data)["final_state"] for p in CALL_FILES if p.stem.startswith(pid + "_")}
    assert endings <= reached, f"{pid}: no scripted call ends in {sorted(endings - reached)}"


def test_the_handset_customer_draws_every_refusal_reason_with_the_seed():
    persona = load_by_id("outbound_handset")
    drawn = set()
    for seed in range(40):
        conv = Conversation(persona, seed=seed)
        conv.say("您好，请问您是尾号7741的机主黄晓梅女士吗？")
        conv.say("我是移动公司的客户经理小王，抱歉打扰您两分钟，现在预存话费就送一部4G手机。")
        drawn.add(conv.state)
        again = Conversation(persona, seed=seed)
        again.say("您好，请问您是尾号7741的机主黄晓梅女士吗？")
        again.say("我是移动公司的客户经理小王，抱歉打扰您两分钟，现在预存话费就送一部4G手机。")
        assert again.state == conv.state  # the same seed, the same reason
    assert drawn == {f"reason_{c}" for c in "abcdefg"}


def test_hanging_up_early_is_recorded_against_the_trainee():
    result = replay_data({"persona": "complainer", "seed": 1, "turns": ["您好"], "hangup": "trainee"})
    assert result["hung_up_by"] == "trainee" and result["outcome"] == "hung_up" and not result["success"]
