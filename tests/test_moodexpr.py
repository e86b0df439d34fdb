"""Mood conditions: a whitelisting evaluator, never eval."""

import pytest

from trainer.moodexpr import ExprError, MoodExpr

NAMES = ["anger", "trust", "patience", "turn"]


@pytest.mark.parametrize(
    "source, env, expected",
    [
        ("anger < 40 and trust >= 30", {"anger": 39, "trust": 30}, True),
        ("anger < 40 and trust >= 30", {"anger": 40, "trust": 30}, False),
        ("not (anger > 50) or trust == 100", {"anger": 60, "trust": 100}, True),
        ("anger + trust * 2 - 10 > 100", {"anger": 20, "trust": 50}, True),
        ("20 < anger <= 40", {"anger": 40}, True),
        ("patience % 2 == 0 and -anger < 0", {"patience": 4, "anger": 1}, True),
        ("trust / 0 == 0", {"trust": 5}, True),
        ("turn >= 3", {"turn": 3}, True),
    ],
)
def test_allowed_expressions(source, env, expected):
    full = {"anger": 0, "trust": 0, "patience": 0, "turn": 1, **env}
    assert MoodExpr(source, NAMES)(full) is expected


@pytest.mark.parametrize(
    "source, message",
    [
        ("anger.__class__", "attribute access"),
        ("__import__('os').system('x')", "function calls"),
        ("open('/etc/passwd')", "function calls"),
        ("anger[0]", "subscripts"),
        ("mood > 3", "unknown name 'mood'"),
        ("__builtins__", "unknown name"),
        ("'a' < 'b'", "only numbers"),
        ("anger ** 99999", "'\\*\\*'"),
        ("(lambda: 1)()", "function calls|lambdas"),
        ("anger if trust else 1", "'if ... else'"),
        ("anger in [1, 2]", "only < <= > >= == != comparisons"),
        ("anger <", "cannot parse"),
        ("anger > 1" + " and anger > 1" * 30, "at most 200"),
    ],
)
def test_refused_expressions(source, message):
    with pytest.raises(ExprError, match=message):
        MoodExpr(source, NAMES)
