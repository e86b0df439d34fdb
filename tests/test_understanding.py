"""The understanding layer: how real agents talk — speech-recognition output, long turns,
你 as often as 您, faults in every form — gives the acts a QA reader would give."""

import numpy as np
import pytest

from trainer import corpus
from trainer.actmodel import ActModel
from trainer.understanding import MODEL_FILE, CueError, Understanding, bundled_model


def acts(u, line):
    return set(u.analyze(line).acts)


def test_traditional_and_full_width_are_understood_like_simplified(understanding):
    simp = understanding.analyze("请问您是王建国先生吗？")
    trad = understanding.analyze("請問您是王建國先生嗎？")
    wide = understanding.analyze("请问您是王建国先生吗?")
    assert simp.acts == trad.acts == wide.acts
    assert {"confirm_identity", "closed_question"} <= set(simp.acts)
    assert trad.text == simp.text


def test_a_long_turn_carries_the_acts_of_its_clauses(understanding):
    line = "王先生，您先消消气，一个月断了三次，换谁都窝火……真是对不住您。"
    assert {"empathize", "apologize"} <= acts(understanding, line)
    spoken = "嗯您好感谢您的耐心等待 这边看到您上个月五号扣了十块钱的彩铃费 这个我现在就帮您退订 下个月就不扣了 您看可以吗"
    assert {"greet", "thank", "cite_facts", "propose_solution", "confirm_agreement", "closed_question"} \
        <= acts(understanding, spoken)


def test_speech_recognition_style_with_fillers_and_stutters(understanding):
    a = understanding.analyze("呃 嗯 那个 我这边先跟您道个歉啊")
    assert "apologize" in a.acts and "嗯" not in a.text and "呃" not in a.text
    assert "名额有限" in understanding.normalize("额，这个名额有限")  # 额 inside a word stays
    assert understanding.normalize("要不就要不就是重启一下") == "要不就是重启一下"
    assert understanding.normalize("谢谢") == "谢谢"  # a doubled character is a word, not a stutter


def test_facts_and_rules_are_told_apart_without_cue_words(understanding):
    assert "cite_facts" in acts(understanding, "您11月3号和10号都报过修，今天是第三次了")
    assert "cite_facts" in acts(understanding, "你这个月已经用了十二个G了")
    assert "explain_policy" in acts(understanding, "流量包是次月生效的，当月办下个月才能用")


@pytest.mark.parametrize(
    "line, present, absent",
    [
        # what a trainee says in their own words, from the lessons
        ("您可以办移机啊，新地址也能用", {"propose_solution"}, set()),
        ("行吧，那给你免了违约金吧", {"offer_compensation"}, set()),
        # faults the keyword rules missed
        ("喂，什么事？", {"forbidden_phrase"}, {"greet"}),
        ("你不懂就别乱说", {"forbidden_phrase"}, set()),
        ("你自己是不是没弄好？", {"blame_customer"}, set()),
        ("不就行了吗？", {"rhetorical_question"}, {"closed_question"}),
        ("您找领导去。", {"forbidden_phrase"}, {"escalate"}),
        ("这个不能给您减免，没办法", {"refuse_flatly"}, {"offer_compensation"}),
        # misfires on real lines
        ("请别着急，我们马上给您办理", {"reassure"}, {"trial_close"}),
        ("可以嘛", set(), {"over_familiar"}),
        ("您自己撤销不了的呢", set(), {"blame_customer"}),
        # negation and mild forms
        ("这不是您的问题，是我们线路的故障。", set(), {"blame_customer"}),
        ("我已经解释很多次了。", {"forbidden_phrase"}, set()),
        ("这笔费用不能直接退，不过我可以帮您申请补偿积分。", {"offer_compensation"}, {"refuse_flatly"}),
        ("难道您没看合同吗？", {"rhetorical_question"}, {"closed_question"}),
    ],
)
def test_what_a_qa_reader_would_say(understanding, line, present, absent):
    got = acts(understanding, line)
    assert present <= got and not (absent & got), got


