"""Benchmarks (`python -m trainer bench ...`): measured, never timed tests."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from .evaluation import evaluate, keyword_baseline, report

ROOT = Path(__file__).resolve().parent.parent
WRITTEN = ROOT / "tests" / "data" / "understanding_written.jsonl"
FAULTS = ("forbidden_phrase", "blame_customer", "rhetorical_question", "refuse_flatly", "over_familiar")


def understanding(show_errors: bool = False, cv: bool = True) -> str:
    """Per-act P/R/F1 and macro/micro F1 beside a keyword baseline: (a) on the real agent lines
    of ../shared/real_lines/ (measured only, never trained on), (b) in cross-validation on the
    corpus grouped by writer (retrained here, a writer never both trained and tested), (c) on
    lines in the style of the seeds' model phrases, written apart from the corpus; then speed."""
    from . import corpus, training
    from .understanding import default_understanding

    t0 = time.perf_counter()
    u = default_understanding()
    u.analyze("您好")
    start = time.perf_counter() - t0
    out = []
    real = training.real_lines()
    if real is None:
        out.append(f"== (a) real agent lines: not here ({training.shared_dir() / 'real_lines'}; set TRAINER_SHARED_DIR)")
    else:
        scores, errors = evaluate(lambda line: u.analyze(line).acts, real)
        base, _ = evaluate(keyword_baseline, real)
        out.append(f"== (a) real agent lines ({len(real)} lines, ../shared/real_lines/; never trained on)")
        out.append(report("real lines", scores, base))
        out.append(_micro("real lines", scores, base))
        out.append(_faults(scores))
        if show_errors:
            out += [f"  {line}\n    gold {gold}\n    got  {got}" for line, gold, got in errors]
        out.append("")
    lines = corpus.bundled()
    if cv:
        model = training.train(lines)
        meta = model.meta
        out.append(f"== (b) grouped cross-validation on the corpus ({meta['lines']} lines, {meta['groups']} writers, "
                   f"{meta['folds']} folds; retrained now)")
    else:
        meta = u.model.meta if u.model else {}
        out.append(f"== (b) grouped cross-validation on the corpus (figures stored with the bundled model)")
    if meta.get("cv"):
        c = meta["cv"]
        out.append(f"macro-F1 {c['macro_f1']:.3f}   micro-F1 {c['micro_f1']:.3f}")
        out.append("  " + "  ".join(f"{a} {v[2]:.2f}" for a, v in sorted(c["acts"].items(), key=lambda kv: kv[1][2])))
        if c.get("styles"):
            out.append("  by style: " + ", ".join(f"{k} {v:.3f}" for k, v in sorted(c["styles"].items())))
    out.append("")
    written = [(x.line, set(x.acts)) for x in corpus.read(WRITTEN)]
    scores, errors = evaluate(lambda line: u.analyze(line).acts, written)
    base, _ = evaluate(keyword_baseline, written)
    out.append(f"== (c) written-style lines ({len(written)} lines, {WRITTEN.name}; never trained on)")
    out.append(report(WRITTEN.name, scores, base))
    if show_errors:
        out += [f"  {line}\n    gold {gold}\n    got  {got}" for line, gold, got in errors]
    out.append("")
    out.append(agreement(lines))
    out.append("")
    probe = [x.line for x in lines[:: max(1, len(lines) // 1000)]]
    times = []
    for line in probe:
        t = time.perf_counter()
        u.analyze(line)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    out.append(f"== speed: model start-up {start:.2f} s; one line p50 {statistics.median(times):.2f} ms, "
               f"p95 {times[int(0.95 * (len(times) - 1))]:.2f} ms over {len(times)} corpus lines")
    return "\n".join(out)


def agreement(lines) -> str:
    """How two readers' labels of the same lines agree (the corpus's second reading)."""
    from . import corpus

    second = corpus.read(corpus.CORPUS_DIR / "agreement" / "second_reader.jsonl")
    first = {x.line: set(x.acts) for x in lines}
    pairs = [(x.line, set(x.acts)) for x in second if x.line in first]
    scores, _ = evaluate(lambda line: first[line], pairs)
    same = sum(first[line] == acts for line, acts in pairs)
    from .evaluation import macro_f1

    return (f"== (d) labelling agreement: {len(pairs)} lines read twice by different readers: macro-F1 "
            f"{macro_f1(scores):.3f}, the same acts on {same} of {len(pairs)} lines")


def _micro(name: str, scores, base) -> str:
    def micro(sc):
        tp = sum(s.tp for s in sc.values())
        fp = sum(s.fp for s in sc.values())
        fn = sum(s.fn for s in sc.values())
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

    return f"{'micro-F1':22} {'':5} {'':5} {micro(scores):5.3f}   {micro(base):7.3f}"


def _faults(scores) -> str:
    rows = ["faults (goal: recall >= 0.80, precision >= 0.85):"]
    for a in FAULTS:
        s = scores.get(a)
        rows.append(f"  {a:22} " + (f"P {s.precision:.2f}  R {s.recall:.2f}  ({s.tp + s.fn} lines)" if s else "not in the set"))
    return "\n".join(rows)


def turn(n: int = 1000) -> str:
    """One text turn (understand + move + reply + score update and hint) p50/p95
    over `n` turns, one core."""
    from .checklist import view_of
    from .conversation import Conversation
    from .lesson import default_library
    from .scoring import hint, score
    from .persona import load_by_id
    from .understanding import default_understanding
    from .yamlfile import load_file

    u = default_understanding()
    calls = sorted((ROOT / "tests" / "calls").glob("*.yaml"))
    scripts = [load_file(c).data for c in calls]
    personas = {s["persona"]: load_by_id(s["persona"]) for s in scripts}
    lib = default_library()
    times: list[float] = []
    i = 0
    while len(times) < n:
        script = scripts[i % len(scripts)]
        conv = Conversation(personas[script["persona"]], seed=i, understanding=u)
        lesson = lib.lesson_for(script["persona"])
        for line in script["turns"]:
            if conv.ended or len(times) >= n:
                break
            t0 = time.perf_counter()
            conv.say(line)
            view = view_of(conv)
            score(lesson, lib, view)
            hint(lesson, lib, view)
            times.append((time.perf_counter() - t0) * 1000)
        i += 1
    times.sort()
    p50 = statistics.median(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    return (
        f"text turn (understand + move + reply + scorecard + hint), {len(times)} turns over {len(scripts)} scripted calls:\n"
        f"  p50 {p50:.2f} ms   p95 {p95:.2f} ms   max {times[-1]:.2f} ms   (goal: p95 < 20 ms on one core)"
    )


SCORING = ROOT / "tests" / "data" / "scoring_calls.yaml"


def scoring(path: Path = SCORING) -> str:
    """Item-level agreement between the scorer and a QA reviewer's judgments."""
    from .cli import replay_data
    from .yamlfile import load_file

    calls = load_file(path).data
    agree = total = 0
    disagreements = []
    per_item: dict[str, list[int]] = {}
    for call in calls:
        result = replay_data({"persona": _persona_of(call["lesson"]), **{
            k: call[k] for k in ("lesson", "seed", "turns", "hangup") if k in call}})
        ours = {it["id"]: it for it in result["scorecard"]["items"]}
        for item_id, judged in call["labels"].items():
            it = ours.get(item_id)
            got = bool(it and it["passed"])  # not applicable counts as no fault
            total += 1
            ok = got == judged
            agree += ok
            per_item.setdefault(item_id, [0, 0])[0] += ok
            per_item[item_id][1] += 1
            if not ok:
                where = f"turn {it['evidence_turn']}" if it and it["evidence_turn"] else ""
                disagreements.append(f"  {call['id']:4} {item_id:34} reviewer {'pass' if judged else 'miss'}, scorer "
                                     f"{'pass' if got else 'miss'} {where}")
    rows = [f"scoring: {len(calls)} calls, {total} item judgments by a QA reviewer",
            f"item-level agreement {agree}/{total} = {agree / total:.1%} (goal >= 90%)"]
    worst = sorted((a / n, i) for i, (a, n) in per_item.items() if a < n)
    if worst:
        rows.append("items with disagreements: " + ", ".join(f"{i} {r:.0%}" for r, i in worst))
    rows += ["disagreements:", *disagreements] if disagreements else []
    return "\n".join(rows)


def _persona_of(lesson_id: str) -> str:
    from .lesson import default_library

    return default_library().lesson(lesson_id).persona
