"""The browser app, unit-level with Streamlit's AppTest (the real app script)."""

import shutil

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from trainer.lesson import default_library

APP = str(ROOT / "trainer" / "app" / "main.py")
LIB = default_library()


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAINER_DATA_DIR", str(tmp_path / "data"))
    from trainer.store import default_store

    default_store.cache_clear()
    st.cache_resource.clear()
    yield tmp_path
    default_store.cache_clear()
    st.cache_resource.clear()


def login_token(name: str = "小李", role: str = "trainee") -> str:
    from trainer.accounts import create_user, open_login

    try:
        create_user(name, "password1", role)
    except ValueError:
        pass  # already there
    return open_login(name)


def app(user: str = "小李", role: str = "trainee", **query) -> AppTest:
    """The app as a signed-in user (the login token in the URL, as after signing in)."""
    at = AppTest.from_file(APP, default_timeout=60)
    if user:
        at.query_params["t"] = login_token(user, role)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def start_call(lesson_id: str) -> AppTest:
    at = app()
    at.button(key=f"open-{lesson_id}").click().run()
    at.button(key="start").click().run()
    at.button(key="pickup").click().run()
    assert not at.exception
    return at


def say(at: AppTest, line: str) -> AppTest:
    at.chat_input(key="say").set_value(line).run()
    assert not at.exception, at.exception
    return at


def chat(at: AppTest) -> list[str]:
    return [m.markdown[0].value for m in at.chat_message]


def test_lessons_page_lists_the_curriculum():
    at = app()
    titles = [s.value for s in at.subheader]
    assert titles == [f"{i}. {lesson.title}" for i, lesson in enumerate(LIB.curriculum(), 1)]
    assert [b.label for b in at.button].count("进入课程") == len(LIB.lessons)
    assert any("建议下一课" in i.value and LIB.curriculum()[0].title in i.value for i in at.info)


def test_briefing_shows_the_technique_and_the_model_call():
    at = app()
    at.button(key="open-legalistic").click().run()
    assert at.title[0].value == "法律型客户：仔细研读法"
    at.button(key="watch").click().run()
    assert chat(at)[0].startswith("您好，我是宽带客服小陈") and len(chat(at)) == 2  # turn by turn
    at.button(key="model-next").click().run()
    assert len(chat(at)) == 4
    at.button(key="model-all").click().run()
    assert len(chat(at)) == 12 and not [b for b in at.button if b.key == "model-next"]


def test_a_good_call_ends_in_success_and_a_passing_scorecard():
    at = start_call("complainer")
    assert "来电" in at.markdown[0].value or any("来电" in m.value for m in at.markdown)
    for line in LIB.lesson("complainer").model_call.turns:
        say(at, line)
    assert any("客户已挂机" in e.value and "已解决" in e.value for e in at.error)
    at.button(key="to-card").click().run()
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["得分"]) >= 90 and metrics["结果"] == "已解决"
    assert [s.value for s in at.success] == ["通过"]


def test_a_bad_call_ends_with_the_customer_hanging_up():
    at = start_call("complainer")
    for line in LIB.lesson("complainer").poor_call.turns:
        if not list(at.chat_input):  # he hung up before the script ran out
            break
        say(at, line)
    assert any("客户已挂机" in e.value and "客户投诉" in e.value for e in at.error)
    assert not [c for c in at.chat_input]  # no more input once the call is over
    at.button(key="to-card").click().run()
    assert [e.value for e in at.error][-1] == "未通过"
    expanders = [e.label for e in at.expander]
    assert any(label.startswith("❌ 无通话禁忌") for label in expanders)


def test_hanging_up_early_is_a_fault_on_the_scorecard():
    at = start_call("complainer")
    say(at, "您好，我是宽带客服小李，请问有什么可以帮您？")
    assert any("客户还没有道别" in c.value for c in at.caption)
    at.button(key="hangup").click().run()
    assert any("您已挂断" in e.value for e in at.error)
    at.button(key="to-card").click().run()
    assert any(label.startswith("❌ 客户先挂机") for label in (e.label for e in at.expander))


def test_outbound_call_starts_with_dialling_and_the_customer_picking_up():
    at = app()
    at.button(key="open-rushed").click().run()
    at.button(key="start").click().run()
    assert at.button(key="pickup").label == "拨号"
    at.button(key="pickup").click().run()
    assert chat(at)[0] in ("喂？", "喂，哪位？")


