"""What a trainee line does: its acts and its measures.

    line ──text.Reader──▶ normalised text ──▶ clauses
                                   │              │
                     cue rules (cues.py)     learned matcher (actmodel.py):
                     find acts outright      the whole line, each clause and each
                     and veto them           pair of clauses, a threshold per act
                                   │              │
                                   └──── acts ◀───┘ + question form (questions.py)

Everything is data: `content/cues.yaml` (rules, vetoes, fillers) and the
trained model `content/model/acts.npz` (learned from the labelled corpus in
`content/corpus/`, see `training.py`). Vetoes (negation, `unless`,
`unless_acts`) apply to acts however they were found, so "这不是您的问题" is
never blame. The same line always gets the same acts from the same model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from . import cues as cue_rules
from .actmodel import FORM_ACTS, ActModel, features
from .cues import CUES_FILE, CueError, CueRules  # noqa: F401  (re-exported)
from .questions import question_form
from .text import MAX_LINE, Reader, content  # noqa: F401  (MAX_LINE re-exported)
from . import vocabulary

MODEL_FILE = Path(__file__).parent / "content" / "model" / "acts.npz"


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


class Understanding:
    """Turns lines into acts; build once, call `analyze` per line.

    `model`: the learned matcher (an ActModel), None for the bundled one, or
    False for rules alone.
    """

    def __init__(self, cue_files: Iterable[Path] = (CUES_FILE,), model: ActModel | None | bool = None):
        self.reader = Reader()
        self.cues = CueRules(cue_files, simplify=self.reader.simplified)
        self.reader = Reader(self.cues.fillers)
        if model is None:
            model = bundled_model()
        self.model: ActModel | None = model or None
        self._order = {a: i for i, a in enumerate(vocabulary.acts())}

    @property
    def model_id(self) -> str:
        return (self.model.meta.get("id") if self.model else None) or "rules"

    def normalize(self, line: str) -> str:
        """Simplified, half-width, no control characters or fillers, spaces folded."""
        return self.reader.normalize(line)

    # -- analysis ---------------------------------------------------------------
    def analyze(self, line: str) -> Analysis:
        text = self.reader.normalize(line)
        clauses = self.reader.clauses(text)
        form = question_form(text, self.reader.clauses)
        plain = text.replace("你", "您")  # what the rules read: 你 and 您 are one word to them too
        found = {act: f"cue: {hit}" for act, hit in self.cues.hits(plain, decisive_only=True).items()}
        if self.model is not None and clauses:
            for act, why in self._learned(text, clauses).items():
                if act not in found and not self.cues.vetoed(act, plain):
                    found[act] = why
        self.cues.drop_overridden(found)
        open_q, closed_q = form.open, form.closed
        if form.rhetorical or "rhetorical_question" in found:
            found.setdefault("rhetorical_question", "form: rhetorical")
            open_q = closed_q = 0
        for act in FORM_ACTS:
            found.pop(act, None)
        if open_q:
            found["open_question"] = "form: wh-question"
        if closed_q:
            found["closed_question"] = "form: yes/no, tag or choice question"
        acts = tuple(sorted(found, key=lambda a: self._order.get(a, 999)))
        bare = "".join(ch for ch in text if ch.isalnum())
        return Analysis(
            line=str(line),
            text=text,
            acts=acts,
            chars=len(bare),
            questions=open_q + closed_q,
            open_questions=open_q,
            closed_questions=closed_q,
            ni=text.count("你"),
            nin=text.count("您"),
            evidence={a: found[a] for a in acts},
        )

    def stretches(self, text: str, clauses: list[str]) -> tuple[list[list[str]], list[str]]:
        """The features of the whole line, of each clause and of each pair of
        neighbouring clauses, with the text each stands for. What the cue rules
        find in a stretch is a feature too: the matcher learns how far to trust it."""
        cl = [content(c) for c in clauses]
        out = [features(cl, _form_tag(text, self.reader)) + self._cue_features(text)]
        shown = [text]
        if len(cl) > 1:
            for i, c in enumerate(cl):
                out.append(features([c], _form_tag(clauses[i], self.reader)) + self._cue_features(clauses[i]))
                shown.append(clauses[i])
                if len(cl) > 2 and i + 1 < len(cl):
                    pair = " ".join(clauses[i : i + 2])
                    out.append(features(cl[i : i + 2]) + self._cue_features(pair))
                    shown.append(pair)
        return out, shown

    def _cue_features(self, text: str) -> list[str]:
        return ["c:" + act for act in self.cues.hits(text.replace("你", "您"), decisive_only=False)]

    def _learned(self, text: str, clauses: list[str]) -> dict[str, str]:
        """Acts whose score reaches their threshold, each with the clause that speaks for it most."""
        stretches, shown = self.stretches(text, clauses)
        p = self.model.probabilities(stretches)
        best, _ = self.model.best_of(p)
        out = {}
        for j, (act, score, t) in enumerate(zip(self.model.acts, best, self.model.thresholds)):
            if score >= t:
                w = 1 + int(p[1:, j].argmax()) if len(p) > 1 else 0
                out[act] = f"learned {score:.2f}" + (f" 「{shown[w]}」" if w else "")
        return out


def _form_tag(text: str, reader: Reader) -> str:
    """The question form of a stretch as one feature (the matcher learns what it means)."""
    q = question_form(text, reader.clauses)
    return "rhetorical" if q.rhetorical else ("open" if q.open else "") + ("closed" if q.closed else "")


@lru_cache(maxsize=1)
def bundled_model() -> ActModel | bool:
    """The model trained on the bundled corpus (False when it is missing: rules alone)."""
    return ActModel.load(MODEL_FILE) if MODEL_FILE.exists() else False


@lru_cache(maxsize=4)
def understanding_for(model_key: str = "bundled", store_url: str | None = None) -> Understanding:
    """One Understanding per model: the bundled one, or one a trainer trained
    (stored in the database at `store_url`, see training.py)."""
    if model_key == "bundled":
        return Understanding(cue_rules.files())
    from .store import _store
    from .training import stored_model

    return Understanding(cue_rules.files(), stored_model(model_key, _store(store_url) if store_url else None))


def default_understanding() -> Understanding:
    """The bundled model with the configured cue files (what the command line uses)."""
    return understanding_for("bundled")
