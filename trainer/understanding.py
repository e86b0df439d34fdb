"""What a trainee line does: its acts and its measures.

Chinese first: the line is normalised (Traditional -> Simplified with OpenCC,
full/half width with NFKC, fillers dropped, punctuation optional as in speech
recognition output), then four things run, all driven by data files:
  - cue rules (regular expressions, `content/cues.yaml`) with negation and
    veto handling,
  - a similarity matcher: character 2-3-gram TF-IDF against the cue file's
    example lines, so a paraphrase close to an example matches (explainable:
    the closest example is reported as evidence),
  - a learned matcher: one logistic regression per act over character 1-3-gram
    TF-IDF, trained at start-up (under a second, deterministic) on the labelled
    lines of `content/labelled_lines.yaml`; it catches phrasings no cue lists,
  - the question form of each clause (open / closed / rhetorical), measured.
Vetoes (negation, `unless`, `unless_acts`, `needs_question`) apply to every
source, so "这不是您的问题" is never blame however it was found.
These components are offline, small and deterministic: the same line always
gets the same acts.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import numpy as np
import opencc
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from . import regexsafe, vocabulary

CUES_FILE = Path(__file__).parent / "content" / "cues.yaml"
LINES_FILE = Path(__file__).parent / "content" / "labelled_lines.yaml"
FORM_ACTS = ("open_question", "closed_question")  # measured, never learned
MAX_LINE = 2000  # longer lines are cut before analysis (a 5,000-char paste must not stall a turn)

_CLAUSE_SPLIT = re.compile(r"[，。！？!?,.;；、~…\n]+|(?<=吗)")
_QUESTION_END = re.compile(r"[?？]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
# 几 asks only on its own: 好几次, 十几天, 几十 are amounts
_WH = re.compile(r"什么|怎么|怎样|为什么|为何|哪|(?<![好十几])几(?!十)[点天个次号位台张部种年月岁楼层遍]|多少|如何|谁|何时|何处|多久|多长")
_A_NOT_A = re.compile(r"(.)[不没]\1|对不对|是不是|好不好|行不行|可不可以|能不能|有没有|要不要|方不方便")
_CLOSED_END = re.compile(r"(吗|对吧|是吧)$")


@dataclass(frozen=True)
class Analysis:
    """The acts and measures of one trainee line."""

    line: str
    text: str
    acts: tuple[str, ...]
    chars: int
    questions: int
    open_questions: int
    closed_questions: int
    ni: int  # 你
    nin: int  # 您
    evidence: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def act_set(self) -> frozenset[str]:
        return frozenset(self.acts)

    def measures(self) -> dict:
        return {
            "chars": self.chars,
            "questions": self.questions,
            "open_questions": self.open_questions,
            "closed_questions": self.closed_questions,
            "ni": self.ni,
            "nin": self.nin,
        }


@dataclass
class _ActRule:
    act: str
    cues: list[re.Pattern]
    unless: list[re.Pattern]
    negatable: bool
    needs_question: bool
    unless_acts: list[str]
    threshold: float | None


class CueError(ValueError):
    """A cue file that cannot be used."""


class Understanding:
    """Turns lines into acts; build once, call `analyze` per line."""

    def __init__(
        self,
        cue_files: Iterable[Path] = (CUES_FILE,),
        use_similarity: bool = True,
        training: Iterable[tuple[str, Iterable[str]]] | None = None,
    ):
        data = _merge([_read_cues(Path(p)) for p in cue_files])
        settings = data.get("settings", {})
        self.threshold = float(settings.get("similarity_threshold", 0.6))
        self.negations = sorted(settings.get("negations", []), key=len, reverse=True)
        self.window = int(settings.get("negation_window", 3))
        # 别 in 特别/区别/分别/个别 is no negation
        self._negation_re = re.compile(
            rf"(?<![特区分个告])(?:{'|'.join(map(re.escape, self.negations))})(?:是|会|能|要|用|必|太|怎么)?$"
        )
        fillers = data.get("fillers") or {}
        anywhere = sorted(fillers.get("anywhere", []), key=len, reverse=True)
        at_start = sorted(fillers.get("clause_start", []), key=len, reverse=True)
        self._filler_re = re.compile(
            "|".join(
                ([f"(?:{'|'.join(map(re.escape, anywhere))})+"] if anywhere else [])
                + ([rf"(?:^|(?<=[,.!?;:。、\s]))(?:{'|'.join(map(re.escape, at_start))})+"] if at_start else [])
            )
            or "(?!)"
        )
        self._t2s = opencc.OpenCC("t2s")
        known = vocabulary.acts()
        self.rules: list[_ActRule] = []
        examples: list[tuple[str, str]] = []
        for act, spec in data.get("acts", {}).items():
            if act not in known:
                raise CueError(f"cues: unknown act '{act}'{vocabulary.suggest(act, known)}")
            self.rules.append(
                _ActRule(
                    act=act,
                    cues=[_compile(act, c, self._t2s) for c in spec.get("cues", [])],
                    unless=[_compile(act, c, self._t2s) for c in spec.get("unless", [])],
                    negatable=bool(spec.get("negatable", False)),
                    needs_question=bool(spec.get("needs_question", False)),
                    unless_acts=list(spec.get("unless_acts", [])),
                    threshold=spec.get("threshold"),
                )
            )
            examples += [(act, self.normalize(e)) for e in spec.get("examples", [])]
        self._order = {a: i for i, a in enumerate(known)}
        self._rules_by_act = {r.act: r for r in self.rules}
        self._examples = examples
        self._vectorizer = None
        if use_similarity and examples:
            self._vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True)
            self._matrix = self._vectorizer.fit_transform([e for _, e in examples])
        learned = settings.get("learned", {})
        self.learned_threshold = float(learned.get("threshold", 0.6))
        self._learned = None
        if training is None and use_similarity:
            training = load_lines(LINES_FILE)
        if training:
            self._learned = self._train(list(training), float(learned.get("C", 5.0)))

    def _train(self, lines: list[tuple[str, Iterable[str]]], c: float):
        """One-vs-rest logistic regression; coefficients stacked for a fast predict."""
        texts = [self.normalize(line) for line, _ in lines]
        labels = [set(acts) for _, acts in lines]
        acts = [a for a in self._order if a not in FORM_ACTS and sum(a in g for g in labels) >= 3]
        vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        x = vec.fit_transform(texts)
        coef, bias = [], []
        for act in acts:
            y = np.array([act in g for g in labels])
            model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(x, y)
            coef.append(model.coef_[0])
            bias.append(model.intercept_[0])
        return vec, np.array(coef).T, np.array(bias), acts

    # -- normalisation ----------------------------------------------------------
    def normalize(self, line: str) -> str:
        """Simplified, half-width, no control characters or fillers, spaces folded."""
        text = unicodedata.normalize("NFKC", str(line)[:MAX_LINE])
        text = _CONTROL.sub("", text)
        text = self._t2s.convert(text)
        text = re.sub(r"\s+", " ", text).strip()
        text = self._filler_re.sub("", text)
        text = re.sub(r"\s+", " ", text).strip().lower()
        return text

    # -- analysis ---------------------------------------------------------------
    def analyze(self, line: str) -> Analysis:
        text = self.normalize(line)
        open_q, closed_q, rhetorical, choice = self._questions(text)
        asks = open_q + closed_q > 0
        found: dict[str, str] = {}
        for rule in self.rules:
            if rule.needs_question and not asks:
                continue
            hit = self._cue_hit(rule, text)
            if hit is not None:
                found[rule.act] = f"cue: {hit}"
        if self._vectorizer is not None and text:
            for act, (score, example) in self._similar(text).items():
                rule = self._rule(act)
                need = rule.threshold if rule and rule.threshold is not None else self.threshold
                if act in found or score < need or rule is None:
                    continue
                if not self._allowed(rule, text, asks):
                    continue
                found[act] = f"like: {example} ({score:.2f})"
        if self._learned is not None and text:
            for act, p in self._learned_probs(text):
                rule = self._rule(act)
                if act in found or p < self.learned_threshold or rule is None or not self._allowed(rule, text, asks):
                    continue
                found[act] = f"learned ({p:.2f})"
        for rule in self.rules:
            if rule.act in found and any(a in found for a in rule.unless_acts):
                del found[rule.act]
        if "forbidden_phrase" in found:  # "你这不是为难我吗" is not a question to answer
            open_q = closed_q = 0
        if rhetorical or "rhetorical_question" in found:
            found.setdefault("rhetorical_question", "form: rhetorical")
            open_q = closed_q = 0
        if choice and closed_q:
            found.setdefault("offer_options", "form: choice question (A还是B)")
        if open_q:
            found["open_question"] = "form: wh-question"
        if closed_q:
            found["closed_question"] = "form: yes/no or choice question"
        acts = tuple(sorted(found, key=lambda a: self._order.get(a, 999)))
        return Analysis(
            line=str(line),
            text=text,
            acts=acts,
            chars=len(re.sub(r"[\s\W_]", "", text)),
            questions=open_q + closed_q,
            open_questions=open_q,
            closed_questions=closed_q,
            ni=text.count("你"),
            nin=text.count("您"),
            evidence=found,
        )

    def _allowed(self, rule: _ActRule, text: str, asks: bool) -> bool:
        """Vetoes for an act found without a cue (similar or learned)."""
        if rule.needs_question and not asks:
            return False
        if any(u.search(text) for u in rule.unless):
            return False
        return not (rule.negatable and self._negated_all(rule, text))

    def _learned_probs(self, text: str) -> list[tuple[str, float]]:
        vec, coef, bias, acts = self._learned
        z = (vec.transform([text]) @ coef).ravel() + bias
        probs = 1.0 / (1.0 + np.exp(-z))
        return list(zip(acts, probs.tolist()))

    def _rule(self, act: str) -> _ActRule | None:
        return self._rules_by_act.get(act)

    def _cue_hit(self, rule: _ActRule, text: str) -> str | None:
        if any(u.search(text) for u in rule.unless):
            return None
        for cue in rule.cues:
            for m in cue.finditer(text):
                if rule.negatable and self._negated(text, m.start()):
                    continue
                return m.group(0)
        return None

    def _negated(self, text: str, start: int) -> bool:
        """A negation right before the cue, allowing one auxiliary (不是, 没有, 不会…)."""
        before = text[max(0, start - self.window - 1) : start]
        return bool(before) and bool(self._negation_re.search(before))

    def _negated_all(self, rule: _ActRule, text: str) -> bool:
        spans = [m.start() for c in rule.cues for m in c.finditer(text)]
        return bool(spans) and all(self._negated(text, s) for s in spans)

    def _similar(self, text: str) -> dict[str, tuple[float, str]]:
        vec = self._vectorizer.transform([text])
        scores = (self._matrix @ vec.T).toarray().ravel()
        best: dict[str, tuple[float, str]] = {}
        for (act, example), score in zip(self._examples, scores):
            if score > best.get(act, (0.0, ""))[0]:
                best[act] = (float(score), example)
        return best

    def _questions(self, text: str) -> tuple[int, int, bool, bool]:
        """Count open and closed question clauses; flag a rhetorical form.

        With punctuation, a clause asks only if its sentence ends in '?' (or it
        ends in 吗); without any (speech recognition output), the clause's own
        words decide.
        """
        open_q = closed_q = 0
        rhetorical = choice = False
        punctuated = bool(re.search(r"[。！!？?，,]", text))
        pieces = [p for p in re.split(r"(?<=[?？。！!；;])", text) if p.strip()]
        for piece in pieces:
            asked = bool(_QUESTION_END.search(piece))
            clauses = [c.strip() for c in _CLAUSE_SPLIT.split(piece) if c.strip()]
            seen_question = False
            for i, clause in enumerate(clauses):
                if re.search(r"难道|还用问|怎么可能|^谁让", clause):
                    rhetorical = rhetorical or not clause.startswith("谁让")
                    continue
                kind = _clause_kind(clause, asked, i == len(clauses) - 1, punctuated, seen_question)
                seen_question = seen_question or kind is not None
                if kind == "choice":
                    choice, kind = True, "closed"
                if kind == "open":
                    open_q += 1
                elif kind == "closed":
                    closed_q += 1
        return open_q, closed_q, rhetorical, choice


def _embedded(clause: str, start: int) -> bool:
    """A question word inside a statement: 看看能不能, 不知道什么, 哪里投诉都一样."""
    before = clause[:start]
    return bool(
        re.search(r"看看|查查|查一下|看一下|知道|不管|无论|不论|试试|了解一下|想问|问一下", before)
        or re.search(r"[不没]", before)
        or re.search(r"[都也]", clause[start:])
    )


def _clause_kind(clause: str, asked: bool, last: bool, punctuated: bool, seen: bool) -> str | None:
    """'open', 'closed' or None for one clause of a sentence.

    `asked`: the sentence ends in '?'; `seen`: an earlier clause of it already
    asked, so the '?' belongs to that question.
    """
    marked = asked and last and not seen  # the clause that carries the '?'
    if _CLOSED_END.search(clause):
        return "closed"
    may_ask = asked or not punctuated
    choice = re.search(r"(是|选|要|想|看|希望).{0,14}还是|^还是.{1,14}|还是.{1,10}(方便|合适|好)$", clause)
    if choice and may_ask:
        return "choice"
    a_not_a = _A_NOT_A.search(clause)
    if a_not_a and may_ask and not _embedded(clause, a_not_a.start()) and "信不信" not in clause:
        return "closed"
    wh = _WH.search(clause)
    if wh and not _embedded(clause, wh.start()):
        if asked or clause.startswith("请问") or (not punctuated and not re.search(r"[是了的]$", clause)):
            return "open"
    if marked:
        return "closed"
    return None


def _compile(act: str, pattern: str, t2s: opencc.OpenCC) -> re.Pattern:
    if not isinstance(pattern, str) or len(pattern) > 300:
        raise CueError(f"cues: {act}: a cue must be a text of at most 300 characters")
    # cues are matched on normalised text, so normalise them the same way
    # (a trainer may type '，' or Traditional characters in a cue)
    pattern = t2s.convert(unicodedata.normalize("NFKC", pattern))
    unsafe = regexsafe.problem(pattern)
    if unsafe:
        raise CueError(f"cues: {act}: {pattern!r} refused: {unsafe}")
    try:
        return re.compile(pattern)
    except re.error as e:
        raise CueError(f"cues: {act}: bad regular expression {pattern!r}: {e}") from None


def _read_cues(path: Path) -> dict:
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


def load_lines(path: str | Path) -> list[tuple[str, list[str]]]:
    """Labelled lines `- [line, [acts]]`, as in labelled_lines.yaml."""
    from .yamlfile import FileProblem, load_file

    try:
        data = load_file(path).data
    except FileProblem as e:
        raise CueError(str(e)) from None
    known = vocabulary.acts()
    out = []
    for i, item in enumerate(data or []):
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[1], list)):
            raise CueError(f"{path}: item {i}: expected [line, [acts]]")
        bad = [a for a in item[1] if a not in known]
        if bad:
            raise CueError(f"{path}: item {i}: unknown act '{bad[0]}'{vocabulary.suggest(bad[0], known)}")
        out.append((str(item[0]), list(item[1])))
    return out


def cue_files() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("TRAINER_CUES", "").split(os.pathsep) if p]
    return [CUES_FILE, *extra]


@lru_cache(maxsize=1)
def default_understanding() -> Understanding:
    return Understanding(cue_files())
