"""The command line: `python -m trainer COMMAND` (contract in shared/design.md).

Every command reports bad input as a message and a non-zero exit code, never
a traceback: 1 for invalid content (a persona, a replay file), 2 for usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from .yamlfile import FileProblem

EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3  # a voice engine or model is missing (the message says how to get it)


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_INVALID):
        super().__init__(message)
        self.code = code


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args) or 0
    except CliError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.code
    except FileProblem as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("\n(interrupted)", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m trainer", description="Call-center role-play trainer")
    sub = p.add_subparsers(metavar="COMMAND")

    c = sub.add_parser("chat", help="role-play a call in the terminal")
    c.add_argument("persona", nargs="?", help="persona id; omitted: choose from a list")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--lesson", help="lesson id (default: the persona's lesson)")
    c.add_argument("--exam", action="store_true", help="no live hints")
    c.set_defaults(func=cmd_chat)

    c = sub.add_parser("replay", help="replay a scripted call file")
    c.add_argument("file")
    c.add_argument("--json", action="store_true", help="print one JSON object")
    c.set_defaults(func=cmd_replay)

    c = sub.add_parser("score", help="score a stored call (replay --json output or a saved call)")
    c.add_argument("file")
    c.add_argument("--lesson", help="lesson id (default: the one in the file, else the persona's)")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_score)

    c = sub.add_parser("lessons", help="list the lessons (the curriculum)")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_lessons)

    c = sub.add_parser("understand", help="the acts of a line, or of each line of a file")
    c.add_argument("line", nargs="?")
    c.add_argument("--file", "-f")
    c.add_argument("--json", action="store_true")
    c.add_argument("--explain", action="store_true", help="show why each act was found")
    c.add_argument("--model", help="an act model file (.npz from 'train --output'); default: the bundled model")
    c.set_defaults(func=cmd_understand)

    c = sub.add_parser("train", help="retrain the act matcher from the corpus and trainers' corrections")
    c.add_argument("--by", default="cli", help="who asked (stored with the model)")
    c.add_argument("--output", help="write the model trained on the bundled corpus alone to this .npz file "
                                    "(how the bundled model is made) instead of retraining the app's model")
    c.set_defaults(func=cmd_train)

    c = sub.add_parser("corpus", help="check labelled-line files, or make recognizer-output lines from them")
    c.add_argument("action", choices=["check", "spoken"])
    c.add_argument("paths", nargs="*", help="files to check (default: the bundled corpus)")
    c.add_argument("--per-writer", type=int, default=40, help="spoken: lines per writer")
    c.add_argument("-o", "--output", help="spoken: the JSON Lines file to write")
    c.set_defaults(func=cmd_corpus)

    c = sub.add_parser("corrections", help="export or import trainers' corrections (labelled lines)")
    c.add_argument("action", choices=["export", "import"])
    c.add_argument("file", help="export: the file to write ('-' for standard output); import: the file to read")
    c.add_argument("--by", default="cli", help="import: who the lines are credited to")
    c.set_defaults(func=cmd_corrections)

    c = sub.add_parser("validate", help="check persona files")
    c.add_argument("paths", nargs="+")
    c.set_defaults(func=cmd_validate)

    c = sub.add_parser("schema", help="print the JSON Schema of the persona format")
    c.add_argument("-o", "--output", help="write to this file instead of standard output")
    c.set_defaults(func=cmd_schema)

    c = sub.add_parser("personas", help="list the bundled personas")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_personas)

    c = sub.add_parser("graph", help="the persona's state machine as Graphviz DOT")
    c.add_argument("persona")
    c.set_defaults(func=cmd_graph)

    c = sub.add_parser("test", help="run persona test files (a file or a folder of them)")
    c.add_argument("paths", nargs="+")
    c.add_argument("-v", "--verbose", action="store_true")
    c.set_defaults(func=cmd_test)

    c = sub.add_parser("user", help="add or update an account (the password is read from TRAINER_PASSWORD or asked)")
    c.add_argument("name")
    c.add_argument("--trainer", action="store_true", help="a trainer account (default: trainee)")
    c.add_argument("--update", action="store_true", help="set a new password / role for an existing account")
    c.add_argument("--team", default="", help="the team the account belongs to")
    c.set_defaults(func=cmd_user)

    c = sub.add_parser("say", help="the persona speaks a line into a WAV file")
    c.add_argument("persona")
    c.add_argument("line")
    c.add_argument("-o", "--output", required=True, help="the WAV file to write")
    c.add_argument("--mood", default="", help="e.g. anger=85,patience=20 (default: the persona's start mood)")
    c.set_defaults(func=cmd_say)

    c = sub.add_parser("transcribe", help="what a WAV recording says and how it sounds")
    c.add_argument("wav")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_transcribe)

    c = sub.add_parser("voice", help="what speaks and what listens on this machine")
    c.add_argument("--prepare", action="store_true",
                   help="also join the bundled model and synthesize the bundled personas' lines now")
    c.set_defaults(func=cmd_voice)

    c = sub.add_parser("bench", help="measure: understanding | scoring | turn")
    c.add_argument("what", choices=["understanding", "scoring", "turn"])
    c.add_argument("--turns", type=int, default=1000)
    c.add_argument("--errors", action="store_true", help="also list the lines that disagree")
    c.set_defaults(func=cmd_bench)
    return p


# -- helpers ------------------------------------------------------------------


def _persona(persona_id: str):
    from .persona import PersonaError, load_by_id

    try:
        return load_by_id(persona_id)
    except PersonaError as e:
        raise CliError(str(e)) from None


def _understanding(model_file: str | None = None):
    from .understanding import CueError, Understanding, default_understanding, cue_rules
    from .actmodel import ActModel

    try:
        if model_file:
            try:
                return Understanding(cue_rules.files(), ActModel.load(Path(model_file)))
            except OSError as e:
                raise CliError(f"{model_file}: {e.strerror}") from None
            except ValueError as e:
                raise CliError(f"{model_file}: {e}") from None
        return default_understanding()
    except CueError as e:
        raise CliError(str(e)) from None


def _library():
    from .lesson import default_library

    return default_library()


def _lesson(lesson_id: str | None, persona_id: str):
    """The named lesson, or the persona's first lesson in the curriculum."""
    from .lesson import LessonError

    lib = _library()
    if lesson_id:
        try:
            lesson = lib.lesson(lesson_id)
        except LessonError as e:
            raise CliError(str(e)) from None
        if lesson.persona != persona_id:
            raise CliError(f"lesson '{lesson_id}' is for persona '{lesson.persona}', not '{persona_id}'")
        return lesson
    lesson = lib.lesson_for(persona_id)
    if lesson is None:
        raise CliError(f"no lesson uses persona '{persona_id}'; give --lesson")
    return lesson


