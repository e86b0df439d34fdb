"""Measuring the understanding layer against labelled lines (per-act P/R/F1)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from . import vocabulary
from .yamlfile import load_file

Labelled = list[tuple[str, set[str]]]


def load_labelled(path: str | Path) -> Labelled:
    data = load_file(path).data
    return [(str(line), set(acts or [])) for line, acts in data]


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(predict: Callable[[str], Iterable[str]], data: Labelled) -> tuple[dict[str, Score], list]:
    """Per-act scores over the acts that occur in the gold labels or predictions."""
    scores: dict[str, Score] = {a: Score() for a in vocabulary.acts()}
    errors = []
    for line, gold in data:
        pred = set(predict(line))
        for a in pred & gold:
            scores[a].tp += 1
        for a in pred - gold:
            scores[a].fp += 1
        for a in gold - pred:
            scores[a].fn += 1
        if pred != gold:
            errors.append((line, sorted(gold), sorted(pred)))
    present = {a: s for a, s in scores.items() if s.tp + s.fn > 0}
    return present, errors


def macro_f1(scores: dict[str, Score]) -> float:
    return sum(s.f1 for s in scores.values()) / len(scores) if scores else 0.0


# A plain keyword list: the baseline the issue asks us to beat. One or two
# obvious words per act, exact substring match, no normalisation.
KEYWORDS = {
    "greet": ["您好", "你好"], "self_introduce": ["我是", "工号"], "confirm_identity": ["机主", "本人"],
    "ask_convenience": ["方便"], "state_purpose": ["打电话是", "来电是"], "apologize": ["对不起", "抱歉"],
    "thank": ["谢谢", "感谢"], "empathize": ["理解"], "paraphrase": ["您的意思是", "您是说"],
    "reassure": ["放心"], "praise_customer": ["专家", "细心"], "acknowledge_clause": ["条款"],
    "open_question": ["什么", "怎么"], "closed_question": ["吗"], "ask_info_with_reason": ["为了"],
    "offer_options": ["还是"], "propose_solution": ["帮您"], "cite_facts": ["系统显示"],
    "explain_policy": ["规定"], "confirm_agreement": ["可以吗"], "escalate": ["主管", "上级"],
    "schedule_callback": ["回电"], "offer_compensation": ["补偿", "减免"], "present_benefit": ["好处"],
    "minimize_cost": ["一毛钱"], "create_urgency": ["限时"], "trial_close": ["登记"],
    "explain_cancel": ["取消"], "offer_more_help": ["其他需要"], "farewell": ["再见"],
    "forbidden_phrase": ["信不信由你", "很多次了"], "rhetorical_question": ["难道"],
    "blame_customer": ["你自己"], "over_familiar": ["亲爱的"], "refuse_flatly": ["不行"],
}


def keyword_baseline(line: str) -> list[str]:
    return [a for a, words in KEYWORDS.items() if any(w in line for w in words)]


def report(name: str, scores: dict[str, Score], baseline: dict[str, Score]) -> str:
    rows = [f"{name}: {sum(s.tp + s.fn for s in scores.values())} gold labels",
            f"{'act':22} {'P':>5} {'R':>5} {'F1':>5}   {'base F1':>7}"]
    for act in scores:
        s, b = scores[act], baseline.get(act, Score())
        rows.append(f"{act:22} {s.precision:5.2f} {s.recall:5.2f} {s.f1:5.2f}   {b.f1:7.2f}")
    rows.append(f"{'macro-F1':22} {'':5} {'':5} {macro_f1(scores):5.3f}   {macro_f1(baseline):7.3f}")
    return "\n".join(rows)
