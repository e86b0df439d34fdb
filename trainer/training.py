"""Training the learned act matcher, measuring it honestly, and swapping it in.

`train(lines)` fits one model on labelled lines (the bundled corpus, plus
trainers' corrections when retraining). Its per-act thresholds come from
grouped cross-validation: the lines are split by writer, each fold's model
never sees the writers it is scored on, and the out-of-fold scores choose the
threshold that gives each act its best F1.

The same cross-validation is the model's own figure (`meta["cv"]`), computed
with thresholds chosen without the fold's lines. The real agent lines of
`../shared/real_lines/` (when present) are the other figure: they are only
ever measured, never trained on.

`retrain(store, by)` is what `python -m trainer train` and the trainers'
button run: corpus + corrections → a candidate; it replaces the model in use
only when it is not worse on the real lines and on the cross-validation.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from . import corpus, vocabulary
from .actmodel import ActModel, TrainConfig, calibrate, fit, grouped_folds
from .corpus import Labelled
from .evaluation import Score, evaluate, keyword_baseline, macro_f1

ROOT = Path(__file__).resolve().parent.parent
FOLDS = 5
# "not worse": the real-line figure may not drop; the cross-validation (whose
# lines change with every correction) may drop by this much
CV_TOLERANCE = 0.01


def shared_dir() -> Path:
    """Where the project's shared evaluation material lives (TRAINER_SHARED_DIR, else ../shared)."""
    return Path(os.environ.get("TRAINER_SHARED_DIR") or ROOT.parent / "shared")


def real_lines() -> list[tuple[str, set[str]]] | None:
    """The labelled real agent lines, for measuring only; None when the folder is absent."""
    path = shared_dir() / "real_lines" / "acts_real.jsonl"
    if not path.exists():
        return None
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip():
            d = json.loads(raw)
            out.append((str(d["line"]), set(d["acts"])))
    return out


@dataclass
class Prepared:
    """Lines with their features computed once (they do not depend on the model)."""

    lines: list[Labelled]
    whole: list[list[str]]  # features of each whole line (what the model trains on)
    stretches: list[list[list[str]]]  # features of each line's stretches (what it is scored on)
    spoken: list[list[str] | None]  # features of the line as a recognizer would write it, if different
    clauses: list[list[tuple[str, list[str]]]]  # each clause's text and features, alone


_MARKS = re.compile(r"[，。！？!?,.;；、：:…~]+")


def as_spoken(line: str) -> str:
    """A typed line as speech recognition writes it: no punctuation, a pause at most."""
    return re.sub(r"\s+", " ", _MARKS.sub(" ", line)).strip()


def prepare(lines: Sequence[Labelled], understanding) -> Prepared:
    whole, stretches, spoken, clauses = [], [], [], []
    reader = understanding.reader
    for x in lines:
        text = reader.normalize(x.line)
        parts = reader.clauses(text) or [""]
        st, shown = understanding.stretches(text, parts)
        whole.append(st[0])
        stretches.append(st)
        # the single-clause stretches are the clauses alone (see Understanding.stretches)
        clauses.append([(c, f) for c, f in zip(shown, st) if c in parts] if len(parts) > 1 else [(text, st[0])])
        bare = reader.normalize(as_spoken(x.line))
        spoken.append(understanding.stretches(bare, reader.clauses(bare) or [""])[0][0] if bare != text else None)
    return Prepared(list(lines), whole, stretches, spoken, clauses)


def _scores(model: ActModel, stretches: Sequence[list[list[str]]]) -> list[dict[str, float]]:
    return [dict(zip(model.acts, model.best(st)[0].tolist())) for st in stretches]


def _fit(p: Prepared, idx: Sequence[int], config: TrainConfig, thresholds=None, meta=None) -> ActModel:
    """A model on lines `idx`; with `spoken_copies` each punctuated line is also learned as
    it would be recognized, and each formula (a short clause many lines share) alone."""
    examples = [(p.whole[i], p.lines[i].acts) for i in idx]
    if config.spoken_copies:
        examples += [(p.spoken[i], p.lines[i].acts) for i in idx if p.spoken[i] is not None]
    weights = [1.0] * len(examples)
    if config.formulas:
        shared = formulas(p, idx)
        examples += [(f, acts) for f, acts, _ in shared]
        weights += [float(min(n, FORMULA_WEIGHT)) for _, _, n in shared]
    return fit(examples, vocabulary.acts(), config, thresholds, {**(meta or {}), "config": config.__dict__},
               weights)