def _print_card(card) -> None:
    print(f"== 成绩 {card.score} 分（及格线 {card.pass_mark}）：{'通过' if card.passed else '未通过'}   结果 {card.outcome}")
    for name, s in card.sections.items():
        print(f"   {name:6} {_bar(s['percent'])} {s['percent']:3d}%")
    if card.strengths:
        print("赞：")
        for s in card.strengths[:5]:
            where = f"（第 {s['evidence_turn']} 句）" if s["evidence_turn"] else ""
            print(f"   ✓ {s['praise']}{where}")
    if card.fixes:
        print("改进：")
        for f in card.fixes:
            where = f"第 {f['evidence_turn']} 句「{f['evidence']}」" if f["evidence"] else ""
            print(f"   ✗ {f['title']} {where}\n     {f['tip']}\n     示范：{f['model']}")


def _bar(value: int) -> str:
    filled = round(value / 10)
    return "█" * filled + "·" * (10 - filled)


def _mood_line(mood: dict[str, int]) -> str:
    labels = {"anger": "怒气", "trust": "信任", "patience": "耐心"}
    return "  ".join(f"{labels.get(k, k)} {_bar(v)} {v:3d}" for k, v in mood.items())


# -- commands -----------------------------------------------------------------


def cmd_chat(args) -> int:
    from .conversation import Conversation
    from .understanding import MAX_LINE

    from .checklist import view_of
    from .scoring import hint, score

    persona = _persona(args.persona or _choose_persona())
    lesson = _lesson(args.lesson, persona.id)
    if args.exam:
        lesson = lesson.model_copy(update={"mode": "exam"})
    lib = _library()
    conv = Conversation(persona, seed=args.seed, understanding=_understanding())
    r = persona.record
    print(f"== {persona.name}（{persona.type}，{persona.technique}）  {persona.summary}")
    print(f"   客户资料：{r.customer} {r.phone} {r.account} {r.product}")
    for h in r.history:
        print(f"   · {h}")
    if r.remedies:
        print(f"   可提供：{'；'.join(r.remedies)}")
    if conv.opening:
        print(f"（您拨通了电话）\n客户：{conv.opening}")
    else:
        print("（来电振铃，请您先问候客户）")
    print(f"课程：{lesson.title}（{'练习模式，有提示' if lesson.mode == 'practice' else '考核模式'}）。输入 /quit 挂断。")
    while not conv.ended:
        try:
            line = input("坐席> ")
        except EOFError:
            line = "/quit"
        line = line.strip()
        if line == "/quit":
            conv.hang_up()
            print("（您挂断了电话）")
            break
        if not line:
            print("（请输入您要说的话，或 /quit 挂断）")
            continue
        if len(line) > MAX_LINE:
            print(f"（这句话太长了：{len(line)} 字，最多 {MAX_LINE} 字）")
            continue
        turn = conv.say(line)
        print(f"客户：{turn.customer}")
        print(f"      {_mood_line(turn.mood)}   [{', '.join(turn.acts) or '—'}]")
        tip = hint(lesson, lib, view_of(conv))
        if tip:
            print(f"   💡 {tip}")
    who = {"customer": "客户", "trainee": "坐席"}.get(conv.hung_up_by or "", "—")
    print(f"== 通话结束：结果 {conv.outcome}，{who}先挂断，{len(conv.turns)} 轮")
    _print_card(score(lesson, lib, view_of(conv)))
    return 0


