"""Checklists, lessons, scorecards and live hints."""

import json

import pytest

from conftest import ROOT
from trainer.checklist import CallView, TurnView, view_of
from trainer.cli import replay_data
from trainer.conversation import Conversation
from trainer.lesson import LessonError, default_library, load_checklist, load_library
from trainer.persona import load_by_id
from trainer.scoring import hint, score

LIB = default_library()


def play(lesson_id, which="model_call", lines=None, hangup=None, seed=None):
    lesson = LIB.lesson(lesson_id)
    script = getattr(lesson, which)
    conv = Conversation(load_by_id(lesson.persona), seed=script.seed if seed is None else seed)
    for line in lines if lines is not None else script.turns:
        if conv.ended:
            break
        conv.say(line)
    if (hangup or script.hangup) == "trainee":
        conv.hang_up()
    return lesson, conv


def card_of(lesson_id, **kw):
    lesson, conv = play(lesson_id, **kw)
    return score(lesson, LIB, view_of(conv)), conv


def item(card, item_id):
    return next(i for i in card.items if i.id == item_id)


# -- a hand-built call for the rule kinds ---------------------------------------


def call(*turns, outcome=None, hung_up_by="customer", states=None):
    """turns: (line, acts, chars, questions, ni, nin) — or just (line, acts)."""
    views, state = [], "start"
    for i, t in enumerate(turns, 1):
        line, acts = t[0], t[1]
        chars, questions, ni, nin = (list(t[2:]) + [len(line), 0, 0, 0][len(t) - 2 :])[:4]
        nxt = (states or {}).get(i, state)
        views.append(TurnView(i, line, frozenset(acts), {"chars": chars, "questions": questions, "ni": ni, "nin": nin},
                              state, {"anger": 70 if i == 1 else 40}, "", f"c{i}", nxt, {"anger": 40}))
        state = nxt
    return CallView("x", "inbound", ["resolved"], outcome, True, hung_up_by, views, start="start")


def rule(**spec):
    from pydantic import TypeAdapter

    from trainer.checklist import Rule

    return TypeAdapter(Rule).validate_python(spec)


@pytest.mark.parametrize(
    "spec, turns, passed, turn",
    [
        ({"kind": "act", "acts": ["greet"], "first": 1}, [("您好", ["greet"])], True, 1),
        ({"kind": "act", "acts": ["greet"], "first": 1}, [("喂", []), ("您好", ["greet"])], False, 1),
        ({"kind": "act", "acts": ["apologize"], "min": 2}, [("a", ["apologize"]), ("b", ["apologize"])], True, 2),
        ({"kind": "act", "acts": ["empathize"], "after": {"states": ["venting"]}, "within": 1},
         [("a", []), ("b", ["empathize"])], True, 2),
        ({"kind": "act", "acts": ["empathize"], "after": {"states": ["venting"]}, "within": 1},
         [("a", []), ("b", []), ("c", ["empathize"])], False, 2),
        ({"kind": "act", "acts": ["thank"], "during": "anger >= 60"}, [("a", ["thank"])], True, 1),
        ({"kind": "act", "acts": ["thank"], "during": "anger >= 60"}, [("a", []), ("b", ["thank"])], False, 2),
        ({"kind": "order", "before": ["apologize"], "then": ["propose_solution"]},
         [("a", ["apologize"]), ("b", ["propose_solution"])], True, 1),
        ({"kind": "order", "before": ["apologize"], "then": ["propose_solution"]},
         [("a", ["propose_solution"]), ("b", ["apologize"])], False, 1),
        ({"kind": "never", "acts": ["forbidden_phrase"]}, [("a", []), ("b", ["forbidden_phrase"])], False, 2),
        ({"kind": "never", "acts": ["forbidden_phrase"]}, [("a", [])], True, None),
        ({"kind": "last", "acts": ["farewell"], "turns": 1}, [("a", ["farewell"]), ("b", [])], False, 2),
        ({"kind": "last", "acts": ["farewell"], "turns": 2}, [("a", ["farewell"]), ("b", [])], True, 1),
        ({"kind": "length", "max": 10}, [("a", [], 5), ("b", [], 11)], False, 2),
        ({"kind": "length", "mean_max": 6}, [("a", [], 5), ("b", [], 9)], False, 2),
        ({"kind": "length", "max": 10, "mean_max": 8}, [("a", [], 5), ("b", [], 9)], True, None),
        ({"kind": "questions", "max": 1, "min_total": 1}, [("a", [], 5, 1), ("b", [], 5, 0)], True, 1),
        ({"kind": "questions", "max": 1}, [("a", [], 5, 2)], False, 1),
        ({"kind": "questions", "min_total": 1}, [("a", [], 5, 0)], False, 1),
        ({"kind": "address", "min_share": 0.8}, [("a", [], 5, 0, 0, 4)], True, None),
        ({"kind": "address", "min_share": 0.8}, [("a", [], 5, 0, 1, 2)], False, 1),
        ({"kind": "customer_hung_up_first"}, [("a", [])], True, 1),
        ({"kind": "all", "rules": [{"kind": "act", "acts": ["greet"]}, {"kind": "never", "acts": ["blame_customer"]}]},
         [("a", ["greet", "blame_customer"])], False, 1),
        ({"kind": "any", "rules": [{"kind": "act", "acts": ["greet"]}, {"kind": "act", "acts": ["thank"]}]},
         [("a", ["thank"])], True, 1),
    ],
)
def test_rule_kinds(spec, turns, passed, turn):
    result = rule(**spec).check(call(*turns, states={1: "venting"}))
    assert (result.passed, result.turn) == (passed, turn)