FORMULA_LINES = 5  # a clause in at least this many lines is a formula
FORMULA_CHARS = 12
FORMULA_WEIGHT = 10  # a formula counts as many examples as lines share it, up to this


def formulas(p: Prepared, idx: Sequence[int]) -> list[tuple[list[str], frozenset[str], int]]:
    """Short clauses many lines share (您好, 请您稍等, 感谢您的耐心等待 …), each as an example of
    its own, labelled with the acts every line that has it shares: what the clause alone
    is sure to do. So a line that is only 您好 is a greeting, not the self-introduction
    that so often follows it."""
    seen: dict[str, list[int]] = {}
    for i in idx:
        for clause, feats in p.clauses[i]:
            if len(clause) <= FORMULA_CHARS:
                seen.setdefault(clause, []).append(i)
    out = []
    for clause, where in seen.items():
        if len(set(where)) >= FORMULA_LINES:
            shared = frozenset.intersection(*(p.lines[i].acts for i in where))
            feats = next(f for c, f in p.clauses[where[0]] if c == clause)
            out.append((feats, shared, len(set(where))))
    return out


def train(lines: Sequence[Labelled], config: TrainConfig = TrainConfig(), folds: int = FOLDS,
          meta: dict | None = None, progress=lambda msg: None, cue_files: Sequence[Path] | None = None) -> ActModel:
    """A model with calibrated thresholds and its grouped cross-validation figures in `meta`.
    `cue_files`: the cue rules it works with (default: the configured ones, cues.files())."""
    from . import cues
    from .understanding import Understanding

    cue_files = list(cue_files or cues.files())
    rules_only = Understanding(cue_files, model=False)
    p = prepare(lines, rules_only)
    groups = [x.group for x in p.lines]
    fold_sets = grouped_folds(groups, folds)
    oof: list[dict[str, float]] = [{}] * len(p.lines)
    fold_models = []
    for n, fold in enumerate(fold_sets, 1):
        progress(f"fold {n}/{len(fold_sets)}")
        inside = [i for i, g in enumerate(groups) if g in fold]
        m = _fit(p, [i for i, g in enumerate(groups) if g not in fold], config)
        for i, s in zip(inside, _scores(m, [p.stretches[i] for i in inside])):
            oof[i] = s
        fold_models.append((m, inside))
    gold = [x.acts for x in p.lines]
    acts = list(vocabulary.acts())
    # the figure: each fold's lines analysed in full (rules, vetoes, question form)
    # by its model, with thresholds chosen on the other folds' lines only
    predicted: dict[int, tuple[str, ...]] = {}
    for m, inside in fold_models:
        outside = sorted(set(range(len(p.lines))) - set(inside))
        th = calibrate([oof[i] for i in outside], [gold[i] for i in outside], m.acts,
                       config.threshold_floor, config.threshold_ceiling)
        m.thresholds = np.array([th[a] for a in m.acts])
        u = Understanding(cue_files, model=m)
        for i in inside:
            predicted[i] = u.analyze(p.lines[i].line).acts
    scores, _ = evaluate(lambda i: predicted[i], [(i, set(gold[i])) for i in range(len(p.lines))])
    styles = {}
    for style in sorted({x.style for x in p.lines}):
        idx = [(i, set(gold[i])) for i, x in enumerate(p.lines) if x.style == style]
        styles[style or "?"] = round(macro_f1(evaluate(lambda i: predicted[i], idx)[0]), 4)
    progress("final model")
    thresholds = calibrate(oof, gold, acts, config.threshold_floor, config.threshold_ceiling)
    model = _fit(p, range(len(p.lines)), config, thresholds, meta)
    model.meta.update(
        corpus=corpus.digest(lines), lines=len(lines), groups=len(set(groups)), folds=len(fold_sets),
        config=config.__dict__, cv=summary(scores) | {"styles": styles}, trained_at=time.time(),
        thresholds={a: round(float(t), 3) for a, t in zip(model.acts, model.thresholds)},
    )
    return model