def _load_replay(path: str) -> dict:
    from .yamlfile import load_file

    doc = load_file(path)
    d = doc.data
    if not isinstance(d, dict):
        raise CliError(f"{path}:1: a replay file is a mapping: persona, seed, turns, [lesson], [hangup]")
    problems = []
    if not isinstance(d.get("persona"), str):
        problems.append(f"{path}:{doc.line_of(('persona',))}: persona: missing, expected a persona id")
    if not isinstance(d.get("seed", 0), int):
        problems.append(f"{path}:{doc.line_of(('seed',))}: seed: expected a whole number")
    from .understanding import MAX_LINE

    from .checklist import VOICE_METRICS

    turns = d.get("turns")
    if not isinstance(turns, list) or not all(isinstance(t, (str, int, float, dict)) for t in turns):
        problems.append(f"{path}:{doc.line_of(('turns',))}: turns: expected a list of trainee lines")
    else:
        for i, t in enumerate(turns):
            if isinstance(t, dict):  # a spoken line: {say: LINE, audio: {speech_rate: .., loudness: .., ..}}
                audio = t.get("audio", {})
                if set(t) - {"say", "audio"} or not isinstance(t.get("say"), str) or not isinstance(audio, dict) \
                        or not all(k in VOICE_METRICS + ("seconds", "speech_ratio") and isinstance(v, (int, float))
                                   for k, v in audio.items()):
                    problems.append(f"{path}:{doc.line_of(('turns', i))}: turns[{i}]: a spoken line is "
                                    f"{{say: LINE, audio: {{{', '.join(VOICE_METRICS)}: NUMBER}}}}")
                    continue
                t = t["say"]
            if not str(t).strip():
                problems.append(f"{path}:{doc.line_of(('turns', i))}: turns[{i}]: empty line")
            elif len(str(t)) > MAX_LINE:
                problems.append(f"{path}:{doc.line_of(('turns', i))}: turns[{i}]: {len(str(t)):,} characters, at most {MAX_LINE:,}")
    if d.get("hangup") not in (None, "trainee", "customer"):
        problems.append(f"{path}:{doc.line_of(('hangup',))}: hangup: expected 'trainee' or 'customer'")
    if problems:
        raise CliError("\n".join(problems))
    return d


