"""The command line as a user runs it: output, exit codes, no tracebacks."""

import json
import subprocess
import sys

import pytest

from conftest import CALLS, ROOT


def run(*args, input=None, timeout=60):
    proc = subprocess.run(
        [sys.executable, "-m", "trainer", *args],
        cwd=ROOT,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_replay_json_follows_the_contract():
    proc = run("replay", str(CALLS / "complainer_good.yaml"), "--json")
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert {"persona", "lesson", "outcome", "final_state", "turns"} <= set(data)
    assert data["persona"] == "complainer" and data["outcome"] == "resolved"
    assert set(data["turns"][0]) == {"agent", "acts", "customer", "state", "mood"}
    assert data["turns"][0]["acts"][:2] == ["greet", "self_introduce"]


def test_replay_plain_text_is_readable():
    proc = run("replay", str(CALLS / "rushed_good.yaml"))
    assert proc.returncode == 0 and "客户：喂" in proc.stdout and "结果 callback" in proc.stdout


@pytest.mark.parametrize(
    "content, message",
    [
        ("persona: nobody\nturns: [您好]\n", "unknown persona 'nobody'"),
        ("turns: [您好]\n", "file.yaml:1: persona: missing"),
        ("persona: complainer\nturns: 您好\n", "file.yaml:2: turns: expected a list"),
        ("persona: complainer\nturns: [您好\n", "invalid YAML"),
        ("- just\n- a list\n", "a replay file is a mapping"),
        ("persona: complainer\nturns:\n  - 您好\n  - ''\n", "file.yaml:4: turns[1]: empty line"),
        ("persona: complainer\nturns:\n  - " + "长" * 5000 + "\n", "file.yaml:3: turns[0]: 5,000 characters"),
    ],
)
def test_replay_bad_files_exit_non_zero_with_a_message(tmp_path, content, message):
    f = tmp_path / "file.yaml"
    f.write_text(content, encoding="utf-8")
    proc = run("replay", str(f), "--json")
    assert proc.returncode == 1 and message in proc.stderr


def test_replay_of_a_missing_file(tmp_path):
    proc = run("replay", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 1 and "cannot read file" in proc.stderr


def test_understand_one_line_and_a_file(tmp_path):
    proc = run("understand", "您好，请问有什么可以帮您？", "--json")
    assert json.loads(proc.stdout) == {"line": "您好，请问有什么可以帮您？", "acts": ["greet", "open_question"]}
    f = tmp_path / "lines.txt"
    f.write_text("您好\n\n對不起，給您添麻煩了\n" + "长" * 5000 + "\n\x07\x1b控制字符\n", encoding="utf-8")
    proc = run("understand", "--file", str(f), "--json")
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["acts"] for r in rows[:2]] == [["greet"], ["apologize"]]
    assert len(rows) == 4 and rows[2]["error"] == f"{f}:4: line is 5,000 characters, at most 2,000"
    assert rows[3]["acts"] == [] and proc.returncode == 1


@pytest.mark.parametrize("line, message", [("", "the line is empty"), ("   ", "the line is empty"),
                                           ("您" * 5000, "5,000 characters")])
def test_understand_refuses_empty_and_overlong_lines(line, message):
    proc = run("understand", line, "--json")
    assert proc.returncode == 1 and message in proc.stderr


def test_understand_usage_errors(tmp_path):
    assert run("understand", "--json").returncode == 2
    bad = tmp_path / "gbk.txt"
    bad.write_bytes("您好".encode("gbk"))
    proc = run("understand", "--file", str(bad))
    assert proc.returncode == 1 and "not valid UTF-8" in proc.stderr


def test_validate_ok_and_broken(tmp_path):
    proc = run("validate", "personas/")
    assert proc.returncode == 0 and proc.stdout.count(": ok (persona)") == len(list((ROOT / "personas").glob("*.yaml")))
    lessons = run("validate", "lessons/")
    assert lessons.returncode == 0
    assert lessons.stdout.count(": ok (lesson)") == len(list((ROOT / "lessons").glob("*.yaml")))
    assert lessons.stdout.count(": ok (checklist)") == len(list((ROOT / "lessons" / "checklists").glob("*.yaml")))
    broken = tmp_path / "broken.yaml"
    text = (ROOT / "personas" / "rushed.yaml").read_text(encoding="utf-8").replace("to: interested", "to: intrested")
    broken.write_text(text, encoding="utf-8")
    proc = run("validate", str(broken), "personas/complainer.yaml")
    assert proc.returncode == 1
    assert f"{broken}:" in proc.stdout and "unknown state 'intrested' (did you mean 'interested'?)" in proc.stdout
    assert "personas/complainer.yaml: ok" in proc.stdout
    bad_lesson = tmp_path / "lesson.yaml"
    bad_lesson.write_text((ROOT / "lessons" / "rushed.yaml").read_text(encoding="utf-8").replace(
        "checklists: [general,", "checklists: [generl,"), encoding="utf-8")
    proc = run("validate", str(bad_lesson))
    assert proc.returncode == 1 and "checklists[0]: unknown checklist 'generl' (did you mean 'general'?)" in proc.stdout


def test_validate_hostile_files(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    bomb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    big = tmp_path / "big.yaml"
    with open(big, "wb") as f:
        f.truncate(50 * 1024 * 1024)
    proc = run("validate", str(bomb), str(big), timeout=30)
    assert proc.returncode == 1
    assert "expands to more than" in proc.stdout and "larger than the 1,000,000 allowed" in proc.stdout


def test_schema_and_personas():
    schema = json.loads(run("schema").stdout)
    assert schema["title"] == "Call-center trainer persona" and "states" in schema["properties"]
    listed = json.loads(run("personas", "--json").stdout)
    assert [p["id"] for p in listed] == sorted(p.stem for p in (ROOT / "personas").glob("*.yaml"))
    assert all("error" not in p for p in listed)
    assert "赶时间" in run("personas").stdout


def test_chat_in_the_terminal():
    script = "您好，我是客服小李\n\n" + "长" * 3000 + "\n/quit\n"
    proc = run("chat", "complainer", "--seed", "1", input=script)
    assert proc.returncode == 0
    assert "来电振铃" in proc.stdout and "客户：" in proc.stdout and "怒气" in proc.stdout
    assert "请输入您要说的话" in proc.stdout and "这句话太长了" in proc.stdout
    assert "您挂断了电话" in proc.stdout and "坐席先挂断" in proc.stdout


def test_chat_chooses_a_persona_and_survives_end_of_input():
    proc = run("chat", input="99\nrushed\n刘女士您好，我是电信客服小周\n")
    assert proc.returncode == 0 and "客户：喂" in proc.stdout and "请输入 1-" in proc.stdout


def test_unknown_persona_and_no_command():
    proc = run("chat", "nobody")
    assert proc.returncode == 1 and "unknown persona 'nobody'" in proc.stderr
    assert run().returncode == 2


def test_bench_turn_runs():
    proc = run("bench", "turn", "--turns", "50")
    assert proc.returncode == 0 and "p95" in proc.stdout


def test_replay_json_carries_the_scorecard():
    data = json.loads(run("replay", str(CALLS / "legalistic_good.yaml"), "--json").stdout)
    card = data["scorecard"]
    assert data["lesson"] == "legalistic" and 0 <= card["score"] <= 100 and isinstance(card["passed"], bool)
    assert all({"id", "passed", "evidence_turn", "tip"} <= set(it) for it in card["items"])


def test_score_a_stored_transcript_and_a_saved_call(tmp_path):
    replayed = run("replay", str(CALLS / "complainer_bad.yaml"), "--json").stdout
    stored = tmp_path / "call.json"
    stored.write_text(replayed, encoding="utf-8")
    proc = run("score", str(stored), "--json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == json.loads(replayed)["scorecard"]
    assert "未通过" in run("score", str(stored)).stdout

    from trainer.conversation import Conversation
    from trainer.persona import load_by_id

    conv = Conversation(load_by_id("rushed"), seed=1)
    for line in ["您好，请问是刘晓燕女士吗？我是电信客服小周。", "您的宽带可以免费提速到300兆，月费不变。"]:
        conv.say(line)
    saved = tmp_path / "saved.json"
    saved.write_text(conv.to_json(), encoding="utf-8")
    card = json.loads(run("score", str(saved), "--json").stdout)
    assert card["lesson"] == "rushed" and not card["passed"]  # abandoned mid-call


@pytest.mark.parametrize("content, message", [
    ("not json", "not JSON"),
    ('{"turns": []}', "expected a saved call"),
    ('{"persona": "rushed", "turns": [{"no_agent": 1}]}', "malformed saved call"),
])
def test_score_refuses_bad_files(tmp_path, content, message):
    f = tmp_path / "bad.json"
    f.write_text(content, encoding="utf-8")
    proc = run("score", str(f), "--json")
    assert proc.returncode == 1 and message in proc.stderr


def test_lessons_listed_in_curriculum_order():
    data = json.loads(run("lessons", "--json").stdout)
    from trainer.lesson import default_library

    assert [lesson["id"] for lesson in data["lessons"]] == [lesson.id for lesson in default_library().curriculum()]
    assert data["lessons"][0]["id"] == "rushed"  # the path starts with the standard opening and closing
    assert data["problems"] == []


def test_chat_shows_hints_and_a_scorecard():
    proc = run("chat", "complainer", "--seed", "1", input="您好，我是宽带客服小李，请问有什么可以帮您？\n/quit\n")
    assert "💡 客户情绪激动" in proc.stdout and "== 成绩" in proc.stdout and "改进：" in proc.stdout
    exam = run("chat", "complainer", "--exam", input="您好，我是宽带客服小李，请问有什么可以帮您？\n/quit\n")
    assert "💡" not in exam.stdout and "考核模式" in exam.stdout


def test_bench_scoring_meets_the_goal():
    proc = run("bench", "scoring", timeout=120)
    pct = float(proc.stdout.split(" = ")[1].split("%")[0])
    assert pct >= 90.0


def test_graph_and_persona_tests_from_the_command_line(tmp_path):
    dot = run("graph", "rushed")
    assert dot.returncode == 0 and '"hurry" -> "interested"' in dot.stdout
    assert run("graph", "nobody").returncode == 1
    ok = run("test", "tests/personas/")
    assert ok.returncode == 0 and ok.stdout.rstrip().endswith(" passed, 0 failed")
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text((ROOT / "tests" / "personas" / "complainer.yaml").read_text(encoding="utf-8").replace(
        "state: heard", "state: calm"), encoding="utf-8")
    bad = run("test", str(wrong))
    assert bad.returncode == 1 and "step 2: state is 'heard', expected 'calm'" in bad.stdout