def test_ni_and_nin_change_no_act_only_the_measure(understanding):
    lines = [x.line for x in corpus.bundled()[::40] if "您" in x.line][:60]
    for line in lines:
        polite, casual = understanding.analyze(line), understanding.analyze(line.replace("您", "你"))
        assert polite.acts == casual.acts, line
        assert casual.ni >= polite.nin > 0 and casual.nin == 0


def test_question_forms_and_measures(understanding):
    a = understanding.analyze("请问您家的地址是哪里？您今天在家吗？")
    assert a.open_questions == 1 and a.closed_questions == 1 and a.questions == 2
    assert understanding.analyze("我建议您先把光猫重启一下，看看能不能恢复。").questions == 0
    assert understanding.analyze("您是在西宁的哪个地点接到的这个短信").open_questions == 1  # no '?' in speech
    assert understanding.analyze("是陈阿姨吧").closed_questions == 1
    assert understanding.analyze("您先去营业厅问问吧").questions == 0
    assert "closed_question" not in understanding.analyze("不好意思没听清，您能重复一下吗").acts
    c = understanding.analyze("你好，您好，您")
    assert (c.ni, c.nin) == (1, 2)
    assert understanding.analyze("您好！").chars == 2


def test_bad_input_never_breaks_the_analysis(understanding):
    a = understanding.analyze("您好\x00\x1b[31m，请问\u200b有什么可以帮您？")
    assert {"greet", "open_question"} <= set(a.acts)
    long = understanding.analyze("您好" * 2500)
    assert long.chars <= 2000 and "greet" in long.acts
    for line in ("", "   ", "😀😀😀", "hello, how can I help you?", "OK您好ok", "\u202e\ufeff"):
        understanding.analyze(line)  # no exception, whatever the script
    assert understanding.analyze("").acts == ()


def test_same_line_same_acts_every_time():
    line = "嗯不好意思让您久等了 这边看到您的宽带是明年三月到期 现在续约可以打八折 您看要不要我先帮您登记"
    first = Understanding().analyze(line)
    again = Understanding(model=ActModel.load(MODEL_FILE)).analyze(line)
    assert first.acts == again.acts and first.evidence == again.evidence


def test_evidence_explains_each_act(understanding):
    a = understanding.analyze("非常抱歉，系统显示您在11月3日报修过一次，我马上给您派单")
    assert set(a.evidence) == set(a.acts)
    assert all(why.startswith(("cue:", "learned", "form:")) for why in a.evidence.values())
    assert any("「" in why for why in a.evidence.values())  # the clause that carried a learned act


def test_the_bundled_model_is_trained_on_the_corpus_as_it_is():
    model = bundled_model()
    assert model and model.meta["corpus"] == corpus.digest(corpus.bundled())
    assert model.meta["cv"]["macro_f1"] > 0.5 and len(model.acts) >= 30


def test_a_model_file_is_arrays_only(tmp_path):
    hostile = tmp_path / "evil.npz"
    np.savez(hostile, format=np.array(1), acts=np.array([{"__reduce__": "os.system"}], dtype=object))
    with pytest.raises(ValueError, match="not an act model"):
        ActModel.load(hostile)
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="not an act model"):
        ActModel.load(tmp_path / "junk.npz")


def test_trainers_extend_cues_with_their_own_file(tmp_path):
    extra = tmp_path / "mine.yaml"
    extra.write_text("acts:\n  escalate:\n    cues: [\"请组长\"]\n", encoding="utf-8")
    from trainer.understanding import CUES_FILE

    assert "escalate" in acts(Understanding([CUES_FILE, extra], model=False), "我请组长来跟您说")
    assert "escalate" not in acts(Understanding([CUES_FILE], model=False), "我请组长来跟您说")


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
        Understanding([bad], model=False)
