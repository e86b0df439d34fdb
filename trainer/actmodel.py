"""The learned act matcher: one logistic regression per act over the words and
characters of a line, with a threshold per act calibrated by cross-validation.

Features of a stretch of text (`features`): character 1-3-grams of each clause
(with clause edges marked), words and word pairs from rjieba (jieba's
dictionary, in Rust), and the question form of the stretch. They are read from
`text.content()`, so 你 and 您 are the same word here.

A line is scored as a whole and clause by clause (each clause and each pair of
neighbouring clauses): an act is found when its best stretch reaches the act's
threshold, so a long turn carries the acts of its clauses.

The model is plain arrays (vocabulary, idf, coefficients, thresholds) in an
`.npz` file read with `allow_pickle=False`: nothing in it can execute. Only
training needs scikit-learn; using the model needs numpy.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

FORMAT = 1
FORM_ACTS = ("open_question", "closed_question")  # measured, never learned
NEGATIONS = frozenset("不 没 没有 不能 不可以 不可 无法 没法 没办法 不会 不用 不要 别 未 无 不是 并非 不必 不得 不行".split())
_NEGATED_ENDS = ("不了", "不到", "不成")  # 退不了, 办不到


def _segment(text: str) -> list[str]:
    import rjieba

    return rjieba.cut(text)


def features(clauses: Sequence[str], form: str = "") -> list[str]:
    """The features of a stretch of clauses (already `content()`-normalised)."""
    out: list[str] = []
    for clause in clauses:
        chars = f"^{clause}$"
        n = len(chars)
        for i in range(1, n - 1):
            out.append(chars[i])
        for size in (2, 3):
            for i in range(n - size + 1):
                out.append(chars[i : i + size])
        words = [w for w in _segment(clause) if w.strip()]
        out += ["w:" + w for w in words]
        out += [f"p:{a}_{b}" for a, b in zip(words, words[1:])]
        # a word in the scope of a negation is another word: 不能给您减免 offers nothing
        negated = False
        for w in words:
            if negated:
                out.append("n:" + w)
            negated = negated or w in NEGATIONS or w.endswith(_NEGATED_ENDS)
    if form:
        out.append("q:" + form)
    # how long the stretch is: a two-character line weighs its few features differently
    size = sum(len(c) for c in clauses)
    out.append("len:" + next(label for top, label in _SIZES if size <= top))
    return out


_SIZES = ((2, "1-2"), (4, "3-4"), (8, "5-8"), (16, "9-16"), (32, "17-32"), (64, "33-64"), (10**9, "65+"))


@dataclass
class ActModel:
    """A trained matcher: `probabilities(stretches)` for every act it knows."""

    acts: list[str]
    vocabulary: dict[str, int]
    idf: np.ndarray  # (n_features,)
    coef: np.ndarray  # (n_features, n_acts)
    bias: np.ndarray  # (n_acts,)
    thresholds: np.ndarray  # (n_acts,)
    meta: dict = field(default_factory=dict)

    # -- use ----------------------------------------------------------------------
    def vectors(self, stretches: Sequence[list[str]]):
        """Sublinear-tf, idf-weighted, l2-normalised rows, as sparse (rows, cols, values)."""
        rows, cols, vals = [], [], []
        for r, feats in enumerate(stretches):
            counts: dict[int, int] = {}
            for f in feats:
                j = self.vocabulary.get(f)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
            w = tf * self.idf[idx]
            w /= math.sqrt(float(w @ w)) or 1.0
            rows.append(np.full(len(idx), r))
            cols.append(idx)
            vals.append(w)
        return rows, cols, vals

    def probabilities(self, stretches: Sequence[list[str]]) -> np.ndarray:
        """(n_stretches, n_acts) probabilities."""
        z = np.tile(self.bias, (len(stretches), 1)).astype(np.float64)
        for r_idx, c_idx, v in zip(*self.vectors(stretches)):
            z[r_idx[0]] += v @ self.coef[c_idx]
        return 1.0 / (1.0 + np.exp(-z))

    @property
    def clause_margin(self) -> float:
        return float(self.meta.get("config", {}).get("clause_margin", 0.0))

    def best(self, stretches: Sequence[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Per act: the line's score and which stretch gave it (see `best_of`)."""
        return self.best_of(self.probabilities(stretches))

    def best_of(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per act, from (stretches × acts) probabilities: the line's score and which stretch
        gave it. The first stretch is the whole line; a part of it (a clause or two) counts
        `clause_margin` less, so it decides only when it is clearly about the act on its own."""
        p = p.copy()
        if len(p) > 1:
            p[1:] -= self.clause_margin
        where = p.argmax(axis=0)
        return p[where, np.arange(p.shape[1])], where

    # -- files --------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        words = sorted(self.vocabulary, key=self.vocabulary.get)
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            format=np.array(FORMAT),
            acts=np.array(self.acts, dtype=str),
            vocabulary=np.array("\n".join(words)),  # one text: features never contain a newline
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float16),  # weights within ±50; half precision moves no decision
            bias=self.bias.astype(np.float32),
            thresholds=self.thresholds.astype(np.float32),
            meta=np.array(json.dumps(self.meta, ensure_ascii=False, sort_keys=True)),
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "ActModel":
        """A model from `to_bytes`; ValueError for anything else."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                if int(z["format"]) != FORMAT:
                    raise ValueError(f"model format {int(z['format'])}, this version reads {FORMAT}")
                words = str(z["vocabulary"]).split("\n") if z["vocabulary"].ndim == 0 else []
                model = cls(
                    acts=[str(a) for a in z["acts"]],
                    vocabulary={w: i for i, w in enumerate(words)},
                    idf=z["idf"].astype(np.float64),
                    coef=z["coef"].astype(np.float64),
                    bias=z["bias"].astype(np.float64),
                    thresholds=z["thresholds"].astype(np.float64),
                    meta=json.loads(str(z["meta"])),
                )
        except (OSError, KeyError, ValueError, EOFError, json.JSONDecodeError, zipfile.BadZipFile) as e:
            raise ValueError(f"not an act model: {e}") from None
        n, k = len(model.vocabulary), len(model.acts)
        if model.coef.shape != (n, k) or model.idf.shape != (n,) or model.bias.shape != (k,) or model.thresholds.shape != (k,):
            raise ValueError("not an act model: arrays of the wrong shape")
        return model

    def save(self, path: Path) -> None:
        Path(path).write_bytes(self.to_bytes())

    @classmethod
    def load(cls, path: Path) -> "ActModel":
        return cls.from_bytes(Path(path).read_bytes())

    def digest(self) -> str:
        return hashlib.sha256(self.to_bytes()).hexdigest()


# -- training -------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainConfig:
    c: float = 16.0
    min_df: int = 2
    min_positives: int = 4
    threshold_floor: float = 0.25
    threshold_ceiling: float = 0.85
    spoken_copies: bool = False  # also learn each punctuated line without its punctuation
    clause_margin: float = 0.35  # how much less a clause's score counts than the whole line's
    formulas: bool = True  # also learn the short clauses many lines share, alone (training.formulas)
    nb_weighting: bool = False  # scale each feature by its log-count ratio for the act (NB-LR)
    nb_alpha: float = 1.0


def fit(
    examples: Sequence[tuple[list[str], frozenset[str]]],
    acts: Iterable[str],
    config: TrainConfig = TrainConfig(),
    thresholds: dict[str, float] | None = None,
    meta: dict | None = None,
    weights: Sequence[float] | None = None,
) -> ActModel:
    """Train on (features of the whole line, acts) pairs, each with a weight (default 1); deterministic."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    labels = [set(a) for _, a in examples]
    learn = [a for a in acts if a not in FORM_ACTS and sum(a in g for g in labels) >= config.min_positives]
    vec = TfidfVectorizer(analyzer=lambda feats: feats, sublinear_tf=True, min_df=config.min_df, lowercase=False)
    x = vec.fit_transform([f for f, _ in examples])
    coef, bias = [], []
    present = (x > 0).astype(np.float64)
    for act in learn:
        y = np.array([act in g for g in labels])
        scale = _nb_ratio(present, y, config.nb_alpha) if config.nb_weighting else None
        xa = x.multiply(scale).tocsr() if scale is not None else x
        model = LogisticRegression(C=config.c, class_weight="balanced", solver="liblinear", max_iter=1000,
                                   random_state=0).fit(xa, y, sample_weight=weights)
        # a scaled feature's weight is its coefficient times its scale: one linear model again
        coef.append(model.coef_[0] * (scale if scale is not None else 1.0))
        bias.append(model.intercept_[0])
    vocab = {str(k): int(v) for k, v in vec.vocabulary_.items()}
    th = thresholds or {}
    return ActModel(
        acts=learn,
        vocabulary=vocab,
        idf=np.asarray(vec.idf_, dtype=np.float64),
        coef=np.array(coef).T if coef else np.zeros((len(vocab), 0)),
        bias=np.array(bias),
        thresholds=np.array([th.get(a, 0.5) for a in learn]),
        meta=dict(meta or {}),
    )


def calibrate(
    scores: Sequence[dict[str, float]], gold: Sequence[frozenset[str]], acts: Iterable[str],
    floor: float = 0.25, ceiling: float = 0.85,
) -> dict[str, float]:
    """Per act, the threshold that maximises F1 on out-of-fold scores (between floor and ceiling)."""
    out = {}
    grid = np.round(np.arange(floor, ceiling + 1e-9, 0.025), 3)
    for act in acts:
        s = np.array([sc.get(act, 0.0) for sc in scores])
        y = np.array([act in g for g in gold])
        best, best_f1 = 0.5, -1.0
        for t in grid:
            pred = s >= t
            tp = int((pred & y).sum())
            fp = int((pred & ~y).sum())
            fn = int((~pred & y).sum())
            f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
            if f1 > best_f1 + 1e-9:
                best, best_f1 = float(t), f1
        out[act] = best
    return out


def grouped_folds(groups: Sequence[str], k: int) -> list[set[str]]:
    """Split group names into k folds of about equal size (by lines), deterministically."""
    sizes: dict[str, int] = {}
    for g in groups:
        sizes[g] = sizes.get(g, 0) + 1
    folds: list[set[str]] = [set() for _ in range(k)]
    load = [0] * k
    for g in sorted(sizes, key=lambda g: (-sizes[g], g)):
        i = load.index(min(load))
        folds[i].add(g)
        load[i] += sizes[g]
    return [f for f in folds if f]


def cross_validate(
    items: Sequence, groups: Sequence[str], train: Callable[[list], object], score: Callable[[object, list], list],
    k: int = 5,
) -> list:
    """Out-of-fold results: for each fold of groups, train on the others and score it."""
    out: list = [None] * len(items)
    for fold in grouped_folds(groups, k):
        test = [i for i, g in enumerate(groups) if g in fold]
        model = train([items[i] for i, g in enumerate(groups) if g not in fold])
        for i, r in zip(test, score(model, [items[i] for i in test])):
            out[i] = r
    return out


def _nb_ratio(present, y: np.ndarray, alpha: float) -> np.ndarray:
    """Naive-Bayes log-count ratio of each feature for one act (Wang & Manning's NB-LR)."""
    pos = alpha + np.asarray(present[y].sum(axis=0)).ravel()
    neg = alpha + np.asarray(present[~y].sum(axis=0)).ravel()
    return np.abs(np.log((pos / pos.sum()) / (neg / neg.sum())))