def replay_data(d: dict) -> dict:
    """Play a replay mapping; returns the contract's JSON object with its scorecard."""
    from .checklist import view_of
    from .conversation import Conversation, turn_record
    from .scoring import score

    persona = _persona(d["persona"])
    lesson = _lesson(d.get("lesson"), persona.id)
    conv = Conversation(persona, seed=int(d.get("seed", 0)), understanding=_understanding())
    conv.play_script(d["turns"], d.get("hangup"))
    card = score(lesson, _library(), view_of(conv))
    return {
        "persona": persona.id,
        "lesson": lesson.id,
        "seed": conv.seed,
        "opening": conv.opening,
        "outcome": conv.outcome,
        "success": conv.success,
        "final_state": conv.state,
        "ended": conv.ended,
        "hung_up_by": conv.hung_up_by,
        "turns": [turn_record(t) for t in conv.turns],
        "scorecard": card.to_dict(),
    }


def _choose_persona() -> str:
    from .persona import available

    ids = available()
    print("选择一位客户 / choose a customer:")
    for i, pid in enumerate(ids, 1):
        print(f"  {i}. {pid}")
    while True:
        try:
            answer = input("编号或 id> ").strip()
        except EOFError:
            raise CliError("no persona chosen", EXIT_USAGE) from None
        if answer.isdigit() and 1 <= int(answer) <= len(ids):
            return ids[int(answer) - 1]
        if answer in ids:
            return answer
        print(f"（请输入 1-{len(ids)} 或一个 id）")


def cmd_replay(args) -> int:
    result = replay_data(_load_replay(args.file))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    if result["opening"]:
        print(f"客户：{result['opening']}")
    for t in result["turns"]:
        print(f"坐席：{t['agent']}\n      [{', '.join(t['acts']) or '—'}]\n客户：{t['customer']}")
        print(f"      {_mood_line(t['mood'])}  → {t['state']}")
    print(f"== 结果 {result['outcome']}（{'成功' if result['success'] else '未成功'}），最终状态 {result['final_state']}")
    from types import SimpleNamespace

    _print_card(SimpleNamespace(**result["scorecard"]))
    return 0


def cmd_score(args) -> int:
    import json as _json

    from .checklist import view_of_record
    from .conversation import Conversation
    from .scoring import score
    from .yamlfile import read_text

    text = read_text(args.file, max_bytes=20_000_000)
    try:
        d = _json.loads(text)
    except ValueError as e:
        raise CliError(f"{args.file}:{getattr(e, 'lineno', 1)}: not JSON: {e}") from None
    if not isinstance(d, dict) or not isinstance(d.get("persona"), str) or not isinstance(d.get("turns"), list):
        raise CliError(f"{args.file}:1: expected a saved call: a JSON object with persona and turns")
    persona = _persona(d["persona"])
    lesson = _lesson(args.lesson or d.get("lesson"), persona.id)
    try:
        if "version" in d and "last_variant" in d:  # a saved Conversation
            from .checklist import view_of

            view = view_of(Conversation.from_json(d, persona, understanding=_understanding()))
        else:
            view = view_of_record(d, persona, _understanding())
    except (KeyError, TypeError, ValueError) as e:
        raise CliError(f"{args.file}:1: malformed saved call: {e!r}") from None
    card = score(lesson, _library(), view)
    if args.json:
        print(_json.dumps(card.to_dict(), ensure_ascii=False))
    else:
        _print_card(card)
    return 0


def cmd_lessons(args) -> int:
    lib = _library()
    rows = [
        {"id": lesson.id, "title": lesson.title, "persona": lesson.persona, "difficulty": lesson.difficulty,
         "mode": lesson.mode, "pass_mark": lesson.pass_mark, "checklists": lesson.checklists}
        for lesson in lib.curriculum()
    ]
    if args.json:
        print(json.dumps({"lessons": rows, "problems": lib.problems}, ensure_ascii=False, indent=2))
    else:
        for i, r in enumerate(rows, 1):
            print(f"{i}. {r['id']:12} ★{r['difficulty']}  {r['title']}")
        for p in lib.problems:
            print(f"(invalid) {p}", file=sys.stderr)
    return 0


