"""Text to speech: the customer's lines as WAV, ready before they are needed.

pyttsx3 drives the platform's engine: espeak-ng on Linux, SAPI5 on Windows
(e.g. Microsoft Huihui), NSSpeechSynthesizer on macOS. pyttsx3's engine is not
safe to share across threads, so one worker thread owns it and every synthesis
goes through its queue; requests for a line the trainee is waiting for jump the
queue ahead of lines synthesized ahead of time.

A line's audio is cached (memory, then files under TRAINER_AUDIO_CACHE) by its
text and delivery, so a scripted line is synthesized once per mood band and
then served instantly. A customer reply joins several persona lines; it is cut
back into those lines so each comes from the cache.

espeak-ng as Debian ships it reads Chinese characters poorly (many come out as
English-spelled pinyin), so for the espeak driver the text is first turned into
tone-numbered pinyin (pypinyin, numbers read by cn2an) for its Mandarin pinyin
voice, with rate, volume and pitch embedded as espeak commands: the espeak
driver applies property changes asynchronously and they can land on the wrong
utterance, embedded commands cannot.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import queue
import threading
import wave
from collections import OrderedDict
from concurrent.futures import Future
from functools import lru_cache
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

from ..moodexpr import ExprError, MoodExpr
from .config import SpeechUnavailable, VoiceConfig, voice_content


CACHE_VERSION = 1  # bump when text preparation changes, so old audio is not served
MEMORY_ITEMS = 400
GAP_SECONDS = 0.2  # between the parts of a reply
URGENT, AHEAD = 0, 1


@dataclass(frozen=True)
class Delivery:
    """How one line is spoken."""

    language: str = "zh"
    gender: str = "male"
    rate: int = 170
    volume: float = 0.9
    pitch: int = 50
    voice: str | None = None


# -- mood -> delivery ----------------------------------------------------------------

_rules_cache: dict[tuple, list] = {}


def _rules(voice, mood_names: tuple[str, ...]) -> list[tuple[MoodExpr, object]]:
    from ..persona import DeliveryRule

    own = tuple((r.if_, r.rate, r.volume, r.pitch) for r in voice.delivery) if voice.delivery else None
    key = (own, mood_names)
    if key not in _rules_cache:
        rules = voice.delivery or [DeliveryRule.model_validate(r) for r in voice_content()["delivery"]]
        compiled = []
        for r in rules:
            try:
                compiled.append((MoodExpr(r.if_, mood_names), r))
            except ExprError:  # the default rules name moods this persona does not have
                continue
        _rules_cache[key] = compiled
    return _rules_cache[key]


def delivery_for(voice, mood: dict[str, int]) -> Delivery:
    """The persona's voice (`persona.Voice`) as its mood makes it sound."""
    rule = next((r for cond, r in _rules(voice, tuple(sorted(mood))) if cond(mood)), None)
    return _delivery(voice, rule)


def _delivery(voice, rule=None) -> Delivery:
    rate, volume, pitch = (rule.rate, rule.volume, rule.pitch) if rule else (1.0, 0.0, 0)
    return Delivery(
        language=voice.language, gender=voice.gender, rate=int(round(voice.rate * rate)),
        volume=round(min(1.0, max(0.0, voice.volume + volume)), 2), pitch=min(100, max(0, voice.pitch + pitch)),
        voice=voice.id,
    )


def deliveries(voice, mood: dict[str, int]) -> list[Delivery]:
    """Every delivery the persona can have (one per mood band), the current one first."""
    bands = [_delivery(voice)] + [_delivery(voice, rule) for _, rule in _rules(voice, tuple(sorted(mood)))]
    now = delivery_for(voice, mood)
    return [now] + [d for d in dict.fromkeys(bands) if d != now]


# -- text preparation ----------------------------------------------------------------

_PAUSES = str.maketrans({"，": ",", "、": ",", "；": ",", "：": ",", "。": ".", "？": "?", "！": "!",
                         "…": ".", "—": ",", "“": " ", "”": " ", "（": ",", "）": ","})


