"""Benchmarks (`python -m trainer bench ...`): measured, never timed tests."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from .evaluation import evaluate, keyword_baseline, load_labelled, macro_f1, report

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "understanding_dev.yaml"
HELDOUT = ROOT / "tests" / "data" / "understanding_heldout.yaml"


def understanding(show_errors: bool = False) -> str:
    """Per-act P/R/F1 and macro-F1 on the dev and held-out sets, beside a keyword baseline."""
    from .understanding import default_understanding

    u = default_understanding()
    out = []
    for name, path, note in (
        ("dev set", DEV, "seen: the rules were tuned and the learned matcher trained on these lines"),
        ("held-out set", HELDOUT, "unseen: written after the rules were frozen; the number that counts"),
    ):
        data = load_labelled(path)
        scores, errors = evaluate(lambda line: u.analyze(line).acts, data)
        base, _ = evaluate(keyword_baseline, data)
        out.append(f"== {name} ({len(data)} lines; {note})")
        out.append(report(path.name, scores, base))
        if show_errors:
            out += [f"  {line}\n    gold {gold}\n    got  {got}" for line, gold, got in errors]
        out.append("")
    heldout = macro_f1(evaluate(lambda line: u.analyze(line).acts, load_labelled(HELDOUT))[0])
    out.append(f"held-out macro-F1 {heldout:.3f} (goal >= 0.90)")
    return "\n".join(out)


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
