"""The product learns from use: lines the customer could not place, trainers' corrections
(kept with who and when, never changing a stored call), exports, and retraining that swaps
a model in only when it is not worse."""

import json
import shutil

import pytest
from sqlalchemy import insert, select

from trainer import corpus, training
from trainer.corpus import CorpusError, Labelled
from trainer.corrections import CorrectionError, Corrections
from trainer.db import act_models
from trainer.practice import Practice
from trainer.store import CallStore


@pytest.fixture
def store(tmp_path):
    s = CallStore(f"sqlite:///{tmp_path}/learn.db")
    yield s
    s.engine.dispose()


def _call(store, *lines, lesson="complainer", seed=4):
    p = Practice.start(lesson, user="小张", seed=seed, store=store)
    for line in lines:
        p.say(line)
    return p


def test_lines_the_customer_could_not_place_are_kept_most_frequent_first(store):
    odd, odder = "今天天气不错啊", "我们公司楼下新开了一家面馆"
    _call(store, "您好，我是宽带客服小李，请问有什么可以帮您？", odd, odder)
    _call(store, "您好，请问有什么可以帮您？", odd, seed=5)
    rows = Corrections(store).unplaced()
    assert [u.line for u in rows][:2] == [odd, odder]
    assert rows[0].count == 2 and rows[0].personas == ("complainer",) and rows[0].corrected is None


def test_a_correction_is_kept_beside_the_call_and_never_changes_it(store):
    p = _call(store, "您好，请问有什么可以帮您？", "一个月断了三次，换谁都窝火")
    before = store.load(p.call_id)
    fixes = Corrections(store)
    fixes.correct_turn(p.call_id, 2, ["paraphrase", "empathize"], by="王老师")
    assert store.load(p.call_id) == before  # the call's turns, acts and record are untouched
    fix = fixes.for_call(p.call_id)[2]
    assert fix["acts"] == ["empathize", "paraphrase"] and fix["corrected_by"] == "王老师"
    assert fix["before"] == before["call"]["turns"][1]["acts"] and fix["created_at"] > 0
    with pytest.raises(CorrectionError, match="did you mean 'apologize'"):
        fixes.correct_turn(p.call_id, 2, ["apologise"], by="王老师")
    with pytest.raises(CorrectionError, match="no turn 9"):
        fixes.correct_turn(p.call_id, 9, ["greet"], by="王老师")


def test_rescoring_with_corrections_is_explicit(store):
    p = _call(store, "您好，请问有什么可以帮您？", "嗯")
    p.hang_up()
    stored = store.load(p.call_id)["score"]
    fixes = Corrections(store)
    fixes.correct_turn(p.call_id, 2, ["apologize", "empathize"], by="王老师")
    again = Practice.resume(p.call_id, store=store).rescored(fixes.for_call(p.call_id))
    active = {it.id: it.passed for it in again.items if it.applicable}
    assert active["active_listening"] is True
    assert store.load(p.call_id)["score"] == stored  # the stored card is what the call earned


def test_corrections_export_as_labelled_lines_and_import_back(store, tmp_path):
    p = _call(store, "您好，请问有什么可以帮您？")
    fixes = Corrections(store)
    fixes.correct_turn(p.call_id, 1, ["greet", "open_question"], by="王老师")
    text = fixes.export()
    lines = corpus.parse(text, "corrections.jsonl")
    assert [(x.line, set(x.acts), x.writer) for x in lines] == \
        [("您好，请问有什么可以帮您？", {"greet", "open_question"}, "trainer:王老师")]
    other = CallStore(f"sqlite:///{tmp_path}/other.db")
    assert Corrections(other).import_file(text.encode(), "corrections.jsonl", "李老师") == 1
    assert Corrections(other).labelled()[0].acts == frozenset({"greet", "open_question"})


def test_a_large_export_imports_in_one_go(store):
    rows = [Labelled(f"第{i}句：请问还有其他需要吗", frozenset({"offer_more_help", "closed_question"})) for i in range(10_000)]
    fixes = Corrections(store)
    assert fixes.add_lines(rows, by="王老师") == 10_000
    text = fixes.export()
    assert text.count("\n") == 10_000 and len(corpus.parse(text, "big.jsonl")) == 10_000


@pytest.mark.parametrize("content, message", [
    (b'{"line": "\xe4\xbd\xa0\xe5\xa5\xbd", "acts": ["greet"]}\n\xff\xfe', "corrections.jsonl:2: not UTF-8"),
    ('{"line": "您好", "acts": ["greet"]}\n{"line": "好的", "acts": [greet]}\n'.encode(), "corrections.jsonl:2: not a JSON object"),
    ('{"line": "您好", "acts": ["apologise"]}\n'.encode(), "corrections.jsonl:1: acts: unknown act 'apologise' (did you mean 'apologize'?)"),
    ('["您好", ["greet"]]\n'.encode(), "corrections.jsonl:1: expected an object"),
    ('{"line": "   ", "acts": []}\n'.encode(), "corrections.jsonl:1: line: the line is blank"),
    ('{"line": "您好", "acts": ["greet"], "stat": 1}\n'.encode(), "corrections.jsonl:1: stat: Extra inputs"),
    ('{"line": "您好", "acts": "greet"}\n'.encode(), "corrections.jsonl:1: acts:"),
    (b'{"line": "x", "acts": [], "at": NaN}\n', "corrections.jsonl:1: not a JSON object"),
    (("[" * 100_000 + "]" * 100_000 + "\n").encode(), "corrections.jsonl:1: the record is"),
    (('{"line": "' + "好" * 5000 + '", "acts": []}\n').encode(), "corrections.jsonl:1: line:"),
    (("[" * 3000 + "]" * 3000 + "\n").encode(), "corrections.jsonl:1: not a JSON object: nested too deeply"),
])
def test_a_corrupt_or_hostile_corrections_file_is_refused_with_its_line(store, content, message):
    with pytest.raises(CorpusError) as e:
        Corrections(store).import_file(content, "corrections.jsonl", "王老师")
    assert str(e.value).startswith(message), str(e.value)
    assert Corrections(store).count() == 0  # nothing of a refused file is kept