def summary(scores: dict[str, Score]) -> dict:
    tp = sum(s.tp for s in scores.values())
    fp = sum(s.fp for s in scores.values())
    fn = sum(s.fn for s in scores.values())
    micro = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"macro_f1": round(macro_f1(scores), 4), "micro_f1": round(micro, 4),
            "acts": {a: [round(s.precision, 3), round(s.recall, 3), round(s.f1, 3), s.tp + s.fn]
                     for a, s in scores.items()}}


def measure_real(understanding) -> dict | None:
    """The model's figures on the real agent lines (None when they are not here)."""
    data = real_lines()
    if data is None:
        return None
    scores, _ = evaluate(lambda line: understanding.analyze(line).acts, data)
    return summary(scores)


def keyword_real() -> dict | None:
    data = real_lines()
    if data is None:
        return None
    return summary(evaluate(keyword_baseline, data)[0])


# -- models a trainer trained (stored in the database) ----------------------------------
STALE_SECONDS = 3600.0  # a "training" row older than this was left by a process that died


class TrainingBusy(RuntimeError):
    """Another retraining is under way."""


@dataclass
class Outcome:
    """What a retraining did: the candidate's figures beside the model in use, and the verdict."""

    model_id: str
    swapped: bool
    reason: str
    candidate: dict
    current: dict
    corrections: int

    def report(self) -> str:
        rows = [f"model {self.model_id}: trained on the corpus and {self.corrections} correction(s)"]
        for name, key in (("real agent lines", "real"), ("grouped cross-validation", "cv")):
            c, o = self.candidate.get(key), self.current.get(key)
            if c is None:
                rows.append(f"  {name}: not measured (../shared/real_lines/ is not here)")
                continue
            was = f"{o['macro_f1']:.3f}" if o else "—"
            rows.append(f"  {name}: macro-F1 {c['macro_f1']:.3f} (in use: {was})")
        rows.append(("swapped in: " if self.swapped else "kept the model in use: ") + self.reason)
        return "\n".join(rows)


def _metrics(model: ActModel) -> dict:
    from .understanding import Understanding

    return {"real": measure_real(Understanding(model=model)), "cv": model.meta.get("cv")}


def verdict(candidate: dict, current: dict) -> tuple[bool, str]:
    """Not worse on the real lines (when measured) and on the cross-validation (within CV_TOLERANCE)."""
    c_real, o_real = candidate.get("real"), current.get("real")
    if c_real and o_real and c_real["macro_f1"] < o_real["macro_f1"]:
        return False, f"worse on the real agent lines ({c_real['macro_f1']:.3f} < {o_real['macro_f1']:.3f})"
    c_cv, o_cv = candidate.get("cv"), current.get("cv")
    if c_cv and o_cv and c_cv["macro_f1"] < o_cv["macro_f1"] - CV_TOLERANCE:
        return False, f"worse in cross-validation ({c_cv['macro_f1']:.3f} < {o_cv['macro_f1']:.3f})"
    return True, "not worse on any measure"


def training_lines(store) -> tuple[list[Labelled], int]:
    """The bundled corpus with trainers' corrections; a corrected line replaces the corpus's reading."""
    from .corrections import Corrections
    from .text import Reader

    fixes = Corrections(store).labelled()
    reader = Reader()
    fixed = {reader.normalize(x.line) for x in fixes}
    lines = [x for x in corpus.bundled() if reader.normalize(x.line) not in fixed]
    return lines + fixes, len(fixes)


