"""Voice benchmark (run by bench/run; never a timed test).

1. Time to the customer's audio for a scripted line: uncached (the engine
   synthesizes it), cached in memory (the same server), cached on disk (a
   restarted server), and a reply after the call's lines were made ahead.
   Goal: cached under 10 ms.
2. Speech-to-text real-time factor (recognition time / audio length) of the
   whole `hear` path (checks, prosody, recognition) on ~5 s utterances, with the
   configured threads (2). Goal: under 0.3.
3. Character error rate of the offline recognizer on the espeak-ng utterances
   of tests/data/voice_lines.yaml (35 typical agent lines). Both sides are
   compared as Simplified Chinese, numbers as Chinese numerals, no punctuation.

    .venv/bin/python bench/voice.py [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cn2an  # noqa: E402
import jiwer  # noqa: E402
import yaml  # noqa: E402

from trainer.persona import load_by_id  # noqa: E402
from trainer.practice import Practice  # noqa: E402
from trainer.voice.recognition import Recognizer, tidy  # noqa: E402
from trainer.voice.speech import Delivery, Speaker, delivery_for  # noqa: E402

TRAINEE = Delivery(gender="female", rate=125, volume=0.9)  # espeak-ng's female Mandarin, a little slow


def ms(seconds: list[float]) -> dict:
    xs = sorted(s * 1000 for s in seconds)
    return {"n": len(xs), "median_ms": round(statistics.median(xs), 3),
            "p95_ms": round(xs[min(len(xs) - 1, int(0.95 * len(xs)))], 3), "max_ms": round(xs[-1], 3)}


def customer_audio() -> dict:
    persona = load_by_id("complainer")
    lines = persona.customer_lines()
    d = delivery_for(persona.voice, persona.mood)
    with tempfile.TemporaryDirectory() as cache:
        speaker = Speaker(cache_dir=Path(cache))
        uncached, memory, disk = [], [], []
        for line in lines:
            t = time.perf_counter()
            speaker.audio(line, d)
            uncached.append(time.perf_counter() - t)
        for line in lines:
            t = time.perf_counter()
            speaker.audio(line, d)
            memory.append(time.perf_counter() - t)
        restarted = Speaker(cache_dir=Path(cache))
        for line in lines:
            t = time.perf_counter()
            restarted.audio(line, d)
            disk.append(time.perf_counter() - t)
    with tempfile.TemporaryDirectory() as data, tempfile.TemporaryDirectory() as cache:
        import os

        before = os.environ.get("TRAINER_DATA_DIR")
        os.environ["TRAINER_DATA_DIR"] = data  # the calls' database; the model stays where it is
        speaker = Speaker(cache_dir=Path(cache))
        lesson_calls = []
        from trainer.lesson import default_library

        for lid in ["complainer", "expert", "legalistic", "rushed", "escalator"]:
            p = Practice.start(lid, user="bench", seed=1)
            p.prepare_voice(speaker)
            speaker.drain()
            for line in default_library().lesson(lid).model_call.turns:
                if p.ended:
                    break
                p.say(line)
                t = time.perf_counter()
                p.customer_audio(speaker)
                lesson_calls.append(time.perf_counter() - t)
        if before is None:
            os.environ.pop("TRAINER_DATA_DIR")
        else:
            os.environ["TRAINER_DATA_DIR"] = before
    return {"lines": len(lines), "uncached": ms(uncached), "cached_memory": ms(memory), "cached_disk": ms(disk),
            "reply_after_prefetch": ms(lesson_calls)}


def norm(text: str) -> str:
    text = tidy(text)
    try:
        text = cn2an.transform(text, "an2cn")
    except Exception:
        pass
    return re.sub(r"[^\w]", "", text).lower()


def recognition() -> dict:
    with open(ROOT / "tests" / "data" / "voice_lines.yaml", encoding="utf-8") as f:
        lines = [x["text"] for x in yaml.safe_load(f)["lines"]]
    recognizer = Recognizer()
    ok, why = recognizer.status()
    if not ok:
        return {"error": why}
    with tempfile.TemporaryDirectory() as cache:
        speaker = Speaker(cache_dir=Path(cache))
        clips = [speaker.audio(text, TRAINEE) for text in lines]
    recognizer.hear(clips[0])  # load the model once, as a running server has it
    rows = []
    for text, data in zip(lines, clips):
        t = time.perf_counter()
        heard = recognizer.hear(data)
        took = time.perf_counter() - t
        rows.append({"ref": text, "hyp": heard.text, "seconds": heard.metrics["seconds"], "took": took,
                     "cer": min(1.0, jiwer.cer(norm(text), norm(heard.text) or "∅"))})
    five = [r for r in rows if 4.0 <= r["seconds"] <= 6.0]
    ref = "".join(norm(r["ref"]) for r in rows)
    total_cer = sum(jiwer.cer(norm(r["ref"]), norm(r["hyp"]) or "∅") * len(norm(r["ref"])) for r in rows) / len(ref)
    return {
        "engine": why,
        "utterances": len(rows),
        "rtf_5s": {"n": len(five), "median": round(statistics.median(r["took"] / r["seconds"] for r in five), 3),
                   "max": round(max(r["took"] / r["seconds"] for r in five), 3),
                   "mean_seconds": round(statistics.mean(r["seconds"] for r in five), 2)},
        "rtf_all": round(sum(r["took"] for r in rows) / sum(r["seconds"] for r in rows), 3),
        "cer": round(total_cer, 3),
        "cer_median_line": round(statistics.median(r["cer"] for r in rows), 3),
        "worst": sorted(rows, key=lambda r: -r["cer"])[:5],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    audio = customer_audio()
    print(f"customer audio for a scripted line ({audio['lines']} complainer lines):")
    for k in ("uncached", "cached_memory", "cached_disk", "reply_after_prefetch"):
        v = audio[k]
        print(f"  {k:22} median {v['median_ms']:8.3f} ms   p95 {v['p95_ms']:8.3f} ms   max {v['max_ms']:8.3f} ms")
    rec = recognition()
    if "error" in rec:
        print(f"speech to text: {rec['error']}")
    else:
        r = rec["rtf_5s"]
        print(f"speech to text: {rec['engine']}")
        print(f"  real-time factor, {r['n']} utterances of ~{r['mean_seconds']} s: median {r['median']}, "
              f"max {r['max']} (all {rec['utterances']}: {rec['rtf_all']})")
        print(f"  character error rate over {rec['utterances']} espeak-ng utterances: {rec['cer']} "
              f"(median line {rec['cer_median_line']})")
        for w in rec["worst"][:3]:
            print(f"    worst: {w['ref']} -> {w['hyp']} ({w['cer']:.2f})")
    if args.json:
        Path(args.json).write_text(json.dumps({"customer_audio": audio, "recognition": rec}, ensure_ascii=False,
                                              indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
