"""The engine: precedence, mood, endings, determinism, persistence."""

import json

import pytest

from trainer.conversation import CallOver, Conversation


def call(persona, *lines, seed=0, understanding=None):
    conv = Conversation(persona, seed=seed, understanding=understanding)
    for line in lines:
        conv.say(line)
    return conv


def test_inbound_starts_with_the_trainees_greeting(mini):
    conv = Conversation(mini)
    assert conv.opening is None and conv.state == "ringing"
    turn = conv.say("您好，请问有什么可以帮您？")
    assert turn.state == "talking" and turn.customer in ("我有个问题。", "问题来了。")


def test_no_greeting_takes_the_default_move_and_costs_mood(mini):
    turn = call(mini, "稍等一下").turns[0]
    assert turn.customer == "（没问候）说吧。" and turn.mood["anger"] == 55


def test_first_matching_move_wins_and_reaction_effects_add_up(mini):
    conv = call(mini, "您好", "我理解您的心情")
    turn = conv.turns[-1]
    # the reaction (trust +15, its line first) and the first matching move (anger -10, to calm)
    assert turn.state == "calm"
    assert turn.mood == {"anger": 40, "trust": 65, "patience": 30}
    assert turn.customer == "（叹气）嗯，好多了。"
    assert turn.events == ["reaction:1", "move:talking[1]"]


def test_reaction_with_a_target_interrupts_the_states_moves(mini):
    conv = call(mini, "您好", "我已经解释很多次了，对不起")
    assert conv.state == "angry" and conv.ended and conv.outcome == "complaint"
    assert conv.hung_up_by == "customer"
    assert conv.turns[-1].customer == "我要投诉！"


def test_mood_condition_guards_a_move(mini):
    conv = call(mini, "您好", "我理解您的心情", "我马上给您派师傅上门")
    assert conv.state == "done"  # trust 65 >= 60
    low = call(mini, "你好")
    low.mood["trust"] = 10
    low.say("我理解您的心情")  # to calm, trust 25
    low.say("我马上给您派师傅上门")
    assert low.state == "calm" and low.turns[-1].events == ["fallback"]


def test_mood_is_clamped(mini):
    conv = call(mini, "您好", "对不起")
    assert conv.turns[-1].mood["anger"] == 0  # 50 - 70, clamped
    conv.say("谢谢")  # anger +80 stays within 100
    assert conv.turns[-1].mood["anger"] == 80


def test_unplaceable_line_gets_a_fallback_that_costs_patience(mini):
    conv = call(mini, "您好", "今天天气不错")
    turn = conv.turns[-1]
    assert turn.customer == "听不懂。" and turn.mood["patience"] == 20 and turn.events == ["fallback"]


def test_repetition_is_noticed(mini):
    conv = call(mini, "您好", "今天天气不错", "今天天气不错！")
    turn = conv.turns[-1]
    assert turn.customer == "你说过了。" and turn.events == ["repetition"]
    assert turn.mood["patience"] == 15


def test_customer_hangs_up_when_patience_runs_out(mini):
    conv = call(mini, "您好", "天气不错", "吃了吗", "下雨了")
    assert conv.ended and conv.state == "hung_up" and conv.outcome == "hung_up"
    assert conv.hung_up_by == "customer" and conv.turns[-1].customer.endswith("挂了。")
    with pytest.raises(CallOver):
        conv.say("喂？")


def test_customer_hangs_up_when_anger_boils_over(mini):
    conv = call(mini, "您好")
    conv.mood["anger"] = 30
    conv.say("谢谢")  # +80 -> 100
    assert conv.state == "hung_up" and conv.hung_up_by == "customer"


def test_turn_limit_ends_the_call(mini):
    conv = Conversation(mini)
    conv.mood["patience"] = 100
    lines = ["您好", "天气", "吃饭", "上班", "下雨", "周末"]
    for line in lines:
        conv.say(line)
    assert conv.ended and conv.state == "turn_limit" and conv.turns[-1].customer.endswith("没时间了。")
    assert len(conv.turns) == 6


def test_trainee_hang_up_is_recorded(mini):
    conv = call(mini, "您好")
    conv.hang_up()
    assert conv.ended and conv.hung_up_by == "trainee" and conv.outcome == "hung_up"


def test_outbound_starts_with_the_customer_picking_up(personas):
    conv = Conversation(personas["rushed"], seed=3)
    assert conv.opening in ("喂？", "喂，哪位？")
    assert conv.state == "pickup" and conv.turns == []


def test_same_seed_and_lines_give_the_same_call(personas):
    lines = ["您好，我是客服小李", "我理解您的心情", "系统显示您这个月报修了三次", "我马上安排技术员上门"]
    a = call(personas["complainer"], *lines, seed=7)
    b = call(personas["complainer"], *lines, seed=7)
    assert a.to_json() == b.to_json()
    replies = {tuple(t.customer for t in call(personas["complainer"], *lines, seed=s).turns) for s in range(8)}
    assert len(replies) > 1  # the seed does choose among variants


def test_json_round_trip_mid_call_continues_exactly(personas):
    p = personas["complainer"]
    lines = [
        "您好，我是宽带客服小李，请问有什么可以帮您？",
        "真的很抱歉，我理解您的心情。",
        "系统显示您11月3日和11月10日各报修过一次。",
        "我给您安排高级技术员24小时内上门。",
        "这几天的月租给您减免。",
        "那我们就这样处理，您看可以吗？",
        "请问还有其他需要吗？再见。",
    ]
    whole = call(p, *lines, seed=5)
    half = call(p, *lines[:3], seed=5)
    saved = half.to_json()
    assert json.loads(saved)["state"] == "facts_set"
    restored = Conversation.from_json(saved, p)
    assert restored.to_json() == saved
    for line in lines[3:]:
        restored.say(line)
    assert restored.to_json() == whole.to_json()
    assert restored.outcome == "resolved" and restored.success


def test_restoring_for_another_persona_is_refused(personas):
    saved = call(personas["complainer"], "您好").to_json()
    with pytest.raises(ValueError, match="not 'expert'"):
        Conversation.from_json(saved, personas["expert"])