def cmd_understand(args) -> int:
    from .text import script_of
    from .yamlfile import read_text

    from .understanding import MAX_LINE

    if (args.line is None) == (args.file is None):
        raise CliError("give one LINE or --file F", EXIT_USAGE)
    if args.line is not None and not args.line.strip():
        raise CliError("the line is empty: give the trainee's words")
    if args.line is not None and len(args.line) > MAX_LINE:
        raise CliError(f"the line is {len(args.line):,} characters, at most {MAX_LINE:,}")
    lines = [args.line] if args.line is not None else read_text(args.file, max_bytes=5_000_000).splitlines()
    u = _understanding(args.model)
    bad = 0
    for number, line in enumerate(lines, 1):
        if args.file and not line.strip():
            continue
        if len(line) > MAX_LINE:
            bad += 1
            message = f"{args.file}:{number}: line is {len(line):,} characters, at most {MAX_LINE:,}"
            print(json.dumps({"line": line[:40] + "…", "acts": [], "error": message}, ensure_ascii=False)
                  if args.json else f"error: {message}")
            continue
        a = u.analyze(line)
        note = {"latin": "no Chinese in this line: the trainer understands Chinese lines",
                "empty": "no words in this line (only symbols, emoji or control characters)"}.get(script_of(line))
        if args.json:
            obj = {"line": line, "acts": list(a.acts)}
            if note:
                obj["note"] = note
            if args.explain:
                obj.update(measures=a.measures(), evidence=a.evidence)
            print(json.dumps(obj, ensure_ascii=False))
        else:
            print(f"{line}\n  → {', '.join(a.acts) or '（无）'}   {a.measures()}" + (f"\n  ({note})" if note else ""))
            if args.explain:
                for act, why in a.evidence.items():
                    print(f"     {act}: {why}")
    if bad:
        print(f"{bad} line(s) too long, not analysed", file=sys.stderr)
    return EXIT_INVALID if bad else 0


def _mood(persona, spec: str) -> dict[str, int]:
    mood = dict(persona.mood)
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, value = part.partition("=")
        if name.strip() not in mood or not value.strip().lstrip("-").isdigit():
            raise CliError(f"--mood {part!r}: expected NAME=NUMBER with NAME one of {', '.join(mood)}", EXIT_USAGE)
        mood[name.strip()] = max(0, min(100, int(value)))
    return mood


def cmd_say(args) -> int:
    from .voice.speech import SpeechUnavailable, default_speaker, delivery_for

    persona = _persona(args.persona)
    if not args.line.strip():
        raise CliError("the line is empty: give the customer's words")
    delivery = delivery_for(persona.voice, _mood(persona, args.mood))
    try:
        data = default_speaker().reply_audio(args.line.strip(), delivery, persona.customer_lines())
    except SpeechUnavailable as e:
        raise CliError(str(e), EXIT_UNAVAILABLE) from None
    try:
        Path(args.output).write_bytes(data)
    except OSError as e:
        raise CliError(f"{args.output}: cannot write: {e.strerror}") from None
    print(f"{args.output}: {len(data):,} bytes · rate {delivery.rate} · volume {delivery.volume} · pitch {delivery.pitch}")
    return 0


def cmd_transcribe(args) -> int:
    from .voice.audio import AudioProblem, check_size
    from .voice.recognition import SpeechUnavailable, default_recognizer

    path = Path(args.wav)
    try:
        check_size(path.stat().st_size)
        heard = default_recognizer().hear(path.read_bytes())
    except OSError as e:
        raise CliError(f"{args.wav}: {e.strerror}") from None
    except AudioProblem as e:
        raise CliError(f"{args.wav}: {e.message('en')}") from None
    except SpeechUnavailable as e:
        raise CliError(str(e), EXIT_UNAVAILABLE) from None
    acts = list(_understanding().analyze(heard.text).acts)
    if args.json:
        print(json.dumps({**heard.to_dict(), "acts": acts}, ensure_ascii=False))
    else:
        m = heard.metrics
        print(heard.text)
        print(f"  {m['seconds']} s · {m['speech_rate']} chars/s · {m['loudness']} dBFS · "
              f"pitch variation {m['pitch_variation']} st · {heard.engine} · acts: {', '.join(acts) or '-'}")
    return 0