def test_empty_and_overlong_input_get_a_message_and_nothing_is_played():
    at = start_call("rushed")
    say(at, "   ")
    assert [w.value for w in at.warning] == ["请先输入内容再发送。"]
    say(at, "长" * 5000)
    assert [w.value for w in at.warning] == ["这句话太长了（5000 字），请控制在 2000 字以内。"]
    say(at, "hello, how are you?")
    assert [w.value for w in at.warning] == ["这位客户只听得懂中文：请用中文说（可以夹带英文词）。"]
    say(at, "😀👍\x07")
    assert [w.value for w in at.warning] == ["这句话里没有文字（只有符号或表情），请用中文说一句话。"]
    assert len(chat(at)) == 1  # only the customer's "喂？"
    say(at, "您好，我是电信客服小周，您家宽带可以免费提速到300M")  # mixed scripts are fine
    assert len(chat(at)) == 3


def test_text_is_shown_as_text():
    at = start_call("complainer")
    say(at, "**粗体** <b>x</b> [点我](javascript:alert(1)) :red[红]")
    shown = chat(at)[0]
    assert shown == r"\*\*粗体\*\* \<b\>x\<\/b\> \[点我\]\(javascript\:alert\(1\)\) \:red\[红\]".replace(r"\/", "/")


def test_reload_keeps_the_call_and_two_tabs_are_two_calls():
    tab1 = start_call("complainer")
    say(tab1, "您好，我是宽带客服小李，请问有什么可以帮您？")
    call_id = tab1.query_params["call"]
    tab2 = start_call("complainer")
    assert tab2.query_params["call"] != call_id and chat(tab2) == []
    # a reload is a new session with the same URL: /call?call=ID&t=TOKEN
    reloaded = AppTest.from_file(APP, default_timeout=60)
    reloaded.query_params["t"] = tab1.query_params["t"]
    reloaded.run()
    reloaded.query_params["call"] = call_id
    reloaded.switch_page("views/call.py").run()
    assert chat(reloaded)[0] == "您好，我是宽带客服小李，请问有什么可以帮您？" and len(chat(reloaded)) == 2
    say(reloaded, "王先生，真的很抱歉，我理解您的心情。")
    assert len(chat(reloaded)) == 4 and chat(tab2) == []


def test_a_broken_persona_shows_an_error_card_for_that_persona_only(tmp_path, monkeypatch):
    folder = tmp_path / "personas"
    shutil.copytree(ROOT / "personas", folder)
    broken = folder / "expert.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("to: respected", "to: respectd"), encoding="utf-8")
    monkeypatch.setenv("TRAINER_PERSONAS", str(folder))
    at = app()
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "该客户文件有误" in errors[0] and "respectd" in errors[0]
    assert [b.label for b in at.button].count("进入课程") == len(LIB.lessons) - 1


def test_english_switch():
    at = app()
    at.sidebar.radio[0].set_value("en").run()
    assert at.title[0].value == "Curriculum" and "Open lesson" in [b.label for b in at.button]