def pinyin_text(text: str) -> str:
    """Tone-numbered pinyin (nin2 hao3 ,) for espeak-ng's cmn-latn-pinyin voice."""
    import cn2an
    from pypinyin import Style, lazy_pinyin

    try:
        text = cn2an.transform(text, "an2cn")  # 24小时 -> 二十四小时, 10000号 -> 一万号
    except Exception:  # cn2an gives up on odd digit runs; espeak can still read digits
        pass
    words = lazy_pinyin(text.translate(_PAUSES), style=Style.TONE3, neutral_tone_with_five=True,
                        tone_sandhi=True)
    return " ".join(w.strip() for w in words if w.strip())


def espeak_voice(d: Delivery) -> str:
    if d.voice:
        return d.voice
    if d.language.startswith(("zh", "cmn")):
        return "sit/cmn-latn-pinyin+" + ("f3" if d.gender == "female" else "m3")
    return d.language + ("+f3" if d.gender == "female" else "")


def espeak_text(text: str, d: Delivery) -> str:
    spoken = pinyin_text(text) if d.language.startswith(("zh", "cmn")) else text
    # \x01<n>S speed (wpm), A amplitude (0-200, 100 normal), P pitch (0-100)
    return f"\x01{d.rate}S\x01{int(round(d.volume * 100))}A\x01{d.pitch}P{spoken}"


def _pick_voice(voices, d: Delivery) -> str | None:
    """An installed voice for the language, preferring the gender (SAPI5, NSSpeech)."""
    lang = d.language.lower()
    keys = {"zh": ("zh", "chinese", "cmn", "huihui", "kangkang", "yaoyao", "ting-ting", "tingting", "meijia")}.get(
        lang, (lang,))

    def matches(v) -> bool:
        text = " ".join([v.id or "", v.name or "", *[str(x) for x in (v.languages or [])]]).lower()
        return any(k in text for k in keys)

    found = [v for v in voices if matches(v)]
    for v in found:
        if (v.gender or "").lower() == d.gender:
            return v.id
    return found[0].id if found else None


# -- the engine's thread -------------------------------------------------------------

class _Engine:
    """The process's one pyttsx3 engine and the one thread allowed to touch it.

    pyttsx3 hands out one engine per driver per process and espeak-ng is a
    process-wide library, so there is exactly one of these however many
    Speakers (caches) exist. Jobs are callables run in priority order.
    """

    def __init__(self, driver: str | None):
        self.driver_name = driver
        self.jobs: queue.PriorityQueue = queue.PriorityQueue()
        self.seq = itertools.count()
        self.thread = threading.Thread(target=self._run, name="tts-worker", daemon=True)
        self.thread.start()
        self.engine = None
        self.driver = ""
        self.broken: str | None = None
        self.voice: str | None = None

    def submit(self, priority: int, job) -> None:
        self.jobs.put((priority, next(self.seq), job))

    def _run(self) -> None:
        while True:
            _, _, job = self.jobs.get()
            job()  # jobs catch their own errors and hand them to their Future

    def ready(self):
        if self.broken:
            raise SpeechUnavailable(self.broken)
        if self.engine is None:
            try:
                import pyttsx3

                engine = pyttsx3.init(self.driver_name)
            except Exception as e:
                self.broken = (f"no speech engine ({type(e).__name__}: {e}); on Debian/Ubuntu install "
                               "espeak-ng (make run does, as root)")
                raise SpeechUnavailable(self.broken) from None
            self.driver = engine.proxy._module.__name__.rsplit(".", 1)[-1]
            if self.driver == "espeak":
                engine.proxy._module.print = lambda *a, **k: None  # it prints "Audio saved to ..." per file
            self.done = threading.Event()
            engine.connect("finished-utterance", lambda name, completed: self.done.set())
            self.voices = engine.getProperty("voices") or []
            self.engine = engine
        return self.engine

    def synthesize(self, text: str, d: Delivery, path: Path) -> None:
        """Write `text` spoken with `d` to `path` (a WAV); on the worker thread only."""
        engine = self.ready()
        self.done.clear()
        if self.driver == "espeak":
            voice = espeak_voice(d)
            if voice != self.voice:  # setting a voice resets espeak's parameters: only when it changes
                engine.setProperty("voice", voice)
                self.voice = voice
            engine.save_to_file(espeak_text(text, d), str(path))
        else:
            voice = d.voice or _pick_voice(self.voices, d)
            if voice:
                engine.setProperty("voice", voice)
            engine.setProperty("rate", d.rate)
            engine.setProperty("volume", d.volume)
            engine.save_to_file(text, str(path))
        engine.runAndWait()
        # the espeak driver returns before its callback has written the file
        if self.driver == "espeak" and not self.done.wait(60):
            raise SpeechUnavailable("the speech engine did not finish a line within 60 s")


