"""Is a recognized line speech at all?

A recognizer fed an unclear voice can return characters that have nothing to
do with what was said: a run of rare characters (「铁银铸铵链铅铳铲……」), one
syllable repeated, or a stock phrase it learned from subtitles (「请不吝点赞
订阅」). Sent as the trainee's line, that would be understood as something and
scored. Such a line is refused with "not recognized, please repeat" instead.

The checks are about the text alone, so they hold for any engine:
- too few of its characters are ones agents use (the characters of the
  labelled corpus, the personas and the lessons: everyday Chinese);
- it repeats itself (few distinct character pairs for its length);
- it is one of the recognizer's known stock phrases (content/voice.yaml).
"""

from __future__ import annotations

import re
from functools import lru_cache

MIN_KNOWN_SHARE = 0.6  # of a line's Chinese characters, at least this share must be everyday ones
MIN_DISTINCT_PAIRS = 0.4  # distinct character pairs / all pairs, for lines of 12+ characters

_CJK = re.compile(r"[\u3400-\u9fff]")


def problem(text: str) -> str | None:
    """Why the recognized text is not a line to send ('junk', 'repeats', 'stock_phrase',
    'no_words'), or None when it reads like speech."""
    core = re.sub(r"[^\w]", "", text or "").lower()
    if not core:
        return "no_words"
    if any(p in core for p in _stock_phrases()):
        return "stock_phrase"
    cjk = _CJK.findall(core)
    if not cjk:
        return None if re.search(r"[a-z]{2,}|\d", core) else "no_words"
    known = _inventory()
    if len(cjk) >= 3 and sum(c in known for c in cjk) / len(cjk) < MIN_KNOWN_SHARE:
        return "junk"
    if len(core) >= 12:
        pairs = [core[i : i + 2] for i in range(len(core) - 1)]
        if len(set(pairs)) / len(pairs) < MIN_DISTINCT_PAIRS:
            return "repeats"
    return None


@lru_cache(maxsize=1)
def _stock_phrases() -> tuple[str, ...]:
    from .config import voice_content

    return tuple(re.sub(r"[^\w]", "", p).lower() for p in voice_content()["recognition"].get("junk_phrases", []))


@lru_cache(maxsize=1)
def _inventory() -> frozenset[str]:
    """Every Chinese character of the corpus, the personas and the lessons (Simplified)."""
    from pathlib import Path

    from .. import corpus

    chars: set[str] = set()
    for x in corpus.bundled():
        chars.update(_CJK.findall(x.line))
    root = Path(__file__).resolve().parents[2]
    for folder in (root / "personas", root / "lessons", root / "lessons" / "checklists"):
        for f in folder.glob("*.yaml"):
            chars.update(_CJK.findall(f.read_text(encoding="utf-8")))
    from ..text import Reader

    simplified = Reader().simplified("".join(sorted(chars)))
    return frozenset(chars) | frozenset(simplified)