def test_rules_that_do_not_apply():
    assert not rule(kind="act", acts=["empathize"], after={"states": ["nowhere"]}).check(call(("a", []))).applies
    assert not rule(kind="address").check(call(("a", []))).applies
    assert not rule(kind="voice", metric="loudness", max=-6).check(call(("a", []))).applies
    unordered = rule(kind="order", before=["apologize"], then=["thank"]).check(call(("x", [])))
    assert unordered.applies and unordered.passed  # nothing happened out of order
    required = rule(kind="order", before=["apologize"], then=["thank"], required=True).check(call(("x", [])))
    assert required.applies and not required.passed


def test_outcome_and_trainee_hang_up():
    assert rule(kind="outcome", outcomes=["resolved"]).check(call(("a", []), outcome="resolved")).passed
    assert not rule(kind="outcome", success=True).check(call(("a", []), outcome="hung_up")).passed
    assert not rule(kind="customer_hung_up_first").check(call(("a", []), hung_up_by="trainee")).passed


def test_voice_rule_scores_measured_lines():
    view = call(("a", []), ("b", []))
    view.turns[0].audio, view.turns[1].audio = {"loudness": -20.0}, {"loudness": -3.0}
    result = rule(kind="voice", metric="loudness", max=-6).check(view)
    assert result.applies and not result.passed and result.violations == [2]


# -- lessons --------------------------------------------------------------------


@pytest.mark.parametrize("lesson_id", sorted(LIB.lessons))
def test_model_call_passes_with_90_and_poor_call_fails(lesson_id):
    good, conv = card_of(lesson_id)
    assert good.score >= 90 and good.passed and conv.success, [i.id for i in good.items if not i.passed]
    bad, conv = card_of(lesson_id, which="poor_call")
    assert not bad.passed and not conv.success


def test_library_has_every_checklist_and_no_problems():
    assert LIB.problems == []
    assert {"general", "seven_a", "technique_complainer", "technique_expert", "technique_legalistic",
            "technique_rushed", "outbound_norms", "outbound_steps"} <= set(LIB.checklists)
    ids = [it.id for it in LIB.checklists["general"].items]
    assert ids == ["standard_opening", "polite_address", "no_forbidden_phrase", "no_taboo", "standard_closing",
                   "customer_hangs_up_first", "active_listening", "good_questions", "concise", "emotion_control",
                   "ownership", "patient_explanation"]
    assert [lesson.id for lesson in LIB.curriculum()][0] == "rushed"


def test_forbidden_phrase_fails_with_that_turn_as_evidence():
    lines = list(LIB.lesson("complainer").model_call.turns)
    lines[1] = "我已经解释很多次了，您听我说。"
    card, _ = card_of("complainer", lines=lines)
    it = item(card, "no_forbidden_phrase")
    assert not it.passed and it.evidence_turn == 2 and it.evidence == lines[1]
    assert {"item": "no_forbidden_phrase", "turn": 2, "line": lines[1]} in card.violations


def test_a_long_pitch_to_rushed_fails_concise():
    pitch = (
        "刘女士您好，我们公司最近推出了一项非常优惠的宽带升级活动，升级之后网速可以从一百兆提升到三百兆，"
        "看高清视频、打游戏、开视频会议都不会卡，而且月费保持不变，另外续约一年还赠送一个月的宽带使用费，"
        "名额有限，机会非常难得，错过就没有了，您看要不要了解一下？"
    )
    assert len(pitch) >= 120
    card, _ = card_of("rushed", lines=["您好，请问是刘晓燕女士吗？我是电信客服小周。", pitch])
    assert not item(card, "concise").passed and item(card, "concise").evidence_turn == 2