_engines: dict[str | None, _Engine] = {}
_engines_lock = threading.Lock()


def _engine(driver: str | None) -> _Engine:
    with _engines_lock:
        if driver not in _engines:
            _engines[driver] = _Engine(driver)
        return _engines[driver]


def _cache_key(engine: str, text: str, d: Delivery) -> str:
    raw = json.dumps([CACHE_VERSION, engine, text, asdict(d)], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class Speaker:
    """Customer lines as WAV: from its cache, or made by the engine's worker thread."""

    def __init__(self, cfg: VoiceConfig | None = None, cache_dir: Path | None = None):
        self.cfg = cfg or VoiceConfig.from_env()
        self.cache_dir = Path(cache_dir or self.cfg.audio_cache)
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[str, Future] = {}
        self.synthesized = 0  # how many lines the engine actually made (the rest came from the cache)

    # -- public ---------------------------------------------------------------------
    def status(self) -> tuple[bool, str]:
        if self.cfg.tts == "off":
            return False, "the customer's voice is off (TRAINER_TTS=off)"
        engine = _engine(self.cfg.tts_driver)
        probe: Future = Future()

        def check():
            try:
                engine.ready()
                probe.set_result(None)
            except Exception as e:
                probe.set_exception(e)

        engine.submit(URGENT, check)
        try:
            probe.result(timeout=30)
        except Exception as e:
            return False, str(e)
        return True, f"pyttsx3 with the {engine.driver} driver; cache {self.cache_dir}"

    def audio(self, text: str, delivery: Delivery, timeout: float = 30.0) -> bytes:
        """WAV of `text` spoken with `delivery`; from the cache when it was made before."""
        key = self._key(text, delivery)
        hit = self._cached(key)
        if hit is not None:
            return hit
        if self.cfg.tts == "off":
            raise SpeechUnavailable("the customer's voice is off (TRAINER_TTS=off)")
        return self._submit(text, delivery, URGENT).result(timeout=timeout)

    def reply_audio(self, text: str, delivery: Delivery, known: Iterable[str] = (), timeout: float = 30.0) -> bytes:
        """WAV of a reply made of known lines: each part from the cache, joined."""
        key = self._key("\x00reply\x00" + text, delivery)
        hit = self._cached(key)
        if hit is not None:
            return hit
        parts = split_known(text, known)
        if len(parts) <= 1:
            return self.audio(text, delivery, timeout)
        if self.cfg.tts == "off":
            raise SpeechUnavailable("the customer's voice is off (TRAINER_TTS=off)")
        futures = [self._submit(p, delivery, URGENT) for p in parts]  # cached parts resolve at once
        joined = join_wavs([f.result(timeout=timeout) for f in futures])
        self._remember(key, joined)
        return joined

    def prefetch(self, texts: Iterable[str], deliveries: Iterable[Delivery]) -> int:
        """Queue every text in every delivery behind urgent work; returns how many were queued."""
        if self.cfg.tts == "off":
            return 0
        texts = list(texts)
        n = 0
        for d in deliveries:
            for text in texts:
                if self._cached(self._key(text, d)) is None:
                    self._submit(text, d, AHEAD)
                    n += 1
        return n

    def prepare(self, persona, mood: dict[str, int] | None = None) -> int:
        """Queue all of a persona's lines in every mood band, the band of `mood` first."""
        return self.prefetch(persona.customer_lines(), deliveries(persona.voice, mood or persona.mood))

    def drain(self, timeout: float = 120.0) -> None:
        """Wait until everything queued is made (tests, benchmarks, `voice --prepare`)."""
        with self._lock:
            pending = list(self._pending.values())
        for f in pending:
            f.result(timeout=timeout)

    def is_cached(self, text: str, delivery: Delivery) -> bool:
        return self._cached(self._key(text, delivery)) is not None

    # -- cache ------------------------------------------------------------------------
    def _key(self, text: str, d: Delivery) -> str:
        return _cache_key(self.cfg.tts_driver or "default", text, d)

    def _path(self, key: str) -> Path:
        return self.cache_dir / key[:2] / f"{key}.wav"

    def _cached(self, key: str) -> bytes | None:
        with self._lock:
            hit = self._memory.get(key)
            if hit is not None:
                self._memory.move_to_end(key)
                return hit
        try:
            data = self._path(key).read_bytes()
        except OSError:
            return None
        self._remember(key, data)
        return data

    def _remember(self, key: str, data: bytes) -> None:
        with self._lock:
            self._memory[key] = data
            self._memory.move_to_end(key)
            while len(self._memory) > MEMORY_ITEMS:
                self._memory.popitem(last=False)

    # -- asking the engine --------------------------------------------------------------
    def _submit(self, text: str, d: Delivery, priority: int) -> Future:
        key = self._key(text, d)
        with self._lock:
            fut = self._pending.get(key)
            if fut is not None and priority == AHEAD:
                return fut  # already on its way
            if fut is None:
                fut = Future()
                self._pending[key] = fut
        # an urgent request for a line queued ahead is queued again in front; the later run finds it done
        _engine(self.cfg.tts_driver).submit(priority, lambda: self._make(key, text, d, fut))
        return fut

    def _make(self, key: str, text: str, d: Delivery, fut: Future) -> None:
        """Runs on the worker thread."""
        if fut.done():
            return
        try:
            data = self._cached(key)
            if data is None:
                data = self._synthesize(key, text, d)
            fut.set_result(data)
        except Exception as e:  # the waiting page shows it; the worker lives on
            fut.set_exception(e)
        finally:
            with self._lock:
                if self._pending.get(key) is fut:
                    del self._pending[key]

    def _synthesize(self, key: str, text: str, d: Delivery) -> bytes:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.wav")
        _engine(self.cfg.tts_driver).synthesize(text, d, tmp)
        data = tmp.read_bytes()
        os.replace(tmp, path)  # a reader never sees half a file
        self.synthesized += 1
        self._remember(key, data)
        return data


def split_known(text: str, known: Iterable[str]) -> list[str]:
    """`text` cut into the known lines it was joined from (unknown stretches kept whole)."""
    lines = sorted({k for k in known if k}, key=len, reverse=True)
    parts: list[str] = []
    i, unknown_from = 0, 0
    while i < len(text):
        hit = next((k for k in lines if text.startswith(k, i)), None)
        if hit:
            if unknown_from < i:
                parts.append(text[unknown_from:i])
            parts.append(hit)
            i += len(hit)
            unknown_from = i
        else:
            i += 1
    if unknown_from < len(text):
        parts.append(text[unknown_from:])
    return [p for p in parts if p.strip()]


def join_wavs(wavs: list[bytes]) -> bytes:
    """One WAV of several with the same format, a short pause between them."""
    frames, params = [], None
    for data in wavs:
        with wave.open(io.BytesIO(data)) as w:
            p = (w.getnchannels(), w.getsampwidth(), w.getframerate())
            if params and p != params:
                raise ValueError("cannot join WAVs of different formats")
            params = p
            frames.append(w.readframes(w.getnframes()))
    channels, width, rate = params
    gap = b"\x00" * int(GAP_SECONDS * rate) * width * channels
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(gap.join(frames))
    return out.getvalue()


@lru_cache(maxsize=1)
def default_speaker() -> Speaker:
    """The process's speaker: one cache in memory, shared by every call."""
    return Speaker()