def cmd_voice(args) -> int:
    from .voice.recognition import default_recognizer
    from .voice.speech import default_speaker

    speaker, recognizer = default_speaker(), default_recognizer()
    tts_ok, tts = speaker.status()
    stt_ok, stt = recognizer.status()
    print(f"customer voice:  {'ok' if tts_ok else 'MISSING'} · {tts}")
    print(f"speech to text:  {'ok' if stt_ok else 'MISSING'} · {stt}")
    if args.prepare and tts_ok:
        from .persona import available, load_by_id

        queued = sum(speaker.prepare(load_by_id(pid)) for pid in available())
        speaker.drain()
        print(f"synthesized {queued} customer lines ahead ({speaker.synthesized} new)")
    return 0 if tts_ok and stt_ok else EXIT_UNAVAILABLE


def _kind_of(path: Path) -> str:
    """persona, lesson or checklist, from the file's top-level keys."""
    from .lesson import kind_of
    from .yamlfile import load_file

    try:
        return kind_of(load_file(path).data)
    except FileProblem:
        return "persona"  # the persona loader reports the problem


def cmd_validate(args) -> int:
    """Personas, lessons and checklists; folders are searched for *.yaml (one level,
    and a `checklists/` folder inside)."""
    from .lesson import LessonError, load_checklist, load_lesson
    from .persona import PersonaError, load_persona

    failed = 0
    files: list[Path] = []
    for raw in args.paths:
        p = Path(raw)
        if p.is_dir():
            files += sorted(p.glob("checklists/*.yaml")) + sorted(p.glob("*.yaml"))
        else:
            files.append(p)
    checklists = dict(_library().checklists)
    for f in files:
        try:
            kind = _kind_of(f)
            if kind == "checklist":
                cl = load_checklist(f)
                checklists[cl.id] = cl
            elif kind == "lesson":
                load_lesson(f, checklists)
            else:
                load_persona(f)
            print(f"{f}: ok ({kind})")
        except (PersonaError, LessonError) as e:
            failed += 1
            for problem in e.problems:
                print(problem)
    if failed:
        print(f"{failed} of {len(files)} file(s) invalid", file=sys.stderr)
    return EXIT_INVALID if failed else 0


def cmd_schema(args) -> int:
    from .persona import json_schema

    text = json_schema()
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


def cmd_personas(args) -> int:
    from .persona import PersonaError, available, load_by_id

    rows = []
    for pid in available():
        try:
            p = load_by_id(pid)
            rows.append({"id": p.id, "name": p.name, "type": p.type, "technique": p.technique,
                         "direction": p.direction, "difficulty": p.difficulty, "summary": p.summary})
        except PersonaError as e:
            rows.append({"id": pid, "error": e.problems[0]})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            if "error" in r:
                print(f"{r['id']:12} (invalid) {r['error']}")
            else:
                print(f"{r['id']:12} {r['type']:6} {r['direction']:8} ★{r['difficulty']}  {r['summary']}")
    return 0


def cmd_user(args) -> int:
    import getpass
    import os

    from .accounts import AccountError, create_user

    password = os.environ.get("TRAINER_PASSWORD")
    if password is None:
        try:
            password = getpass.getpass("password (8+ characters): ")
        except EOFError:
            raise CliError("no password: set TRAINER_PASSWORD or type it", EXIT_USAGE) from None
    try:
        create_user(args.name, password, "trainer" if args.trainer else "trainee", update_existing=args.update,
                    team=args.team)
    except AccountError as e:
        raise CliError({"bad_name": "a name is 1-40 letters, digits, spaces or . · -",
                        "short_password": "the password needs at least 8 characters",
                        "name_taken": f"'{args.name}' exists already (use --update)"}.get(e.key, e.key)) from None
    print(f"{'trainer' if args.trainer else 'trainee'} account '{args.name}' is ready")
    return 0


def cmd_graph(args) -> int:
    from .authoring import graph

    print(graph(_persona(args.persona)))
    return 0


def cmd_test(args) -> int:
    from .authoring import run_test
    from .lesson import LessonError
    from .persona import PersonaError

    files: list[Path] = []
    for raw in args.paths:
        p = Path(raw)
        files += sorted(p.glob("*.yaml")) if p.is_dir() else [p]
    failed = 0
    for f in files:
        try:
            report = run_test(f)
        except (PersonaError, LessonError) as e:
            failed += 1
            print(f"{f}: FAILED\n  " + "\n  ".join(e.problems))
            continue
        print(f"{f}: {'ok' if report.passed else 'FAILED'} ({report.steps} steps)")
        if args.verbose or not report.passed:
            for line in report.lines:
                print(f"    {line}")
        if not report.passed:
            failed += 1
            print(f"  {report.divergence}")
    print(f"{len(files) - failed} passed, {failed} failed")
    return EXIT_INVALID if failed else 0