def test_history_lists_past_calls_with_a_trend():
    at = start_call("rushed")
    for line in LIB.lesson("rushed").model_call.turns:
        say(at, line)
    at.switch_page("views/history.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["课程"]) == [LIB.lesson("rushed").title] and int(table["得分"].iloc[0]) >= 90
    lessons = app()
    assert any(m.label == "最高分" for m in lessons.metric)  # the lesson card shows the best score
    assert any("✅ 已通过" in m.value for m in lessons.markdown)
    # the first lesson is passed: the suggestion moves on
    assert not any(LIB.lesson("rushed").title in i.value for i in lessons.info)


# -- accounts and roles -----------------------------------------------------------


def test_signed_out_only_the_login_page_and_registration_signs_in():
    at = app(user="")
    assert at.title[0].value == "坐席陪练" and not [b for b in at.button if b.key and b.key.startswith("open-")]
    at.text_input(key="reg-name").set_value("新学员")
    at.text_input(key="reg-password").set_value("short")
    at.button[1].click().run()
    assert [e.value for e in at.error] == ["密码至少 8 位。"]
    at.text_input(key="reg-password").set_value("long enough")
    at.button[1].click().run()
    assert at.query_params["t"] and any(s.value.startswith("1. ") for s in at.subheader)


def test_wrong_password_is_refused():
    login_token("小王")
    at = app(user="")
    at.text_input(key="login-name").set_value("小王")
    at.text_input(key="login-password").set_value("wrong-password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["账号或密码不对。"] and "t" not in at.query_params


def test_a_trainee_sees_only_their_own_calls_and_no_dashboard():
    mine = start_call("rushed")
    say(mine, "您好，请问是刘晓燕女士吗？我是电信客服小周。")
    call_id = mine.query_params["call"]
    other = app(user="别的学员")
    other.query_params["call"] = call_id
    other.switch_page("views/call.py").run()
    assert chat(other) == []  # someone else's call is not shown
    other.switch_page("views/history.py").run()
    assert [i.value for i in other.info] == ["还没有通话。"]
    with pytest.raises(ValueError):  # the dashboard is not a page for trainees
        other.switch_page("views/dashboard.py").run()


def test_the_trainer_dashboard_shows_the_team():
    at = start_call("rushed")
    for line in LIB.lesson("rushed").model_call.turns:
        say(at, line)
    boss = app(user="王老师", role="trainer")
    boss.switch_page("views/dashboard.py").run()
    assert not boss.exception
    table = boss.dataframe[0].value
    assert list(table["学员"]) == ["小李"] and int(table["最高分"].iloc[0]) >= 90
    assert any(d.label == "导出 CSV" for d in boss.get("download_button"))
    assert chat(boss)[0] == "喂？" or chat(boss)[0] == "喂，哪位？"  # a call to review


def test_a_trainer_corrects_a_line_and_rescores_without_changing_the_call():
    from trainer.corrections import Corrections
    from trainer.store import default_store

    at = start_call("complainer")
    say(at, "您好，请问有什么可以帮您？")
    say(at, "一个月断三回，搁谁谁不上火啊")
    at.button(key="hangup").click().run()
    call_id = at.query_params["call"]
    before = default_store().load(call_id)
    boss = app(user="王老师", role="trainer")
    boss.switch_page("views/dashboard.py").run()
    assert any(c.value.startswith("系统理解为") for c in boss.caption)
    fix = boss.multiselect(key=f"fix-{call_id}-2")
    fix.set_value(["empathize", "paraphrase"]).run()
    boss.button(key=f"save-fix-{call_id}-2").click().run()
    assert not boss.exception
    assert Corrections(default_store()).for_call(call_id)[2]["corrected_by"] == "王老师"
    assert any("纠正为" in c.value and "同理" in c.value for c in boss.caption)
    boss.button(key=f"rescore-{call_id}").click().run()
    assert any("原记录" in i.value for i in boss.info)
    assert default_store().load(call_id) == before  # the stored call is untouched


def test_the_trainers_see_what_the_customer_did_not_understand():
    at = start_call("complainer")
    say(at, "您好，请问有什么可以帮您？")
    say(at, "今天天气不错啊")
    boss = app(user="王老师", role="trainer")
    boss.switch_page("views/understanding.py").run()
    assert not boss.exception
    table = boss.dataframe[0].value
    assert list(table["句子"]) == ["今天天气不错啊"] and list(table["次数"]) == [1]
    boss.multiselect(key="unplaced-acts-0").set_value([]).run()
    boss.button(key="unplaced-save").click().run()
    assert [s.value for s in boss.success] == ["已保存。"]
    assert list(boss.dataframe[0].value["纠正为"]) == ["—"]  # read by a trainer: no act at all
    assert any(d.label.startswith("导出为标注数据") for d in boss.get("download_button"))
    with pytest.raises(ValueError):  # not a page for trainees
        app().switch_page("views/understanding.py").run()


def test_the_persona_workshop_validates_draws_and_tries():
    at = app(user="王老师", role="trainer")
    at.switch_page("views/editor.py").run()
    assert not at.exception
    assert at.success[0].value == "“billing_dispute”检查通过。"
    assert at.get("graphviz_chart")
    at.text_input(key="try-line").set_value("您好，我是10000号客服小吕，请问有什么可以帮您？")
    next(b for b in at.button if b.label == "发送").click().run()
    assert len(chat(at)) == 2 and chat(at)[0].startswith("您好，我是10000号客服小吕")
    broken = at.text_area(key="editor-text").value.replace("to: reasoned", "to: reasond")
    at.text_area(key="editor-text").set_value(broken).run()
    assert at.error[0].value == "文件有误："
    assert "editor.yaml:" in at.code[0].value and "unknown state 'reasond'" in at.code[0].value
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(8))
    at.text_area(key="editor-text").set_value(bomb).run()
    assert "expands to more than" in at.code[0].value and not at.exception


def test_trainees_have_no_workshop():
    at = app()
    with pytest.raises(ValueError):
        at.switch_page("views/editor.py").run()


# -- voice ----------------------------------------------------------------------------


def voice_call(lesson_id: str = "complainer") -> AppTest:
    at = app(voice="1")
    at.button(key=f"open-{lesson_id}").click().run()
    at.button(key="start").click().run()
    assert at.toggle(key="voice_toggle").value  # ?voice=1 turned it on
    at.button(key="pickup").click().run()
    assert not at.exception, at.exception
    return at


def test_voice_call_the_recognized_line_can_be_corrected_and_is_sent_with_its_metrics():
    from voicekit import spoken

    at = voice_call()
    assert at.get("audio") == []  # inbound: the customer has not spoken yet
    at.audio_input[0].set_value(("line.wav", spoken("您好，请问有什么可以帮您？"), "audio/wav")).run()
    assert not at.exception, at.exception
    box = at.text_input[0]
    assert "请问有什么可以帮您" in box.value
    box.set_value("您好，我是宽带客服小李，请问有什么可以帮您？").run()
    at.button(key=[b.key for b in at.button if b.key and b.key.startswith("send-")][0]).click().run()
    assert not at.exception, at.exception
    assert chat(at)[0] == "您好，我是宽带客服小李，请问有什么可以帮您？"
    assert any("🎙" in c.value and "dBFS" in c.value for c in at.caption)
    audio = at.get("audio")
    assert len(audio) == 1 and audio[0].proto.autoplay  # the customer's answer, aloud
    at.run()  # a rerun does not play it again
    assert not at.get("audio")[0].proto.autoplay


def test_voice_call_bad_audio_gets_a_message_and_the_call_goes_on():
    import numpy as np
    from voicekit import wav

    at = voice_call()
    at.audio_input[0].set_value(("silence.wav", wav(np.zeros(16000 * 2), 16000), "audio/wav")).run()
    assert not at.exception
    assert any("静音" in w.value for w in at.warning)
    assert chat(at) == []
    say(at, "您好，请问有什么可以帮您？")
    assert len(chat(at)) == 2


def test_voice_call_without_a_model_says_so_and_typing_still_works(monkeypatch):
    from voicekit import spoken
    import trainer.voice.recognition as recognition
    from trainer.voice import Recognizer, VoiceConfig

    monkeypatch.setattr(recognition, "default_recognizer", lambda: Recognizer(VoiceConfig(whisper_model="medium")))
    at = voice_call()
    told = [w.value for w in at.warning if "语音识别不可用" in w.value]
    assert told and "WHISPER" in told[0] and "DOWNLOAD" in told[0]  # said up front, with how to get one
    at.audio_input[0].set_value(("line.wav", spoken("您好"), "audio/wav")).run()
    assert len([w for w in at.warning if "语音识别不可用" in w.value]) == 2  # and again for the recording
    say(at, "您好，请问有什么可以帮您？")
    assert len(chat(at)) == 2


def test_the_scorecard_shows_how_each_spoken_line_sounded():
    from voicekit import spoken

    at = voice_call()
    at.audio_input[0].set_value(("line.wav", spoken("您好，请问有什么可以帮您？"), "audio/wav")).run()
    at.button(key=[b.key for b in at.button if b.key and b.key.startswith("send-")][0]).click().run()
    at.button(key="hangup").click().run()
    at.button(key="to-card").click().run()
    assert not at.exception, at.exception
    assert "声音表现（每句）" in [s.value for s in at.subheader]
    table = at.dataframe[0].value
    assert list(table.columns[:4]) == ["第 1 句", "语速（字/秒）", "音量（dBFS）", "语调起伏（半音）"]
    assert "语速适中" in table.columns