def retrain(store, by: str, progress=lambda msg: None) -> Outcome:
    """Train a candidate from the corpus and the corrections; swap it in if it is not worse."""
    from sqlalchemy import insert, update

    from .db import act_models

    from sqlalchemy import and_, select

    model_id = time.strftime("m%Y%m%d-%H%M%S-") + os.urandom(2).hex()
    with store.engine.begin() as conn:
        running = conn.execute(select(act_models.c.id).where(and_(
            act_models.c.status == "training", act_models.c.created_at > time.time() - STALE_SECONDS))).scalar()
        if running:
            raise TrainingBusy(f"model {running} is being trained now; wait for it to finish")
        conn.execute(insert(act_models).values(id=model_id, created_at=time.time(), created_by=by,
                                               status="training", note=""))
    try:
        lines, n_fixes = training_lines(store)
        candidate = train(lines, meta={"id": model_id, "by": by}, progress=progress)
        current_id = active_model_id(store)
        current_model = stored_model(current_id, store) if current_id else bundled_or_none()
        progress("measuring")
        cand, cur = _metrics(candidate), (_metrics(current_model) if current_model else {})
        swapped, reason = verdict(cand, cur)
        with store.engine.begin() as conn:
            if swapped:
                conn.execute(update(act_models).where(act_models.c.status == "active").values(status="retired"))
            conn.execute(update(act_models).where(act_models.c.id == model_id).values(
                status="active" if swapped else "rejected", note=reason,
                metrics={"candidate": cand, "current": cur, "current_id": current_id or "bundled",
                         "corrections": n_fixes, "lines": len(lines)},
                data=candidate.to_bytes()))
        _active.clear()
        return Outcome(model_id, swapped, reason, cand, cur, n_fixes)
    except BaseException as e:
        with store.engine.begin() as conn:
            conn.execute(update(act_models).where(act_models.c.id == model_id).values(
                status="failed", note=f"{type(e).__name__}: {e}"[:500]))
        raise


def bundled_or_none() -> ActModel | None:
    from .understanding import bundled_model

    return bundled_model() or None


def models(store) -> list[dict]:
    """Every trained model's row (without its arrays), newest first."""
    from sqlalchemy import desc, select

    from .db import act_models

    cols = [c for c in act_models.c if c.name != "data"]
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(*cols).order_by(desc(act_models.c.created_at))).mappings()]


def active_model_id(store) -> str | None:
    from sqlalchemy import desc, select

    from .db import act_models

    with store.engine.connect() as conn:
        return conn.execute(select(act_models.c.id).where(act_models.c.status == "active")
                            .order_by(desc(act_models.c.created_at)).limit(1)).scalar()


def stored_model(model_id: str, store=None) -> ActModel:
    from sqlalchemy import select

    from .db import act_models
    from .store import default_store

    store = store or default_store()
    with store.engine.connect() as conn:
        data = conn.execute(select(act_models.c.data).where(act_models.c.id == model_id)).scalar()
    if data is None:
        raise KeyError(model_id)
    return ActModel.from_bytes(bytes(data))


_active: dict[str, tuple[float, str | None]] = {}
ACTIVE_CHECK_SECONDS = 30.0


def current_understanding(store=None):
    """The Understanding new turns use: the newest active trained model, else the bundled one.
    The database is asked at most every ACTIVE_CHECK_SECONDS per process."""
    from .store import default_store
    from .understanding import understanding_for

    store = store or default_store()
    checked, model_id = _active.get(store.url, (0.0, None))
    if time.monotonic() - checked > ACTIVE_CHECK_SECONDS:
        model_id = active_model_id(store)
        _active[store.url] = (time.monotonic(), model_id)
    if model_id:
        try:
            return understanding_for(model_id, store.url)
        except (KeyError, ValueError):  # a row without usable arrays: keep serving the bundled model
            pass
    return understanding_for("bundled")


def start_retraining(by: str) -> None:
    """Retrain in a process of its own (`python -m trainer train`), so the app's server keeps
    answering while the model is fitted; its progress is the model's row in the database."""
    import subprocess
    import sys

    log = Path(os.environ.get("TRAINER_DATA_DIR") or ROOT / "data")
    log.mkdir(parents=True, exist_ok=True)
    with open(log / "training.log", "ab") as out:
        subprocess.Popen([sys.executable, "-m", "trainer", "train", "--by", by], cwd=ROOT, stdout=out,
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
