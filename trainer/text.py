"""A trainee line as the understanding layer reads it: normalised, in clauses.

Typed lines and speech-recognition output must look alike here, so the same
words give the same acts however they arrived: Traditional becomes Simplified
(OpenCC), full width becomes half width (NFKC), control characters go,
fillers (嗯, 呃, 那个, 就是说 …) and stutters (要不就要不就是) are dropped, and
punctuation is optional — a clause ends at punctuation, at a pause (a space in
recognizer output) or, in a long run of unpunctuated speech, before a word
that starts a new clause (然后, 但是, 请问 …).

`content()` is the text the act classifier reads: 你 and 您 are one word there
(politeness is measured, never learned) and digits are one digit (an amount
is an amount).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import opencc

MAX_LINE = 2000  # longer lines are cut before analysis (a 5,000-char paste must not stall a turn)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u2060\ufeff]")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# 要不就 要不就是 -> 要不就是: a word said again at once (never a single character: 谢谢, 看看;
# never across punctuation: 你好，您好)
_STUTTER = re.compile(r"(\w{2,6}?)(?: ?\1)+")
_TRIPLE = re.compile(r"(.)\1{2,}")  # 对对对对 -> 对对
_PUNCT = r"，。！？!?,.;；、~～…\n：:（）()【】\[\]《》“”\"'‘’"
_CLAUSE_END = re.compile(rf"[{_PUNCT}]+|\s+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-z]{2,}")
_DIGIT = re.compile(r"\d")
# words that open a new clause in unpunctuated speech; a run longer than
# SOFT_SPLIT characters is cut before them
SOFT_SPLIT = 18
_OPENERS = re.compile(
    r"(?<=.{4})(?=然后|但是|不过|另外|所以|因为|如果|要是|那么|请问|您好|你好|麻烦您|麻烦你|"
    r"对不起|不好意思|抱歉|非常抱歉|谢谢|感谢|我这边|我们这边|这边帮|这边给|我帮您|我给您|建议您|您看|"
    r"还有其他|还有什么|祝您|再见)"
)


@dataclass(frozen=True)
class Fillers:
    """Filler words dropped before analysis (content/cues.yaml `fillers`)."""

    anywhere: tuple[str, ...] = ("嗯", "呃")
    clause_start: tuple[str, ...] = ()

    def pattern(self) -> re.Pattern:
        anywhere = sorted(self.anywhere, key=len, reverse=True)
        at_start = sorted(self.clause_start, key=len, reverse=True)
        parts = []
        if anywhere:
            parts.append(f"(?:{'|'.join(map(re.escape, anywhere))})+")
        if at_start:
            parts.append(rf"(?:^|(?<=[{_PUNCT}\s]))(?:{'|'.join(map(re.escape, at_start))})+")
        return re.compile("|".join(parts) or "(?!)")


class Reader:
    """Normalises lines and cuts them into clauses; build once, use for every line."""

    def __init__(self, fillers: Fillers = Fillers()):
        self._t2s = opencc.OpenCC("t2s")
        self._fillers = fillers.pattern()

    def simplified(self, text: str) -> str:
        return self._t2s.convert(text)

    def normalize(self, line: str) -> str:
        """Simplified, half-width, lower case, no control characters, fillers or stutters,
        spaces folded (a space is kept: in recognizer output it is a pause)."""
        text = unicodedata.normalize("NFKC", str(line)[:MAX_LINE])
        text = _CONTROL.sub("", _ANSI.sub("", text))
        text = self._t2s.convert(text)
        text = re.sub(r"\s+", " ", text).strip()
        text = self._fillers.sub("", text)
        text = _STUTTER.sub(r"\1", text)
        text = _TRIPLE.sub(r"\1\1", text)
        return re.sub(r"\s+", " ", text).strip().lower()

    def clauses(self, text: str) -> list[str]:
        """The clauses of a normalised line, in order."""
        out: list[str] = []
        for piece in _CLAUSE_END.split(text):
            piece = piece.strip()
            if not piece:
                continue
            if len(piece) > SOFT_SPLIT:
                out += [p for p in _OPENERS.split(piece) if p]
            else:
                out.append(piece)
        return out


# an amount said in words (三十八块, 幺零零八六, 十一月三号) reads like one typed in digits
_SPOKEN_NUMBER = re.compile(
    r"[零〇一二两三四五六七八九十百千幺][零〇一二两三四五六七八九十百千万幺]+|[一二两三四五六七八九十](?=[块元毛角号月日点兆个gG年岁度])"
)


def content(text: str) -> str:
    """What the act classifier reads: 你 is 您, a number is 0 (in digits or in words)."""
    text = _SPOKEN_NUMBER.sub("0", text.replace("你", "您"))
    return _DIGIT.sub("0", text)


def script_of(line: str) -> str:
    """'chinese' when the line has a Chinese character; else 'latin' (English and
    other words), 'empty' (nothing to read: emoji, symbols, whitespace)."""
    text = unicodedata.normalize("NFKC", str(line))
    if _CJK.search(text):
        return "chinese"
    if _LATIN_WORD.search(text.lower()) or re.search(r"\d", text):
        return "latin"
    return "empty"
