"""Cue rules: the hand-written part of the understanding layer (`content/cues.yaml`).

Per act: `cues` (regular expressions that find the act outright), `unless`
(patterns that veto the act however it was found), `negatable` (a cue right
after a negation does not count: "这不是您的问题" is not blame),
`unless_acts` (the act is dropped when one of these is also found: a refusal
with an alternative is not a flat refusal). Trainers add their own files with
the same shape (`TRAINER_CUES`); lists are appended per act.

Patterns are compiled with Python's `re` only after `regexsafe` has refused
shapes that can backtrack without end, and they run on lines cut to
`text.MAX_LINE` characters.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from . import regexsafe, vocabulary
from .text import Fillers

CUES_FILE = Path(__file__).parent / "content" / "cues.yaml"


class CueError(ValueError):
    """A cue file that cannot be used."""


@dataclass
class Rule:
    act: str
    cues: list[re.Pattern]  # find the act outright
    hints: list[re.Pattern]  # features for the learned matcher only
    unless: list[re.Pattern]
    negatable: bool
    unless_acts: list[str]


class CueRules:
    """Every act's rules from one or more cue files."""

    def __init__(self, files: Iterable[Path] = (CUES_FILE,), simplify=lambda s: s):
        data = _merge([_read(Path(p)) for p in files])
        settings = data.get("settings") or {}
        self.negations = sorted(settings.get("negations", []), key=len, reverse=True)
        self.window = int(settings.get("negation_window", 3))
        # 别 in 特别/区别/分别/个别 is no negation
        self._negation_re = re.compile(
            rf"(?<![特区分个告])(?:{'|'.join(map(re.escape, self.negations)) or '(?!)'})(?:是|会|能|要|用|必|太|怎么)?$"
        )
        fillers = data.get("fillers") or {}
        self.fillers = Fillers(tuple(fillers.get("anywhere", [])), tuple(fillers.get("clause_start", [])))
        known = vocabulary.acts()
        self.rules: dict[str, Rule] = {}
        for act, spec in (data.get("acts") or {}).items():
            if act not in known:
                raise CueError(f"cues: unknown act '{act}'{vocabulary.suggest(act, known)}")
            spec = spec or {}
            bad = [a for a in spec.get("unless_acts", []) if a not in known]
            if bad:
                raise CueError(f"cues: {act}: unless_acts: unknown act '{bad[0]}'{vocabulary.suggest(bad[0], known)}")
            self.rules[act] = Rule(
                act=act,
                cues=[_compile(act, c, simplify) for c in spec.get("cues", [])],
                hints=[_compile(act, c, simplify) for c in spec.get("hints", [])],
                unless=[_compile(act, c, simplify) for c in spec.get("unless", [])],
                negatable=bool(spec.get("negatable", False)),
                unless_acts=list(spec.get("unless_acts", [])),
            )

    def hits(self, text: str, decisive_only: bool = True) -> dict[str, str]:
        """act -> the cue text that found it, on a normalised line (`decisive_only`:
        only the cues that decide outright, not the hints the learned matcher weighs)."""
        found = {}
        for rule in self.rules.values():
            if self.vetoed(rule.act, text):
                continue
            for cue in (rule.cues if decisive_only else rule.cues + rule.hints):
                m = next((m for m in cue.finditer(text) if not (rule.negatable and self.negated(text, m.start()))), None)
                if m is not None:
                    found[rule.act] = m.group(0)
                    break
        return found

    def vetoed(self, act: str, text: str) -> bool:
        """An `unless` pattern of the act matches, or each of its cues in the line is negated."""
        rule = self.rules.get(act)
        if rule is None:
            return False
        if any(u.search(text) for u in rule.unless):
            return True
        if rule.negatable:
            spans = [m.start() for c in rule.cues + rule.hints for m in c.finditer(text)]
            return bool(spans) and all(self.negated(text, s) for s in spans)
        return False

    def drop_overridden(self, found: dict[str, str]) -> None:
        """Remove acts whose `unless_acts` were also found (in place)."""
        for rule in self.rules.values():
            if rule.act in found and any(a in found for a in rule.unless_acts):
                del found[rule.act]

    def negated(self, text: str, start: int) -> bool:
        """A negation right before the cue, allowing one auxiliary (不是, 没有, 不会…)."""
        before = text[max(0, start - self.window - 1) : start]
        return bool(before) and bool(self._negation_re.search(before))


def files() -> list[Path]:
    """The built-in cue file and the trainer's own (TRAINER_CUES, ':'-separated)."""
    extra = [Path(p) for p in os.environ.get("TRAINER_CUES", "").split(os.pathsep) if p]
    return [CUES_FILE, *extra]


def _compile(act: str, pattern, simplify) -> re.Pattern:
    if not isinstance(pattern, str) or len(pattern) > 300:
        raise CueError(f"cues: {act}: a cue must be a text of at most 300 characters")
    # cues are matched on normalised text, so normalise them the same way
    # (a trainer may type '，' or Traditional characters in a cue)
    pattern = simplify(unicodedata.normalize("NFKC", pattern))
    unsafe = regexsafe.problem(pattern)
    if unsafe:
        raise CueError(f"cues: {act}: {pattern!r} refused: {unsafe}")
    try:
        return re.compile(pattern)
    except re.error as e:
        raise CueError(f"cues: {act}: bad regular expression {pattern!r}: {e}") from None


def _read(path: Path) -> dict:
    from .yamlfile import FileProblem, load_file

    try:
        data = load_file(path).data
    except FileProblem as e:
        raise CueError(str(e)) from None
    if not isinstance(data, dict):
        raise CueError(f"{path}:1: a cue file is a mapping with 'acts' (and optional 'settings', 'fillers')")
    return data


def _merge(docs: list[dict]) -> dict:
    out: dict = {"settings": {}, "fillers": {"anywhere": [], "clause_start": []}, "acts": {}}
    for d in docs:
        out["settings"].update(d.get("settings") or {})
        for where, words in (d.get("fillers") or {}).items():
            out["fillers"].setdefault(where, []).extend(words or [])
        for act, spec in (d.get("acts") or {}).items():
            target = out["acts"].setdefault(act, {})
            for key, value in (spec or {}).items():
                if isinstance(value, list):
                    target[key] = target.get(key, []) + value
                else:
                    target[key] = value
    return out