def test_the_corpus_is_large_labelled_and_from_many_writers():
    lines = corpus.bundled()
    assert len(lines) >= 4000
    writers = {x.writer for x in lines}
    assert len(writers) >= 15 and all(x.writer and x.style for x in lines)
    assert {a for x in lines for a in x.acts} >= {"cite_facts", "explain_policy", "forbidden_phrase",
                                                   "refuse_flatly", "rhetorical_question", "blame_customer"}


def test_not_worse_means_not_worse_on_real_lines_or_in_cross_validation():
    good, bad = {"macro_f1": 0.8}, {"macro_f1": 0.7}
    assert training.verdict({"real": good, "cv": good}, {"real": good, "cv": good})[0]
    assert not training.verdict({"real": bad, "cv": good}, {"real": good, "cv": good})[0]
    assert not training.verdict({"real": None, "cv": bad}, {"real": None, "cv": good})[0]
    assert training.verdict({"real": None, "cv": {"macro_f1": 0.795}}, {"real": None, "cv": good})[0]


@pytest.fixture
def small_corpus(tmp_path, monkeypatch):
    """Four writers of the bundled corpus, so a retraining takes seconds."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("w05.jsonl", "w06.jsonl", "w09.jsonl", "w13.jsonl"):
        shutil.copy(corpus.CORPUS_DIR / name, folder / name)
    monkeypatch.setattr(corpus, "CORPUS_DIR", folder)
    return folder


def _in_use(store, model_id: str, lines) -> None:
    """Store a model trained on `lines` as the one in use."""
    model = training.train(lines, meta={"id": model_id})
    with store.engine.begin() as conn:
        conn.execute(insert(act_models).values(id=model_id, created_at=1.0, created_by="王老师", status="active",
                                               note="", data=model.to_bytes()))


def test_retraining_learns_corrections_and_swaps_the_model_in(store, small_corpus):
    _in_use(store, "weak", [x for x in corpus.bundled() if x.writer in ("w06", "w09")])
    p = _call(store, "您好，请问有什么可以帮您？")
    heard = store.load(p.call_id)["call"]["turns"][0]["acts"]
    fixes = Corrections(store)
    fixes.add_lines([Labelled("这事儿包我身上了您就踏踏实实回家等着", frozenset({"reassure", "over_familiar"}))],
                    by="王老师")
    outcome = training.retrain(store, by="王老师")
    assert outcome.swapped, outcome.report()
    assert outcome.corrections == 1 and "cross-validation" in outcome.report()
    assert training.active_model_id(store) == outcome.model_id
    assert [r["status"] for r in training.models(store)] == ["active", "retired"]
    training._active.clear()
    assert training.current_understanding(store).model_id == outcome.model_id
    assert store.load(p.call_id)["call"]["turns"][0]["acts"] == heard  # a stored call keeps its acts


def test_a_candidate_worse_than_the_model_in_use_is_not_swapped_in(store, small_corpus):
    from trainer.understanding import bundled_model

    proud = bundled_model()
    proud.meta = {**proud.meta, "id": "proud", "cv": {**proud.meta["cv"], "macro_f1": 0.999}}
    with store.engine.begin() as conn:
        conn.execute(insert(act_models).values(id="proud", created_at=1.0, created_by="王老师", status="active",
                                               note="", data=proud.to_bytes()))
    outcome = training.retrain(store, by="王老师")
    assert not outcome.swapped and "worse" in outcome.reason
    assert training.active_model_id(store) == "proud"
    with store.engine.connect() as conn:
        status = conn.execute(select(act_models.c.status).where(act_models.c.id == outcome.model_id)).scalar()
    assert status == "rejected"


def test_a_second_retraining_waits_for_the_first(store, small_corpus):
    import time

    with store.engine.begin() as conn:
        conn.execute(insert(act_models).values(id="busy", created_at=time.time(), created_by="王老师",
                                               status="training", note=""))
    with pytest.raises(training.TrainingBusy):
        training.retrain(store, by="李老师")


def test_train_command_writes_a_model_file(tmp_path, small_corpus):
    from trainer.cli import main

    out = tmp_path / "mine.npz"
    assert main(["train", "--output", str(out)]) == 0
    assert main(["understand", "非常抱歉让您久等了", "--model", str(out), "--json"]) == 0
    assert main(["understand", "您好", "--model", str(tmp_path / "missing.npz")]) == 1


def test_corrections_command_line_round_trip(tmp_path, monkeypatch, capsys):
    from trainer.cli import main
    from trainer.store import default_store

    monkeypatch.setenv("TRAINER_DATA_DIR", str(tmp_path))
    default_store.cache_clear()
    good = tmp_path / "in.jsonl"
    good.write_text(json.dumps({"line": "稍等我帮您查一下", "acts": []}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["corrections", "import", str(good), "--by", "王老师"]) == 0
    assert main(["corrections", "export", str(tmp_path / "out.jsonl")]) == 0
    assert "稍等我帮您查一下" in (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"line": "x", "acts": ["nope"]}\n', encoding="utf-8")
    assert main(["corrections", "import", str(bad)]) == 1
    assert "bad.jsonl:1: acts: unknown act 'nope'" in capsys.readouterr().err
    default_store.cache_clear()
