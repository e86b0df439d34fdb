"""Each persona: a replayed good call ends in success, bad calls end in failure."""

import pytest

from conftest import CALLS
from trainer.cli import replay_data
from trainer.yamlfile import load_file

CALL_FILES = sorted(CALLS.glob("*.yaml"))


@pytest.mark.parametrize("path", CALL_FILES, ids=[p.stem for p in CALL_FILES])
def test_scripted_call_ends_as_expected(path):
    script = load_file(path).data
    result = replay_data(script)
    for key, value in script["expect"].items():
        assert result[key] == value, f"{path.name}: {key} = {result[key]!r}, expected {value!r}"
    assert result["ended"] and result["hung_up_by"] == "customer"


@pytest.mark.parametrize("pid", ["complainer", "expert", "legalistic", "rushed"])
def test_every_persona_has_a_good_and_a_bad_call(pid):
    outcomes = {load_file(p).data["expect"]["success"] for p in CALL_FILES if p.stem.startswith(pid + "_")}
    assert outcomes == {True, False}


def test_hanging_up_early_is_recorded_against_the_trainee():
    result = replay_data({"persona": "complainer", "seed": 1, "turns": ["您好"], "hangup": "trainee"})
    assert result["hung_up_by"] == "trainee" and result["outcome"] == "hung_up" and not result["success"]
