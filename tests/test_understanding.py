"""The understanding layer: Chinese first, negation, question forms, quality."""

import pytest

from trainer import bench
from trainer.evaluation import evaluate, keyword_baseline, load_labelled, macro_f1
from trainer.understanding import CueError, Understanding


def acts(u, line):
    return set(u.analyze(line).acts)


def test_traditional_and_full_width_are_understood_like_simplified(understanding):
    simp = understanding.analyze("请问您是王建国先生吗？")
    trad = understanding.analyze("請問您是王建國先生嗎？")
    wide = understanding.analyze("请问您是王建国先生吗?")
    assert simp.acts == trad.acts == wide.acts == ("confirm_identity", "closed_question")
    assert trad.text == simp.text


def test_speech_recognition_output_without_punctuation(understanding):
    assert acts(understanding, "我理解您的心情真的很抱歉给您添麻烦了") == {"empathize", "apologize"}
    assert acts(understanding, "您看是明天上午还是下午方便") == {"offer_options", "closed_question"}
    assert acts(understanding, "请问是什么时候开始断网的") == {"open_question"}


def test_fillers_are_dropped_but_words_that_contain_them_survive(understanding):
    a = understanding.analyze("呃 嗯 那个 我这边先跟您道个歉啊")
    assert "apologize" in a.acts and "嗯" not in a.text and "呃" not in a.text
    assert "名额有限" in understanding.normalize("额，这个名额有限")  # 额 inside a word stays


@pytest.mark.parametrize(
    "line, present, absent",
    [
        ("这不是您的问题，是我们线路的故障。", set(), {"blame_customer"}),
        ("这是您自己的问题。", {"blame_customer"}, set()),
        ("跟你说了好几遍了，就是不能退。", {"forbidden_phrase"}, set()),
        ("我已经解释很多次了。", {"forbidden_phrase"}, set()),
        ("不能减免", {"refuse_flatly"}, {"offer_compensation"}),
        ("这笔费用不能直接退，不过我可以帮您申请补偿积分。", {"offer_compensation"}, {"refuse_flatly"}),
        ("不打扰您了，祝您工作顺利。", {"farewell"}, {"apologize"}),
        ("我特别能理解您现在的感受。", {"empathize"}, set()),
        ("你这不是为难我吗？", {"forbidden_phrase"}, {"closed_question"}),
        ("难道您没看合同吗？", {"rhetorical_question"}, {"closed_question"}),
    ],
)
def test_negation_and_mild_forms(understanding, line, present, absent):
    got = acts(understanding, line)
    assert present <= got and not (absent & got), got


def test_question_forms_and_measures(understanding):
    a = understanding.analyze("请问您家的地址是哪里？您今天在家吗？")
    assert a.open_questions == 1 and a.closed_questions == 1 and a.questions == 2
    b = understanding.analyze("我建议您先把光猫重启一下，看看能不能恢复。")
    assert b.questions == 0
    c = understanding.analyze("你好，您好，您")
    assert (c.ni, c.nin) == (1, 2)
    assert understanding.analyze("您好！").chars == 2


def test_control_characters_and_huge_lines_are_safe(understanding):
    a = understanding.analyze("您好\x00\x1b[31m，请问\u200b有什么可以帮您？")
    assert {"greet", "open_question"} <= set(a.acts)
    long = understanding.analyze("您好" * 2500)
    assert long.chars <= 2000 and "greet" in long.acts
    assert understanding.analyze("").acts == ()


def test_evidence_explains_each_act(understanding):
    a = understanding.analyze("系统显示您在11月3日报修过一次")
    assert a.evidence["cite_facts"].startswith("cue: 系统显示")


def test_trainers_extend_cues_with_their_own_file(tmp_path, monkeypatch):
    extra = tmp_path / "mine.yaml"
    extra.write_text("acts:\n  escalate:\n    cues: [\"请组长\"]\n", encoding="utf-8")
    from trainer.understanding import CUES_FILE

    u = Understanding([CUES_FILE, extra], training=[])
    assert "escalate" in acts(u, "我请组长来跟您说")
    assert "escalate" not in acts(Understanding([CUES_FILE], training=[]), "我请组长来跟您说")


def test_a_broken_cue_file_is_refused_clearly(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("acts:\n  apologise:\n    cues: [x]\n", encoding="utf-8")
    with pytest.raises(CueError, match="unknown act 'apologise' \\(did you mean 'apologize'\\?\\)"):
        Understanding([bad])
    bad.write_text("acts:\n  greet:\n    cues: [\"(unclosed\"]\n", encoding="utf-8")
    with pytest.raises(CueError, match="bad regular expression"):
        Understanding([bad])


@pytest.mark.parametrize("pattern", ["(a+)+$", "(.*)*x", "(您|您好)*吗", r"(\w+)\1"])
def test_cues_that_could_backtrack_forever_are_refused(tmp_path, pattern):
    bad = tmp_path / "slow.yaml"
    bad.write_text(f"acts:\n  greet:\n    cues: ['{pattern}']\n", encoding="utf-8")
    with pytest.raises(CueError, match="refused"):
        Understanding([bad], training=[])


def test_dev_set_is_large_and_labelled_with_known_acts():
    data = load_labelled(bench.DEV)
    assert len(data) >= 300


def test_held_out_macro_f1_beats_the_goal_and_the_keyword_baseline(understanding):
    data = load_labelled(bench.HELDOUT)
    ours = macro_f1(evaluate(lambda line: understanding.analyze(line).acts, data)[0])
    base = macro_f1(evaluate(keyword_baseline, data)[0])
    assert ours >= 0.90 and ours > base + 0.2
