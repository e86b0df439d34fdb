"""Speech to text through SpeechRecognition, offline by default.

The recording is checked (`audio.load_clip`), measured (`prosody`), read with
`speech_recognition.AudioFile` and given to the configured engine:

- `whisper` (default): faster-whisper with a local model (`models.py`), in the
  configured language, with an initial prompt of the domain's words
  (content/voice.yaml) so 宽带, 套餐, 话费 and 10000号 come out right. The model
  is loaded once and shared; recognitions take turns (two cores do not get
  faster by running two at once).
- `vosk`: a local Vosk model directory.
- `google`: Google's web recognizer; audio leaves the machine, so only when
  configured.

What comes out is Simplified Chinese without the spaces Whisper puts between
segments, so the understanding layer reads it like a typed line.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import opencc

from . import junk
from .audio import AudioProblem, Clip, load_clip
from .config import SpeechUnavailable, VoiceConfig, voice_content
from .models import ModelMissing, whisper_model_dir
from .prosody import Prosody



@dataclass
class Heard:
    """What the trainee said and how."""

    text: str
    language: str
    engine: str
    metrics: dict[str, float] = field(default_factory=dict)
    elapsed: float = 0.0  # seconds the recognizer took

    def to_dict(self) -> dict:
        return {"text": self.text, "language": self.language, "engine": self.engine,
                **self.metrics, "elapsed": round(self.elapsed, 3)}


_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff，。？！、：；]) +(?=[\u3400-\u9fff，。？！、：；])")
_t2s = opencc.OpenCC("t2s")


def tidy(text: str) -> str:
    """Simplified characters, no spaces between Chinese characters."""
    return _CJK_GAP.sub("", _t2s.convert(text or "").strip())


class Recognizer:
    """One configured recognition engine."""

    def __init__(self, cfg: VoiceConfig | None = None, models_root: Path | None = None):
        self.cfg = cfg or VoiceConfig.from_env()
        self.models_root = models_root or self.cfg.models_dir
        self._lock = threading.Lock()
        self._model = None
        self.prompt = voice_content()["recognition"]["initial_prompt"]
        self._prompt_bare = re.sub(r"\W", "", tidy(self.prompt))

    @property
    def engine(self) -> str:
        return self.cfg.stt

    def status(self) -> tuple[bool, str]:
        """(usable, one line saying what recognizes speech or why nothing does)."""
        c = self.cfg
        if c.stt == "off":
            return False, "speech recognition is off (TRAINER_STT=off)"
        if c.stt == "google":
            return True, "Google web speech recognition (online: recordings leave this machine)"
        if c.stt == "vosk":
            if not c.vosk_model or not Path(c.vosk_model).is_dir():
                return False, ("TRAINER_STT=vosk needs TRAINER_VOSK_MODEL, an unpacked Vosk model directory "
                               "(e.g. vosk-model-small-cn-0.22 from alphacephei.com/vosk/models)")
            return True, f"Vosk, model {c.vosk_model}"
        try:
            where = whisper_model_dir(c, self.models_root)
        except ModelMissing as e:
            return False, str(e)
        return True, f"faster-whisper, model {where} ({c.language}, {c.whisper_threads} threads)"

    def hear(self, data: bytes) -> Heard:
        """The words and prosody of a WAV recording; AudioProblem for bad audio,
        SpeechUnavailable when no engine can run."""
        clip = load_clip(data)
        prosody = Prosody(clip)  # silence is refused before an engine can invent words
        started = time.perf_counter()
        text, language = self.recognize(clip)
        text = tidy(text)
        if self._echo(text):
            text = ""
        why = junk.problem(text)
        if why == "no_words":
            raise AudioProblem("audio_no_words")
        if why:  # characters with no relation to speech: never sent as the trainee's line
            raise AudioProblem("audio_not_recognized", heard=text[:30] + ("…" if len(text) > 30 else ""))
        return Heard(text, language, self.engine, prosody.metrics(text), time.perf_counter() - started)

    def recognize(self, clip: Clip) -> tuple[str, str]:
        import speech_recognition as sr

        with sr.AudioFile(io.BytesIO(clip.wav_bytes())) as source:
            audio = sr.Recognizer().record(source)
        with self._lock:
            if self.engine == "whisper":
                return self._whisper(audio)
            if self.engine == "vosk":
                return self._vosk(audio), self.cfg.language
            if self.engine == "google":
                return self._google(audio), self.cfg.language
        raise SpeechUnavailable(self.status()[1])

    # -- engines ----------------------------------------------------------------------
    def _whisper(self, audio) -> tuple[str, str]:
        from speech_recognition.recognizers.whisper_local.base import WhisperCompatibleRecognizer
        from speech_recognition.recognizers.whisper_local.faster_whisper import TranscribableAdapter

        if self._model is None:
            from faster_whisper import WhisperModel

            try:
                where = whisper_model_dir(self.cfg, self.models_root)
            except ModelMissing as e:
                raise SpeechUnavailable(str(e)) from None
            self._model = WhisperModel(
                where, device="cpu", compute_type="int8", cpu_threads=self.cfg.whisper_threads,
                local_files_only=not self.cfg.whisper_download,
            )
        out = WhisperCompatibleRecognizer(TranscribableAdapter(self._model)).recognize(
            audio, show_dict=True, language=self.cfg.language, initial_prompt=self.prompt,
            **voice_content()["recognition"].get("options", {}),
        )
        return out["text"], out["language"]

    def _vosk(self, audio) -> str:
        if self._model is None:
            ok, why = self.status()
            if not ok:
                raise SpeechUnavailable(why)
            import vosk

            vosk.SetLogLevel(-1)
            self._model = vosk.Model(self.cfg.vosk_model)
        import vosk

        rec = vosk.KaldiRecognizer(self._model, 16000)
        rec.AcceptWaveform(audio.get_raw_data(convert_rate=16000, convert_width=2))
        return json.loads(rec.FinalResult()).get("text", "")

    def _google(self, audio) -> str:
        import speech_recognition as sr

        lang = {"zh": "zh-CN", "en": "en-US"}.get(self.cfg.language, self.cfg.language)
        try:
            return sr.Recognizer().recognize_google(audio, language=lang)
        except sr.UnknownValueError:
            return ""
        except sr.RequestError as e:
            raise AudioProblem("stt_failed", reason=str(e)) from None

    def _echo(self, text: str) -> bool:
        """Whisper repeats its prompt when it hears nothing it knows."""
        bare = re.sub(r"\W", "", text)
        return len(bare) >= 6 and bare in self._prompt_bare


@lru_cache(maxsize=1)
def default_recognizer() -> Recognizer:
    """The process's recognizer (one model in memory, shared by every call)."""
    return Recognizer()