def cmd_train(args) -> int:
    from . import corpus, training
    from .corpus import CorpusError

    say = lambda msg: print(f"  … {msg}", file=sys.stderr, flush=True)  # noqa: E731
    try:
        if args.output:
            lines = corpus.bundled()
            model = training.train(lines, meta={"id": "bundled"}, progress=say)
            model.save(Path(args.output))
            real = training.measure_real(_understanding(args.output))
            cv = model.meta["cv"]
            print(f"{args.output}: {len(lines)} lines from {model.meta['groups']} writers; grouped cross-validation "
                  f"macro-F1 {cv['macro_f1']:.3f}" + (f"; real agent lines {real['macro_f1']:.3f}" if real else ""))
            return 0
        from .store import default_store

        outcome = training.retrain(default_store(), args.by, progress=say)
    except CorpusError as e:
        raise CliError(str(e)) from None
    except training.TrainingBusy as e:
        raise CliError(str(e)) from None
    print(outcome.report())
    return 0


def cmd_corpus(args) -> int:
    from . import corpus
    from .corpus import CorpusError

    try:
        if args.action == "check":
            files = [Path(p) for p in args.paths] or sorted(corpus.CORPUS_DIR.glob("*.jsonl"))
            total = []
            for f in files:
                lines = corpus.read(f)
                total += lines
                print(f"{f}: ok ({len(lines)} labelled lines)")
            print(corpus.describe(total))
            return 0
        if not args.output:
            raise CliError("corpus spoken needs -o FILE", EXIT_USAGE)
        return _spoken_corpus(args)
    except CorpusError as e:
        raise CliError(str(e)) from None


def _spoken_corpus(args) -> int:
    import random

    from . import corpus
    from .voice.recognition import SpeechUnavailable, default_recognizer
    from .voice.speech import default_speaker
    from .voice.spoken import spoken

    by_writer: dict[str, list] = {}
    for x in corpus.bundled():
        if x.style != "asr_voice":
            by_writer.setdefault(x.writer, []).append(x)
    rng = random.Random(0)
    chosen = [x for w in sorted(by_writer) for x in rng.sample(by_writer[w], min(args.per_writer, len(by_writer[w])))]
    kept = 0
    try:
        with open(args.output, "w", encoding="utf-8") as out:
            for i, (x, twin, rate) in enumerate(spoken(chosen, default_speaker(), default_recognizer()), 1):
                if twin is not None:
                    out.write(twin.to_json() + "\n")
                    out.flush()
                    kept += 1
                print(f"{i}/{len(chosen)} cer {rate:.2f} {'kept' if twin else 'dropped'}", file=sys.stderr)
    except SpeechUnavailable as e:
        raise CliError(str(e), EXIT_UNAVAILABLE) from None
    print(f"{args.output}: {kept} of {len(chosen)} spoken lines recognized closely enough to keep their labels")
    return 0


def cmd_corrections(args) -> int:
    from .corpus import CorpusError
    from .corrections import Corrections
    from .store import default_store

    fixes = Corrections(default_store())
    if args.action == "export":
        text = fixes.export()
        if args.file == "-":
            sys.stdout.write(text)
        else:
            try:
                Path(args.file).write_text(text, encoding="utf-8")
            except OSError as e:
                raise CliError(f"{args.file}: cannot write: {e.strerror}") from None
            print(f"{args.file}: {text.count(chr(10))} labelled line(s)")
        return 0
    try:
        raw = Path(args.file).read_bytes()
    except OSError as e:
        raise CliError(f"{args.file}: {e.strerror}") from None
    try:
        n = fixes.import_file(raw, args.file, args.by)
    except CorpusError as e:
        raise CliError(str(e)) from None
    print(f"{args.file}: {n} labelled line(s) stored as corrections by {args.by}")
    return 0


def cmd_bench(args) -> int:
    from . import bench

    if args.what == "understanding":
        print(bench.understanding(show_errors=args.errors))
    elif args.what == "scoring":
        print(bench.scoring())
    else:
        print(bench.turn(args.turns))
    return 0
