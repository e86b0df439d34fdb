"""Labelled lines as the recognizer hears them.

Trainees speak; what reaches the understanding layer is the recognizer's
text, with its slips (同音字, dropped words, no punctuation). To learn and test
on that, corpus lines are spoken by the product's own voice and recognized
by the product's own recognizer; a recognized line keeps its original's labels
and writer (so cross-validation never splits a line from its spoken twin)
when it is close enough to the original for the labels to hold.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

import jiwer

from ..corpus import Labelled
from .recognition import tidy
from .speech import Delivery

# a trainee-like delivery: the product's voice at a calm, even pace
TRAINEE = Delivery(language="zh", gender="female", rate=165, volume=0.8, pitch=55)
MAX_CER = 0.35  # beyond this the recognized words may no longer carry the labelled acts


def comparable(text: str) -> str:
    """Text reduced to what a character error rate should compare (numbers as words)."""
    import cn2an

    text = tidy(text)
    try:
        text = cn2an.transform(text, "an2cn")
    except Exception:  # cn2an gives up on odd digit runs
        pass
    return re.sub(r"[^\w]", "", text).lower()


def cer(reference: str, hypothesis: str) -> float:
    ref, hyp = comparable(reference), comparable(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return min(1.0, jiwer.cer(ref, hyp or "∅"))


def spoken(lines: Iterable[Labelled], speaker, recognizer, delivery: Delivery = TRAINEE,
           max_cer: float = MAX_CER) -> Iterator[tuple[Labelled, Labelled | None, float]]:
    """(original, its recognized twin or None when too far off, the error rate)."""
    from .audio import AudioProblem

    for x in lines:
        try:
            heard = recognizer.hear(speaker.audio(x.line, delivery)).text
        except AudioProblem:
            yield x, None, 1.0
            continue
        rate = cer(x.line, heard)
        twin = Labelled(heard, x.acts, x.writer, "asr_voice", x.domain) if rate <= max_cer else None
        yield x, twin, rate