def test_hanging_up_on_the_customer_fails_customer_hangs_up_first():
    lines = LIB.lesson("complainer").model_call.turns[:6]
    card, conv = card_of("complainer", lines=lines, hangup="trainee")
    assert conv.hung_up_by == "trainee" and not item(card, "customer_hangs_up_first").passed


def test_scorecard_shape_strengths_first_and_three_fixes():
    card, _ = card_of("complainer", which="poor_call")
    d = card.to_dict()
    assert 0 <= d["score"] <= 100 and d["passed"] is False
    assert len(d["fixes"]) == 3 and all(f["tip"] and f["model"] for f in d["fixes"])
    assert set(d["sections"]) <= {"礼貌程度", "沟通能力", "耐心程度", "技巧", "流程"}
    for it in d["items"]:
        assert {"id", "passed", "evidence_turn", "tip"} <= set(it)


def test_same_transcript_scores_identically():
    a = json.dumps(replay_data({"persona": "expert", "seed": 4, "turns": LIB.lesson("expert").model_call.turns}))
    b = json.dumps(replay_data({"persona": "expert", "seed": 4, "turns": LIB.lesson("expert").model_call.turns}))
    assert a == b


# -- hints ----------------------------------------------------------------------


def test_practice_mode_gives_one_hint_at_a_time():
    lesson, conv = play("complainer", lines=["您好，我是宽带客服小李，请问有什么可以帮您？"])
    assert hint(lesson, LIB, view_of(conv)) == "客户情绪激动：先致歉并表示理解，用自己的话复述他的抱怨。"
    conv.say("我理解您的心情，真的很抱歉。")
    conv.say("我这边看到系统记录，您11月3日、10日各报修过一次。")
    assert hint(lesson, LIB, view_of(conv)) == "提出具体可行的解决方案。"


def test_a_fault_gets_an_immediate_hint_and_exam_mode_none():
    lesson, conv = play("legalistic", lines=["您好，请问有什么可以帮您？", "你爱信不信。"])
    assert hint(lesson, LIB, view_of(conv)) is None  # the call is over: he hung up
    lesson, conv = play("complainer", lines=["您好，请问有什么可以帮您？", "亲，别急嘛，这点小事包在我身上啦"])
    assert hint(lesson, LIB, view_of(conv)).startswith("刚才这句要注意：")
    exam = lesson.model_copy(update={"mode": "exam"})
    assert hint(exam, LIB, view_of(conv)) is None


# -- files ----------------------------------------------------------------------


def test_checklist_errors_have_lines(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: bad\ntitle: t\nitems:\n  - id: x\n    title: t\n    section: 礼貌\n    weight: 5\n"
        "    rule: {kind: act, acts: [apologise]}\n    tip: t\n  - id: y\n    title: t\n    section: 流程\n"
        "    weight: 5\n    rule: {kind: sometimes}\n    tip: t\n",
        encoding="utf-8",
    )
    with pytest.raises(LessonError) as e:
        load_checklist(bad)
    text = "\n".join(e.value.problems)
    assert f"{bad}:6: items[0].section: Input should be" in text
    assert f"{bad}:14: items[1].rule" in text


def test_lesson_errors_and_a_broken_file_does_not_hide_the_others(tmp_path):
    (tmp_path / "checklists").mkdir()
    for f in (ROOT / "lessons" / "checklists").glob("*.yaml"):
        (tmp_path / "checklists" / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    good = (ROOT / "lessons" / "rushed.yaml").read_text(encoding="utf-8")
    (tmp_path / "rushed.yaml").write_text(good, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text(
        good.replace("id: rushed", "id: broken").replace("persona: rushed", "persona: rushd").replace(
            "skip: [active_listening", "skip: [active_listenin"), encoding="utf-8")
    lib = load_library(tmp_path)
    assert list(lib.lessons) == ["rushed"]
    assert any("broken.yaml:3: persona: unknown persona 'rushd' (did you mean 'rushed'?)" in p for p in lib.problems)
    assert any("skip[0]: no item 'active_listenin'" in p for p in lib.problems)


def test_a_checklist_pattern_that_could_backtrack_forever_is_refused(tmp_path):
    bad = tmp_path / "slow.yaml"
    bad.write_text(
        "id: slow\ntitle: t\nitems:\n  - id: x\n    title: t\n    section: 流程\n    weight: 5\n"
        "    rule: {kind: act, acts: [thank], after: {customer_says: '(为什么+)+$'}}\n    tip: t\n",
        encoding="utf-8",
    )
    with pytest.raises(LessonError, match=r"slow.yaml:8: items\[0\].rule: customer_says refused: nested quantifiers"):
        load_checklist(bad)
